import type { PostgresDBPolicy } from '../api/policy.js';
import { type FieldError, fieldError } from '../admission/rules/field-error.js';
import { matchesAny } from './patterns.js';
import { selectorMatches } from './selector.js';

export const RDS_SNAPSHOT_PATH = 'spec.restoreFrom.rdsSnapshotIdentifier';

const by = (policy: PostgresDBPolicy) => `PostgresDBPolicy ${JSON.stringify(policy.metadata.name ?? '')}`;

/**
 * A restore from an RDS snapshot by identifier is off unless a policy selecting the namespace turns it
 * on for the identifier, and no policy that speaks of it forbids it (each must enable it and match):
 * a snapshot may hold any data of the account. Policies silent on it neither allow nor forbid.
 */
export function rdsSnapshotRestoreViolations(
  identifier: string,
  namespace: string,
  policies: readonly PostgresDBPolicy[],
): FieldError[] {
  const deciding = policies.filter((policy) => policy.spec.rdsSnapshotRestore !== undefined);
  if (deciding.length === 0) {
    return [
      fieldError(
        RDS_SNAPSHOT_PATH,
        `restoring from RDS snapshots is off: no PostgresDBPolicy selecting namespace ${JSON.stringify(namespace)} enables it (spec.rdsSnapshotRestore)`,
        identifier,
      ),
    ];
  }
  return deciding.flatMap((policy) => {
    const rule = policy.spec.rdsSnapshotRestore!;
    const patterns = rule.identifiers ?? [];
    if (rule.enabled && matchesAny(patterns, identifier)) return [];
    const allowed = rule.enabled && patterns.length ? patterns.join(', ') : 'none';
    return [fieldError(RDS_SNAPSHOT_PATH, `not allowed by ${by(policy)}; allowed: ${allowed}`, identifier)];
  });
}

/** A PostgresDB restoring from a PostgresDBSnapshot of another namespace. */
export interface SharedSnapshot {
  /** The restoring PostgresDB's namespace, and its labels. */
  namespace: string;
  namespaceLabels: Record<string, string>;
  snapshotNamespace: string;
  snapshotName: string;
}

/**
 * Why the snapshot is not shared with the namespace: none when a policy selecting the snapshot's
 * namespace shares its snapshots (spec.snapshotSharing) with the restoring namespace, and lists the
 * snapshot (or lists none). Sharing is a grant: one policy is enough.
 */
export function snapshotSharingErrors(
  policies: readonly PostgresDBPolicy[],
  shared: SharedSnapshot,
): FieldError[] {
  const sharing = policies.filter(
    (policy) =>
      policy.spec.snapshotSharing !== undefined &&
      selectorMatches(policy.spec.snapshotSharing.namespaceSelector, shared.namespaceLabels),
  );
  const granting = sharing.filter((policy) => {
    const snapshots = policy.spec.snapshotSharing?.snapshots;
    return snapshots === undefined || matchesAny(snapshots, shared.snapshotName);
  });
  if (granting.length) return [];
  if (sharing.length) {
    return [
      fieldError(
        'spec.restoreFrom.snapshot.name',
        `is not shared with namespace ${JSON.stringify(shared.namespace)} by ${sharing.map(by).join(', ')}; shared: ${sharing.flatMap((policy) => policy.spec.snapshotSharing?.snapshots ?? []).join(', ') || 'none'}`,
        shared.snapshotName,
      ),
    ];
  }
  return [
    fieldError(
      'spec.restoreFrom.snapshot.namespace',
      `no PostgresDBPolicy shares the snapshots of this namespace with namespace ${JSON.stringify(shared.namespace)}; ask the platform team for a policy with spec.snapshotSharing`,
      shared.snapshotNamespace,
    ),
  ];
}
