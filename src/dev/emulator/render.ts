import type { DbAutomatedBackup, DbInstance, DbSnapshot, DeferrableSettings } from './model.js';
import { majorOf } from './rules/engine-versions.js';
import { reportedIops, reportedThroughput } from './rules/storage.js';
import { element, list, wrap } from './xml.js';

/** Route 53 zone of RDS endpoints; one value per region in real RDS, one for all here. */
const hostedZoneId = 'Z2R2ITUGPM61AM';
const maskedPassword = '****';

export function tagListXml(tags: Map<string, string>): string {
  return list('TagList', 'Tag', tags, ([key, value]) => element('Key', key) + element('Value', value));
}

/** The `<DBInstance>` member of Create/Modify/DeleteDBInstance results. */
export function singleDbInstanceXml(instance: DbInstance): string {
  return wrap('DBInstance', dbInstanceXml(instance));
}

export function dbInstanceXml(instance: DbInstance): string {
  const { storage } = instance;
  return (
    element('DBInstanceIdentifier', instance.identifier) +
    element('DBInstanceClass', instance.instanceClass) +
    element('Engine', instance.engine) +
    element('DBInstanceStatus', instance.status) +
    element('MasterUsername', instance.masterUsername) +
    element('DBName', instance.dbName) +
    (instance.endpointAddress === undefined
      ? ''
      : wrap(
          'Endpoint',
          element('Address', instance.endpointAddress) +
            element('Port', instance.port) +
            element('HostedZoneId', hostedZoneId),
        )) +
    element('AllocatedStorage', storage.allocatedGiB) +
    element('InstanceCreateTime', instance.instanceCreateTime) +
    element('PreferredBackupWindow', instance.preferredBackupWindow) +
    element(
      'LatestRestorableTime',
      instance.backupRetentionPeriod > 0 && instance.instanceCreateTime ? new Date() : undefined,
    ) +
    element('BackupRetentionPeriod', instance.backupRetentionPeriod) +
    '<DBSecurityGroups/>' +
    list(
      'VpcSecurityGroups',
      'VpcSecurityGroupMembership',
      instance.vpcSecurityGroupIds,
      (id) => element('VpcSecurityGroupId', id) + element('Status', 'active'),
    ) +
    wrap(
      'DBParameterGroups',
      wrap(
        'DBParameterGroup',
        element('DBParameterGroupName', instance.dbParameterGroupName) +
          element('ParameterApplyStatus', 'in-sync'),
      ),
    ) +
    element('AvailabilityZone', instance.availabilityZone) +
    wrap(
      'DBSubnetGroup',
      element('DBSubnetGroupName', instance.dbSubnetGroupName) +
        element('DBSubnetGroupDescription', instance.dbSubnetGroupName) +
        element('VpcId', 'vpc-0e1f2a3b4c5d6e7f8') +
        element('SubnetGroupStatus', 'Complete'),
    ) +
    element('PreferredMaintenanceWindow', instance.preferredMaintenanceWindow) +
    wrap('PendingModifiedValues', pendingModifiedValuesXml(instance)) +
    element('MultiAZ', instance.multiAZ) +
    element('EngineVersion', instance.engineVersion) +
    element('AutoMinorVersionUpgrade', instance.autoMinorVersionUpgrade) +
    '<ReadReplicaDBInstanceIdentifiers/>' +
    element('LicenseModel', 'postgresql-license') +
    element('Iops', reportedIops(storage)) +
    element('StorageThroughput', reportedThroughput(storage)) +
    wrap(
      'OptionGroupMemberships',
      wrap(
        'OptionGroupMembership',
        element('OptionGroupName', `default:postgres-${majorOf(instance.engineVersion)}`) +
          element('Status', 'in-sync'),
      ),
    ) +
    element('PubliclyAccessible', instance.publiclyAccessible) +
    element('StorageType', storage.type) +
    element('DbInstancePort', 0) +
    element('StorageEncrypted', instance.storageEncrypted) +
    element('KmsKeyId', instance.kmsKeyId) +
    element('DbiResourceId', instance.resourceId) +
    element('CACertificateIdentifier', 'rds-ca-rsa2048-g1') +
    element('CopyTagsToSnapshot', instance.copyTagsToSnapshot) +
    element('MonitoringInterval', 0) +
    element('DBInstanceArn', instance.arn) +
    element('IAMDatabaseAuthenticationEnabled', false) +
    element('PerformanceInsightsEnabled', false) +
    element('DeletionProtection', instance.deletionProtection) +
    element('MaxAllocatedStorage', instance.maxAllocatedGiB) +
    tagListXml(instance.tags) +
    element('CustomerOwnedIpEnabled', false) +
    element('BackupTarget', 'region') +
    element('NetworkType', 'IPV4') +
    element('DedicatedLogVolume', false) +
    element('EngineLifecycleSupport', 'open-source-rds-extended-support')
  );
}

/** What RDS lists while a change waits or is being applied; the password only ever as `****`. */
function pendingModifiedValuesXml(instance: DbInstance): string {
  const changes: Partial<DeferrableSettings> = { ...instance.pending, ...instance.applying };
  const { storage } = changes;
  const storageChanged = (pick: (s: DbInstance['storage']) => unknown) =>
    storage !== undefined && pick(storage) !== pick(instance.storage);
  const passwordPending = changes.masterUserPassword !== undefined || instance.status === 'creating';
  return (
    element('DBInstanceClass', changes.instanceClass) +
    element('AllocatedStorage', storageChanged((s) => s.allocatedGiB) ? storage?.allocatedGiB : undefined) +
    element('MasterUserPassword', passwordPending ? maskedPassword : undefined) +
    element('MultiAZ', changes.multiAZ) +
    element('EngineVersion', changes.engineVersion) +
    element('Iops', storageChanged(reportedIops) && storage ? reportedIops(storage) : undefined) +
    element(
      'StorageThroughput',
      storageChanged(reportedThroughput) && storage ? reportedThroughput(storage) : undefined,
    ) +
    element('StorageType', storageChanged((s) => s.type) ? storage?.type : undefined)
  );
}

export function dbSnapshotXml(snapshot: DbSnapshot): string {
  const { storage } = snapshot;
  return (
    element('DBSnapshotIdentifier', snapshot.identifier) +
    element('DBInstanceIdentifier', snapshot.instanceIdentifier) +
    element('SnapshotCreateTime', snapshot.createTime) +
    element('Engine', 'postgres') +
    element('AllocatedStorage', storage.allocatedGiB) +
    element('Status', snapshot.status) +
    element('Port', snapshot.port) +
    element('AvailabilityZone', snapshot.availabilityZone) +
    element('VpcId', 'vpc-0e1f2a3b4c5d6e7f8') +
    element('InstanceCreateTime', snapshot.instanceCreateTime) +
    element('MasterUsername', snapshot.masterUsername) +
    element('EngineVersion', snapshot.engineVersion) +
    element('LicenseModel', 'postgresql-license') +
    element('SnapshotType', snapshot.snapshotType) +
    element('Iops', reportedIops(storage)) +
    element('StorageThroughput', reportedThroughput(storage)) +
    element('OptionGroupName', `default:postgres-${majorOf(snapshot.engineVersion)}`) +
    element('PercentProgress', snapshot.status === 'creating' ? 0 : 100) +
    element('StorageType', storage.type) +
    element('Encrypted', snapshot.storageEncrypted) +
    element('KmsKeyId', snapshot.kmsKeyId) +
    element('DBSnapshotArn', snapshot.arn) +
    element('IAMDatabaseAuthenticationEnabled', false) +
    element('DbiResourceId', snapshot.instanceResourceId) +
    tagListXml(snapshot.tags) +
    element('OriginalSnapshotCreateTime', snapshot.createTime) +
    element('SnapshotTarget', 'region') +
    element('DedicatedLogVolume', false)
  );
}

/** An automated backup as DescribeDBInstanceAutomatedBackups lists it: of a live instance or retained. */
export type AutomatedBackupView = Omit<DbAutomatedBackup, 'status' | 'deletedAt'> & {
  status: 'active' | 'retained';
  restoreWindow: { earliest?: Date; latest: Date };
};

export function automatedBackupXml(backup: AutomatedBackupView, region: string): string {
  const { storage } = backup;
  return (
    element('DBInstanceArn', backup.instanceArn) +
    element('DbiResourceId', backup.instanceResourceId) +
    element('Region', region) +
    element('DBInstanceIdentifier', backup.instanceIdentifier) +
    wrap(
      'RestoreWindow',
      element('EarliestTime', backup.restoreWindow.earliest) +
        element('LatestTime', backup.restoreWindow.latest),
    ) +
    element('AllocatedStorage', storage.allocatedGiB) +
    element('Status', backup.status) +
    element('Port', backup.port) +
    element('AvailabilityZone', backup.availabilityZone) +
    element('VpcId', 'vpc-0e1f2a3b4c5d6e7f8') +
    element('InstanceCreateTime', backup.instanceCreateTime) +
    element('MasterUsername', backup.masterUsername) +
    element('Engine', 'postgres') +
    element('EngineVersion', backup.engineVersion) +
    element('LicenseModel', 'postgresql-license') +
    element('Iops', reportedIops(storage)) +
    element('StorageThroughput', reportedThroughput(storage)) +
    element('StorageType', storage.type) +
    element('Encrypted', backup.storageEncrypted) +
    element('KmsKeyId', backup.kmsKeyId) +
    element('BackupRetentionPeriod', backup.backupRetentionPeriod) +
    element('DBInstanceAutomatedBackupsArn', backup.arn) +
    element('BackupTarget', 'region')
  );
}
