import { POSTGRESDB_SNAPSHOTS, type PostgresDBSnapshot } from '../api/postgres-db-snapshot.js';
import { type PostgresDB, POSTGRESDBS } from '../api/v1beta1.js';
import type { KubeClient } from '../kube/client.js';
import { KubeResources } from '../kube/resources.js';
import type { PolicySource } from '../policy/store.js';
import { snapshotSharingErrors } from '../policy/restore.js';
import { type FieldError, fieldError } from './rules/field-error.js';

/** What a restore names, read by name when a PostgresDB with spec.restoreFrom is admitted. */
export interface RestoreSources {
  snapshot(namespace: string, name: string): Promise<PostgresDBSnapshot | undefined>;
  postgresDB(namespace: string, name: string): Promise<PostgresDB | undefined>;
}

/** Without an API server to ask (webhooks tested alone), no source can be found. */
export const NO_RESTORE_SOURCES: RestoreSources = {
  snapshot: async () => undefined,
  postgresDB: async () => undefined,
};

/**
 * Reads on demand, like the policy store's read of a namespace it has not seen: restores are rare,
 * and a watch of every PostgresDBSnapshot for them would cost every replica memory for nothing.
 */
export function kubeRestoreSources(client: KubeClient): RestoreSources {
  const kube = new KubeResources(client);
  return {
    snapshot: (namespace, name) => kube.get(POSTGRESDB_SNAPSHOTS, { namespace, name }),
    postgresDB: (namespace, name) => kube.get(POSTGRESDBS, { namespace, name }),
  };
}

/**
 * Whether the source of a new PostgresDB's spec.restoreFrom exists where it says, and may be restored
 * here: a PostgresDBSnapshot of this namespace (or one another namespace's policies share with it)
 * that has not failed, or a PostgresDB of this namespace for a point in time. An RDS snapshot named by
 * identifier is the policies' to allow (policy/check.ts); RDS says whether it exists.
 */
export async function restoreSourceErrors(
  spec: PostgresDB['spec'],
  namespace: string,
  sources: RestoreSources,
  policies: PolicySource,
): Promise<FieldError[]> {
  const restore = spec.restoreFrom;
  if (restore?.snapshot) {
    const { name } = restore.snapshot;
    const snapshotNamespace = restore.snapshot.namespace || namespace;
    const shared =
      snapshotNamespace === namespace
        ? []
        : snapshotSharingErrors(await policies.policiesFor(snapshotNamespace), {
            namespace,
            namespaceLabels: await policies.namespaceLabels(namespace),
            snapshotNamespace,
            snapshotName: name,
          });
    // Another namespace's snapshots are not even looked up unless they are shared.
    if (shared.length) return shared;
    const snapshot = await sources.snapshot(snapshotNamespace, name);
    if (!snapshot)
      return [
        fieldError(
          'spec.restoreFrom.snapshot.name',
          `no PostgresDBSnapshot of that name in namespace ${JSON.stringify(snapshotNamespace)}`,
          name,
        ),
      ];
    return snapshot.status?.phase === 'Failed'
      ? [
          fieldError(
            'spec.restoreFrom.snapshot.name',
            'is a snapshot that failed: nothing can be restored from it',
            name,
          ),
        ]
      : [];
  }
  const source = restore?.pointInTime?.postgresDBRef.name;
  if (source !== undefined && !(await sources.postgresDB(namespace, source)))
    return [
      fieldError(
        'spec.restoreFrom.pointInTime.postgresDBRef.name',
        `no PostgresDB of that name in namespace ${JSON.stringify(namespace)}`,
        source,
      ),
    ];
  return [];
}
