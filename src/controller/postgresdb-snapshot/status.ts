import type { PostgresDBSnapshotStatus, SnapshotPhase } from '../../api/postgres-db-snapshot.js';
import type { RdsSnapshot } from '../../aws/types.js';
import { type ConditionInput, setCondition } from '../status.js';

/** RDS snapshot statuses from which nothing can be restored, ever. */
const FAILED = new Set(['failed', 'incompatible-restore', 'incompatible-parameters']);

export function isFailedSnapshot(snapshot: RdsSnapshot): boolean {
  return FAILED.has(snapshot.status);
}

export interface SnapshotStatusInput {
  previous: PostgresDBSnapshotStatus | undefined;
  generation: number | undefined;
  /** Set once the RDS snapshot is known to be this resource's. */
  identifier?: string | undefined;
  snapshot?: RdsSnapshot | undefined;
  /** Why there is no snapshot yet, when that is not a failure (the instance is busy). */
  waiting?: { reason: string; message: string } | undefined;
  failure?: { reason: string; message: string; permanent?: boolean } | undefined;
  deleting?: boolean;
  /** False when RDS could not be asked: the phase and Ready condition recorded before are kept. */
  snapshotObserved?: boolean;
  now: string;
}

function phaseOf(input: SnapshotStatusInput): SnapshotPhase {
  const { snapshot } = input;
  if (input.deleting || snapshot?.status === 'deleting') return 'Deleting';
  if (!snapshot) return input.failure?.permanent ? 'Failed' : 'Pending';
  if (snapshot.status === 'available') return 'Available';
  return isFailedSnapshot(snapshot) ? 'Failed' : 'Creating';
}

function readiness(input: SnapshotStatusInput): ConditionInput {
  const { snapshot } = input;
  const not = (reason: string, message: string): ConditionInput => ({
    type: 'Ready',
    status: 'False',
    reason,
    message,
  });
  if (input.deleting) return not('Deleting', 'The resource is being deleted');
  if (!snapshot)
    return input.waiting
      ? not(input.waiting.reason, input.waiting.message)
      : not('Pending', 'No RDS snapshot yet');
  const name = `RDS snapshot ${snapshot.identifier}`;
  if (snapshot.status === 'available')
    return { type: 'Ready', status: 'True', reason: 'Available', message: `${name} is available` };
  if (isFailedSnapshot(snapshot))
    return not('SnapshotFailed', `${name} is ${snapshot.status}: nothing can be restored from it`);
  const progress = snapshot.progressPercent === undefined ? '' : ` (${snapshot.progressPercent}%)`;
  return not('Creating', `${name} is ${snapshot.status}${progress}`);
}

/** The status a reconcile leaves behind, built from the RDS snapshot as observed. */
export function buildSnapshotStatus(input: SnapshotStatusInput): PostgresDBSnapshotStatus {
  const { snapshot, previous } = input;
  const observedNow = input.snapshotObserved !== false;
  const status: PostgresDBSnapshotStatus = {
    phase: observedNow || !previous?.phase ? phaseOf(input) : previous.phase,
  };
  const identifier = input.identifier ?? previous?.snapshotIdentifier;
  if (identifier) status.snapshotIdentifier = identifier;
  const observed = snapshot ?? undefined;
  const keep = <K extends keyof PostgresDBSnapshotStatus>(key: K, value: PostgresDBSnapshotStatus[K]) => {
    const chosen = value ?? previous?.[key];
    if (chosen !== undefined) status[key] = chosen;
  };
  keep('arn', observed?.arn || undefined);
  keep('rdsStatus', observed?.status);
  keep('dbInstanceIdentifier', observed?.instanceIdentifier || undefined);
  keep('creationTime', observed?.createdAt);
  keep('sizeGiB', observed?.allocatedStorageGiB);
  keep('engineVersion', observed?.engineVersion);
  keep('progressPercent', observed?.progressPercent);
  if (input.generation !== undefined) status.observedGeneration = input.generation;
  const { failure } = input;
  const synced: ConditionInput = failure
    ? { type: 'Synced', status: 'False', reason: failure.reason, message: failure.message }
    : { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', message: 'The last reconcile succeeded' };
  const kept = previous?.conditions?.some((condition) => condition.type === 'Ready');
  const conditions =
    observedNow || !kept
      ? setCondition(previous?.conditions, readiness(input), input.generation, input.now)
      : (previous?.conditions ?? []);
  status.conditions = setCondition(conditions, synced, input.generation, input.now);
  return status;
}
