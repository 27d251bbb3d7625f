import { ANNOTATION_FINAL_SNAPSHOT_OF, ANNOTATION_IDENTIFIER } from '../api/constants.js';
import type { PostgresDBSnapshot } from '../api/postgres-db-snapshot.js';
import type { PostgresDB } from '../api/v1beta1.js';

/** Kubernetes object names are at most 253 characters. */
const MAX_NAME = 253;

/**
 * The PostgresDBSnapshot that makes a deletion's final snapshot visible, and restorable by name:
 * `<postgresdb>-final-<first 8 of its uid>` in its namespace, bound by annotation to the RDS snapshot
 * `<instance>-final-<uid>`, with Retain (it outlives the PostgresDB; no owner reference).
 */
export function finalSnapshotObject(object: PostgresDB, identifier: string): PostgresDBSnapshot {
  const uid = object.metadata.uid ?? '';
  const suffix = `-final-${uid.replace(/-/g, '').slice(0, 8) || '0'}`;
  const base = (object.metadata.name ?? '').slice(0, MAX_NAME - suffix.length).replace(/[-.]+$/, '');
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDBSnapshot',
    metadata: {
      name: `${base}${suffix}`,
      namespace: object.metadata.namespace ?? 'default',
      annotations: { [ANNOTATION_IDENTIFIER]: identifier, [ANNOTATION_FINAL_SNAPSHOT_OF]: uid },
    },
    spec: { postgresDBRef: { name: object.metadata.name ?? '' }, deletionPolicy: 'Retain' },
  };
}

/** Whether a PostgresDBSnapshot found under the final snapshot's name is the one Stow made for it. */
export function isFinalSnapshotOf(object: PostgresDBSnapshot, identifier: string): boolean {
  return object.metadata.annotations?.[ANNOTATION_IDENTIFIER] === identifier;
}
