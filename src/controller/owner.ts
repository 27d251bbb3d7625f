import { GROUP, KIND } from '../api/constants.js';
import { type PostgresDB, POSTGRESDBS } from '../api/v1beta1.js';
import { controllerReference } from '../kube/references.js';
import type { KubeObject, OwnerReference } from '../kube/types.js';

export function ownerReference(object: PostgresDB): OwnerReference {
  return controllerReference(POSTGRESDBS, object);
}

export function isOwnedBy(child: KubeObject, uid: string): boolean {
  return (child.metadata.ownerReferences ?? []).some((reference) => reference.uid === uid);
}

export function refersToPostgresDB(reference: OwnerReference): boolean {
  return reference.kind === KIND && reference.apiVersion.startsWith(`${GROUP}/`);
}

/** The reference to the PostgresDB controlling a Secret or Service. */
export function controllerOf(child: KubeObject): OwnerReference | undefined {
  return (child.metadata.ownerReferences ?? []).find(
    (candidate) => candidate.controller && refersToPostgresDB(candidate),
  );
}

/** The PostgresDB controlling a Secret or Service, as a queue key. */
export function controllerKey(child: KubeObject): string | undefined {
  const reference = controllerOf(child);
  return reference && child.metadata.namespace ? `${child.metadata.namespace}/${reference.name}` : undefined;
}
