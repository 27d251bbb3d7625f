import { apiVersionOf, type ResourceType } from '../api/resource-type.js';
import type { ObjectReference, OwnerReference } from './types.js';

/** Any object as far as a reference reads it (a kind's own type, or a KubeObject). */
interface Referable {
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** What an Event about the object is about. */
export function objectReference(type: ResourceType, object: Referable): ObjectReference {
  const { name, namespace, uid, resourceVersion } = object.metadata;
  return {
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    name: name ?? '',
    namespace: namespace ?? 'default',
    uid: uid ?? '',
    ...(resourceVersion ? { resourceVersion } : {}),
  };
}

/** The reference a child carries to the object controlling it (garbage collection follows it). */
export function controllerReference(type: ResourceType, object: Referable): OwnerReference {
  return {
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    name: object.metadata.name ?? '',
    uid: object.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
