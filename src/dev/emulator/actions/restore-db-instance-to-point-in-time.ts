import { captureOf } from '../backups.js';
import {
  dbInstanceAlreadyExists,
  dbInstanceNotFound,
  invalidDbInstanceState,
  invalidParameterCombination,
  invalidParameterValue,
  invalidRestore,
  missingParameter,
  pointInTimeRestoreNotEnabled,
} from '../errors.js';
import type { InstanceCapture } from '../model.js';
import type { QueryParams } from '../query-params.js';
import { singleDbInstanceXml } from '../render.js';
import { normalizeIdentifier } from '../rules/identifiers.js';
import { validateMaxAllocatedStorage } from '../rules/storage.js';
import type { EmulatorState } from '../state.js';
import type { ActionHandler } from './context.js';
import { restoredInstance } from './restored-instance.js';

/** What a point-in-time restore reads from: a live instance, or a deleted one's retained backups. */
interface PointInTimeSource {
  capture: InstanceCapture;
  tags: Map<string, string>;
  backupRetentionPeriod: number;
  /** The restore window: from the instance's creation to now (or to its deletion). */
  earliest: Date;
  latest: Date;
}

/**
 * A new instance as the source was at RestoreTime, or at its latest restorable time, which the
 * emulator takes to be now: RDS's own lags by about five minutes.
 */
export const restoreDbInstanceToPointInTime: ActionHandler = (params, { state, snapshots }) => {
  const target = normalizeIdentifier(
    params.requiredString('TargetDBInstanceIdentifier'),
    'TargetDBInstanceIdentifier',
  );
  const source = pointInTimeSource(params, state);
  const latest = params.boolean('UseLatestRestorableTime') ?? false;
  const time = restoreTime(params, source);
  if (state.getInstance(target)) throw dbInstanceAlreadyExists();
  const instance = restoredInstance(params, state, target, source.capture, source.tags);
  const maxAllocatedGiB = params.integer('MaxAllocatedStorage');
  if (maxAllocatedGiB !== undefined) {
    validateMaxAllocatedStorage(maxAllocatedGiB, instance.storage);
    instance.maxAllocatedGiB = maxAllocatedGiB;
  }
  state.addInstance(instance);
  snapshots.startRestore(instance, {
    kind: 'pointInTime',
    instanceResourceId: source.capture.instanceResourceId,
    time,
    latest,
  });
  return singleDbInstanceXml(instance);
};

function pointInTimeSource(params: QueryParams, state: EmulatorState): PointInTimeSource {
  const identifier = params.string('SourceDBInstanceIdentifier');
  const resourceId = params.string('SourceDbiResourceId');
  if (identifier === undefined && resourceId === undefined)
    throw missingParameter('SourceDBInstanceIdentifier');
  const live =
    identifier !== undefined
      ? state.requireInstance(normalizeIdentifier(identifier, 'SourceDBInstanceIdentifier'))
      : state.listInstances().find((instance) => instance.resourceId === resourceId);
  if (live) {
    if (live.backupRetentionPeriod === 0) throw pointInTimeRestoreNotEnabled(live.identifier);
    if (!live.instanceCreateTime) {
      throw invalidDbInstanceState(
        `DB instance ${live.identifier} is ${live.status}; it has no backups to restore from yet.`,
      );
    }
    return {
      capture: captureOf(live),
      tags: live.tags,
      backupRetentionPeriod: live.backupRetentionPeriod,
      earliest: live.instanceCreateTime,
      latest: new Date(),
    };
  }
  const retained = resourceId === undefined ? undefined : state.getRetainedBackup(resourceId);
  if (!retained?.instanceCreateTime) throw dbInstanceNotFound(resourceId ?? '');
  return {
    capture: retained,
    tags: new Map(),
    backupRetentionPeriod: retained.backupRetentionPeriod,
    earliest: retained.instanceCreateTime,
    latest: retained.deletedAt,
  };
}

function restoreTime(params: QueryParams, source: PointInTimeSource): Date {
  const raw = params.string('RestoreTime');
  const latest = params.boolean('UseLatestRestorableTime') ?? false;
  if (latest && raw !== undefined) {
    throw invalidParameterCombination(
      'RestoreTime cannot be specified together with UseLatestRestorableTime.',
    );
  }
  if (latest) return source.latest;
  if (raw === undefined) {
    throw invalidParameterCombination('Specify RestoreTime, or UseLatestRestorableTime=true.');
  }
  const time = new Date(raw);
  if (Number.isNaN(time.getTime())) throw invalidParameterValue(`Invalid value ${raw} for RestoreTime.`);
  if (time < source.earliest || time > source.latest) {
    throw invalidRestore(
      `The restore time ${time.toISOString()} is outside the restore window of the source, ${source.earliest.toISOString()} to ${source.latest.toISOString()}.`,
    );
  }
  return time;
}
