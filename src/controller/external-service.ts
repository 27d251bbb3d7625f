import { postgres } from '../engine/engine.js';
import { LABEL_MANAGED_BY, LABEL_OWNER, MANAGED_BY } from './labels.js';
import type { OwnerReference, Service } from '../kube/types.js';

export interface ServiceTarget {
  address: string;
  port: number;
}

export function desiredServiceSpec(target: ServiceTarget): NonNullable<Service['spec']> {
  return {
    type: 'ExternalName',
    externalName: target.address,
    ports: [{ name: postgres.servicePortName, port: target.port, protocol: 'TCP', targetPort: target.port }],
  };
}

export function newService(
  name: string,
  namespace: string,
  owner: OwnerReference,
  target: ServiceTarget,
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_OWNER]: owner.name },
      ownerReferences: [owner],
    },
    spec: desiredServiceSpec(target),
  };
}

/** True when the Service already points where it should (other fields are the API server's or the user's). */
export function serviceMatches(service: Service, target: ServiceTarget): boolean {
  const port = service.spec?.ports?.[0];
  return (
    service.spec?.type === 'ExternalName' &&
    service.spec.externalName === target.address &&
    port?.port === target.port &&
    (service.spec.ports?.length ?? 0) === 1
  );
}
