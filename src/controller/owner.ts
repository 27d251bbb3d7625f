import { GROUP, HUB_VERSION, KIND } from '../api/constants.js';
import type { PostgresDB } from '../api/v1beta1.js';
import type { KubeObject, OwnerReference } from './kube/types.js';

export function ownerReference(object: PostgresDB): OwnerReference {
  return {
    apiVersion: `${GROUP}/${HUB_VERSION}`,
    kind: KIND,
    name: object.metadata.name ?? '',
    uid: object.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isOwnedBy(child: KubeObject, uid: string): boolean {
  return (child.metadata.ownerReferences ?? []).some((reference) => reference.uid === uid);
}

/** The PostgresDB controlling a Secret or Service, as a queue key. */
export function controllerKey(child: KubeObject): string | undefined {
  const reference = (child.metadata.ownerReferences ?? []).find(
    (candidate) =>
      candidate.controller && candidate.kind === KIND && candidate.apiVersion.startsWith(`${GROUP}/`),
  );
  return reference && child.metadata.namespace ? `${child.metadata.namespace}/${reference.name}` : undefined;
}
