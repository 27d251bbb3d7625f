import type { DbAutomatedBackup, DbInstance, DbSnapshot, InstanceCapture } from './model.js';
import type { EmulatorState } from './state.js';

export function captureOf(instance: DbInstance): InstanceCapture {
  return {
    instanceIdentifier: instance.identifier,
    instanceResourceId: instance.resourceId,
    instanceCreateTime: instance.instanceCreateTime,
    instanceClass: instance.instanceClass,
    engineVersion: instance.engineVersion,
    masterUsername: instance.masterUsername,
    masterUserPassword: instance.masterUserPassword,
    dbName: instance.dbName,
    port: instance.port,
    availabilityZone: instance.availabilityZone,
    storage: { ...instance.storage },
    storageEncrypted: instance.storageEncrypted,
    kmsKeyId: instance.kmsKeyId,
  };
}

/**
 * A manual snapshot of the instance as it is now. Without explicit tags it gets the instance's tags
 * when the instance has CopyTagsToSnapshot, as in RDS.
 */
export function manualSnapshotOf(
  instance: DbInstance,
  identifier: string,
  state: EmulatorState,
  tags?: Map<string, string>,
): DbSnapshot {
  return {
    ...captureOf(instance),
    identifier,
    arn: state.snapshotArn(identifier),
    status: 'creating',
    snapshotType: 'manual',
    createTime: new Date(),
    tags: tags ?? (instance.copyTagsToSnapshot ? new Map(instance.tags) : new Map()),
  };
}

/** What RDS keeps of a deleted instance's automated backups when asked to keep them. */
export function retainedBackupOf(instance: DbInstance, state: EmulatorState): DbAutomatedBackup {
  return {
    ...captureOf(instance),
    arn: state.automatedBackupArn(),
    instanceArn: instance.arn,
    status: 'retained',
    backupRetentionPeriod: instance.backupRetentionPeriod,
    deletedAt: new Date(),
  };
}
