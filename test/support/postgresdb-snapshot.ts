import { POSTGRESDB_SNAPSHOTS, type PostgresDBSnapshot } from '../../src/api/postgres-db-snapshot.js';
import type { Harness } from './harness.js';

export function postgresDBSnapshot(
  name: string,
  postgresDB: string,
  deletionPolicy?: 'Retain' | 'Delete',
): PostgresDBSnapshot {
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDBSnapshot',
    metadata: { name },
    spec: { postgresDBRef: { name: postgresDB }, ...(deletionPolicy ? { deletionPolicy } : {}) },
  };
}

export function getSnapshot(h: Harness, name: string, namespace = h.namespace) {
  return h.kube.get(POSTGRESDB_SNAPSHOTS, { namespace, name });
}

export function snapshotCondition(object: PostgresDBSnapshot | undefined, type: string) {
  return object?.status?.conditions?.find((condition) => condition.type === type);
}

/** The snapshot once its phase is `phase`. */
export function snapshotInPhase(h: Harness, name: string, phase: string, timeoutMs = 30_000) {
  return h.waitFor(
    `PostgresDBSnapshot ${name} ${phase}`,
    async () => {
      const object = await getSnapshot(h, name);
      return object?.status?.phase === phase && object;
    },
    timeoutMs,
  );
}

export async function removeSnapshot(h: Harness, name: string, namespace = h.namespace) {
  await h.kube.client.request(
    'DELETE',
    `/apis/stow.dev/v1beta1/namespaces/${namespace}/postgresdbsnapshots/${name}`,
  );
}
