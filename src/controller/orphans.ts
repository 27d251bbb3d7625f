import {
  MANAGED_BY_VALUE,
  SNAPSHOT_KIND,
  TAG_CLUSTER,
  TAG_KIND,
  TAG_MANAGED_BY,
  TAG_NAME,
  TAG_NAMESPACE,
  TAG_ORPHANED_AT,
} from '../api/constants.js';
import type { PostgresDB } from '../api/v1beta1.js';
import type { RdsInstance, RdsSnapshot } from '../aws/types.js';
import type { OperatorConfig, OrphanAction } from '../config/schema.js';
import { boundIdentifier, objectKey } from './resource.js';
import { RETAINED_VALUE } from './ownership.js';

/** What the controller knows when it judges an instance: its resources, its configuration, the time. */
export interface OrphanScene {
  clusterName: string;
  /** Identifiers bound by the PostgresDBs the controller sees. */
  bound: ReadonlySet<string>;
  /** `namespace/name` of the PostgresDBs the controller sees. */
  resources: ReadonlySet<string>;
  /** Empty: all namespaces. */
  watchNamespaces: readonly string[];
  action: OrphanAction;
  graceMs: number;
  now: Date;
}

export function orphanScene(objects: readonly PostgresDB[], config: OperatorConfig, now: Date): OrphanScene {
  return {
    clusterName: config.clusterName,
    bound: new Set(objects.map((object) => boundIdentifier(object, config))),
    resources: new Set(objects.map(objectKey)),
    watchNamespaces: config.watchNamespaces ?? [],
    action: config.orphans.action,
    graceMs: config.orphans.graceSeconds * 1000,
    now,
  };
}

/**
 * Why an orphan is only reported:
 * - `configured`: orphans.action is report;
 * - `namesake`: a PostgresDB of the namespace and name in its tags exists but is bound to another
 *   instance (say, restored from a backup without its status), so a person must decide;
 * - `deletionProtection`: never touched while deletion protection is on.
 */
export type ReportReason = 'configured' | 'namesake' | 'deletionProtection';

export type OrphanPlan =
  /** `clearMark`: remove an orphaned-at tag, so a later snapshotAndDelete starts a full grace period. */
  | { step: 'report'; reason: ReportReason; clearMark: boolean }
  /** First seen under snapshotAndDelete: record the time on the instance. */
  | { step: 'mark'; markedAt: string; dueAt: Date }
  | { step: 'wait'; markedAt: string; dueAt: Date }
  /** The grace period is over: snapshot, then delete. */
  | { step: 'cleanup'; markedAt: string; snapshotIdentifier: string };

export type OrphanVerdict =
  /** Not this controller's to judge: another cluster's, not managed by Stow (retained, never
   * tagged), in a namespace it does not watch, or already being deleted. */
  | { kind: 'ignore' }
  /** A PostgresDB binds it; an orphaned-at tag left from an earlier absence goes. */
  | { kind: 'claimed'; clearMark: boolean }
  | { kind: 'orphan'; plan: OrphanPlan };

const IGNORE: OrphanVerdict = { kind: 'ignore' };

/** What to do about one listed RDS instance. Pure: every write the controller makes follows from it. */
export function judgeInstance(instance: RdsInstance, scene: OrphanScene): OrphanVerdict {
  const { tags } = instance;
  if (tags[TAG_CLUSTER] !== scene.clusterName || tags[TAG_MANAGED_BY] !== MANAGED_BY_VALUE) return IGNORE;
  if (instance.status === 'deleting') return IGNORE;
  const hasMark = tags[TAG_ORPHANED_AT] !== undefined;
  if (scene.bound.has(instance.identifier)) return { kind: 'claimed', clearMark: hasMark };
  const namespace = tags[TAG_NAMESPACE];
  if (scene.watchNamespaces.length > 0 && !(namespace && scene.watchNamespaces.includes(namespace)))
    return IGNORE;
  const report = (reason: ReportReason): OrphanVerdict => ({
    kind: 'orphan',
    plan: { step: 'report', reason, clearMark: hasMark && !instance.deletionProtection },
  });
  if (scene.action === 'report') return report('configured');
  if (scene.resources.has(`${namespace}/${tags[TAG_NAME]}`)) return report('namesake');
  if (instance.deletionProtection) return report('deletionProtection');
  const mark = validMark(instance);
  if (mark === undefined) {
    // Never before the instance's own creation time (AWS's clock may run ahead of ours), or the
    // mark would not count and would be written again on every resync.
    const created = instance.createdAt === undefined ? Number.NaN : Date.parse(instance.createdAt);
    const markedAt = new Date(
      Number.isNaN(created) ? scene.now.getTime() : Math.max(scene.now.getTime(), created),
    ).toISOString();
    return { kind: 'orphan', plan: { step: 'mark', markedAt, dueAt: dueAt(markedAt, scene) } };
  }
  const due = dueAt(mark, scene);
  if (scene.now < due) return { kind: 'orphan', plan: { step: 'wait', markedAt: mark, dueAt: due } };
  return {
    kind: 'orphan',
    plan: { step: 'cleanup', markedAt: mark, snapshotIdentifier: orphanSnapshotIdentifier(instance) },
  };
}

function dueAt(markedAt: string, scene: OrphanScene): Date {
  return new Date(Date.parse(markedAt) + scene.graceMs);
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * The orphaned-at tag, when it is a time and belongs to this very instance: a mark older than the
 * instance was copied from elsewhere (an instance restored from a snapshot carries the tags it had),
 * so it does not count and the grace period starts again.
 */
export function validMark(instance: RdsInstance): string | undefined {
  const mark = instance.tags[TAG_ORPHANED_AT];
  if (mark === undefined || !RFC3339_UTC.test(mark) || Number.isNaN(Date.parse(mark))) return undefined;
  if (instance.createdAt !== undefined && Date.parse(mark) < Date.parse(instance.createdAt)) return undefined;
  return mark;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * `<identifier>-orphan-<resource id>`: the same on every retry (so a retry never takes a second
 * snapshot) and different for a later instance of the same identifier (resource ids are never reused).
 */
export function orphanSnapshotIdentifier(instance: RdsInstance): string {
  return `${instance.identifier}-orphan-${slug(instance.resourceId ?? '') || 'instance'}`;
}

/**
 * The orphan snapshot's tags: the instance's, without the orphaned-at mark, and released
 * (managed-by=retained), so an instance restored from it is free to adopt, not a new orphan.
 */
export function orphanSnapshotTags(instance: RdsInstance): Record<string, string> {
  const { [TAG_ORPHANED_AT]: _mark, ...tags } = instance.tags;
  return { ...tags, [TAG_MANAGED_BY]: RETAINED_VALUE };
}

export type CleanupStep =
  | 'createSnapshot'
  /** No snapshot yet and the instance is not available (RDS snapshots only available instances). */
  | 'awaitInstance'
  | 'awaitSnapshot'
  | 'deleteInstance'
  /** The snapshot failed, or its name is taken by another instance's: a person must look. */
  | 'snapshotUnusable';

const SNAPSHOT_FAILED = new Set([
  'failed',
  'deleting',
  'deleted',
  'incompatible-restore',
  'incompatible-parameters',
]);

/** The next step of an orphan's cleanup, from a fresh look at the instance and its snapshot. */
export function cleanupStep(instance: RdsInstance, snapshot: RdsSnapshot | undefined): CleanupStep {
  if (snapshot === undefined) return instance.status === 'available' ? 'createSnapshot' : 'awaitInstance';
  if (snapshot.instanceIdentifier !== instance.identifier || SNAPSHOT_FAILED.has(snapshot.status))
    return 'snapshotUnusable';
  return snapshot.status === 'available' ? 'deleteInstance' : 'awaitSnapshot';
}

/** What the controller knows when it judges a snapshot: the PostgresDBSnapshots it sees. */
export interface SnapshotScene {
  clusterName: string;
  /** RDS snapshot identifiers bound by the PostgresDBSnapshots the controller sees. */
  bound: ReadonlySet<string>;
  /** Empty: all namespaces. */
  watchNamespaces: readonly string[];
}

/**
 * Whether a listed RDS snapshot is an orphan: taken by Stow for a PostgresDBSnapshot of this cluster
 * (its kind tag says so; final and orphan snapshots of old, and snapshots RDS copied an instance's tags
 * to, are not), still managed (a Retain deletion releases it), not being deleted, in a watched
 * namespace, and bound by no PostgresDBSnapshot. Orphaned snapshots are only ever reported.
 */
export function isOrphanedSnapshot(snapshot: RdsSnapshot, scene: SnapshotScene): boolean {
  const tags = snapshot.tags ?? {};
  if (tags[TAG_CLUSTER] !== scene.clusterName || tags[TAG_MANAGED_BY] !== MANAGED_BY_VALUE) return false;
  if (tags[TAG_KIND] !== SNAPSHOT_KIND || snapshot.status === 'deleting') return false;
  const namespace = tags[TAG_NAMESPACE];
  if (scene.watchNamespaces.length > 0 && !(namespace && scene.watchNamespaces.includes(namespace)))
    return false;
  return !scene.bound.has(snapshot.identifier);
}
