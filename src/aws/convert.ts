import { postgres } from '../engine/engine.js';
import type { DBInstance, DBSnapshot, PendingModifiedValues, Tag } from '@aws-sdk/client-rds';
import type { PendingModifications, RdsInstance, RdsSnapshot } from './types.js';

export function tagsToRecord(tags: Tag[] | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) record[tag.Key] = tag.Value ?? '';
  return record;
}

export function recordToTags(record: Record<string, string>): Tag[] {
  return Object.entries(record).map(([Key, Value]) => ({ Key, Value }));
}

function pendingFromSdk(pending: PendingModifiedValues | undefined): PendingModifications {
  if (!pending) return {};
  const result: PendingModifications = {};
  if (pending.DBInstanceClass !== undefined) result.instanceClass = pending.DBInstanceClass;
  if (pending.AllocatedStorage !== undefined) result.allocatedStorageGiB = pending.AllocatedStorage;
  if (pending.StorageType !== undefined) result.storageType = pending.StorageType;
  if (pending.Iops !== undefined) result.iops = pending.Iops;
  if (pending.StorageThroughput !== undefined) result.storageThroughputMiBps = pending.StorageThroughput;
  if (pending.MultiAZ !== undefined) result.multiAZ = pending.MultiAZ;
  if (pending.EngineVersion !== undefined) result.engineVersion = pending.EngineVersion;
  if (pending.BackupRetentionPeriod !== undefined) result.backupRetentionDays = pending.BackupRetentionPeriod;
  if (pending.MasterUserPassword !== undefined) result.masterUserPassword = true;
  return result;
}

export function instanceFromSdk(db: DBInstance): RdsInstance {
  const instance: RdsInstance = {
    identifier: db.DBInstanceIdentifier ?? '',
    arn: db.DBInstanceArn ?? '',
    status: db.DBInstanceStatus ?? 'unknown',
    instanceClass: db.DBInstanceClass ?? '',
    engineVersion: db.EngineVersion ?? '',
    allocatedStorageGiB: db.AllocatedStorage ?? 0,
    storageType: db.StorageType ?? '',
    multiAZ: db.MultiAZ ?? false,
    masterUsername: db.MasterUsername ?? '',
    backupRetentionDays: db.BackupRetentionPeriod ?? 0,
    deletionProtection: db.DeletionProtection ?? false,
    publiclyAccessible: db.PubliclyAccessible ?? false,
    storageEncrypted: db.StorageEncrypted ?? false,
    securityGroupIds: (db.VpcSecurityGroups ?? []).flatMap((group) =>
      group.VpcSecurityGroupId ? [group.VpcSecurityGroupId] : [],
    ),
    pending: pendingFromSdk(db.PendingModifiedValues),
    tags: tagsToRecord(db.TagList),
  };
  if (db.DbiResourceId) instance.resourceId = db.DbiResourceId;
  if (db.InstanceCreateTime) instance.createdAt = db.InstanceCreateTime.toISOString();
  if (db.MaxAllocatedStorage !== undefined) instance.maxAllocatedStorageGiB = db.MaxAllocatedStorage;
  if (db.Iops !== undefined) instance.iops = db.Iops;
  if (db.StorageThroughput !== undefined) instance.storageThroughputMiBps = db.StorageThroughput;
  if (db.DBName !== undefined) instance.databaseName = db.DBName;
  if (db.Endpoint?.Address)
    instance.endpoint = { address: db.Endpoint.Address, port: db.Endpoint.Port ?? postgres.defaultPort };
  if (db.PreferredBackupWindow !== undefined) instance.backupWindow = db.PreferredBackupWindow;
  if (db.PreferredMaintenanceWindow !== undefined) instance.maintenanceWindow = db.PreferredMaintenanceWindow;
  if (db.KmsKeyId !== undefined) instance.kmsKeyId = db.KmsKeyId;
  if (db.DBSubnetGroup?.DBSubnetGroupName !== undefined)
    instance.subnetGroupName = db.DBSubnetGroup.DBSubnetGroupName;
  const parameterGroup = db.DBParameterGroups?.[0]?.DBParameterGroupName;
  if (parameterGroup !== undefined) instance.parameterGroupName = parameterGroup;
  return instance;
}

export function snapshotFromSdk(snapshot: DBSnapshot): RdsSnapshot {
  const result: RdsSnapshot = {
    identifier: snapshot.DBSnapshotIdentifier ?? '',
    instanceIdentifier: snapshot.DBInstanceIdentifier ?? '',
    status: snapshot.Status ?? 'unknown',
    arn: snapshot.DBSnapshotArn ?? '',
    tags: tagsToRecord(snapshot.TagList),
  };
  if (snapshot.SnapshotCreateTime) result.createdAt = snapshot.SnapshotCreateTime.toISOString();
  if (snapshot.AllocatedStorage !== undefined) result.allocatedStorageGiB = snapshot.AllocatedStorage;
  if (snapshot.EngineVersion !== undefined) result.engineVersion = snapshot.EngineVersion;
  if (snapshot.SnapshotType !== undefined) result.snapshotType = snapshot.SnapshotType;
  if (snapshot.PercentProgress !== undefined) result.progressPercent = snapshot.PercentProgress;
  return result;
}
