import type { PostgresDB } from '../api/v1beta1.js';
import type { KubeObject, Metadata, Service } from '../kube/types.js';
import { refersToPostgresDB } from './owner.js';

/**
 * What the informers keep of each object: only what the controller reads. Anyone may label a Secret
 * or Service `app.kubernetes.io/managed-by=stow`, and annotations (up to 256 KiB), labels and
 * managedFields are theirs to fill, so none of that may become the controller's memory.
 */

function keptMetadata(metadata: Metadata): Metadata {
  const { name, namespace, uid, resourceVersion, deletionTimestamp, ownerReferences } = metadata;
  const toPostgresDBs = ownerReferences?.filter(refersToPostgresDB);
  return {
    name,
    namespace,
    uid,
    resourceVersion,
    ...(deletionTimestamp ? { deletionTimestamp } : {}),
    ...(toPostgresDBs?.length ? { ownerReferences: toPostgresDBs } : {}),
  };
}

/** A Secret's identity, version and owners; its data is read when needed (OwnedSecrets). */
export function secretMetadata(object: KubeObject): KubeObject {
  return { metadata: keptMetadata(object.metadata) };
}

/** The fields `serviceMatches` compares, and the metadata above. */
export function cachedService(service: Service): Service {
  const spec = service.spec;
  return {
    metadata: keptMetadata(service.metadata),
    ...(spec ? { spec: { type: spec.type, externalName: spec.externalName, ports: spec.ports } } : {}),
  };
}

/** Nothing reads managedFields, which on an object written by several managers outweighs its spec. */
export function withoutManagedFields<T extends Pick<PostgresDB, 'metadata'>>(object: T): T {
  if (!object.metadata.managedFields) return object;
  const { managedFields: _, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** `kubectl apply`'s copy of the object as last applied: a second spec, as a string. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What the informers keep of a reconciled object (PostgresDB, PostgresDatabase, PostgresDBSnapshot):
 * all of it but its write history, managedFields and kubectl's last-applied copy, which nothing here
 * reads and which together outweigh the spec. A change to that copy alone (an apply that changed
 * only labels) therefore queues nothing.
 */
export function cachedResource<T extends Pick<PostgresDB, 'metadata'>>(object: T): T {
  const lean = withoutManagedFields(object);
  const annotations = lean.metadata.annotations;
  if (annotations?.[LAST_APPLIED_ANNOTATION] === undefined) return lean;
  const { [LAST_APPLIED_ANNOTATION]: _, ...kept } = annotations;
  const { annotations: __, ...metadata } = lean.metadata;
  return { ...lean, metadata: Object.keys(kept).length ? { ...metadata, annotations: kept } : metadata };
}
