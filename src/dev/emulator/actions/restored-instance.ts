import { randomBytes } from 'node:crypto';
import { invalidParameterCombination, invalidParameterValue } from '../errors.js';
import type { DbInstance, InstanceCapture, StorageConfig } from '../model.js';
import type { QueryParams } from '../query-params.js';
import { defaultParameterGroupName } from '../rules/engine-versions.js';
import { validateInstanceClass } from '../rules/identifiers.js';
import { parseStorageType, validateStorage } from '../rules/storage.js';
import { mergeTags, readTags } from '../rules/tags.js';
import { parseBackupWindow, parseMaintenanceWindow, validateWindowsDoNotOverlap } from '../rules/windows.js';
import type { EmulatorState } from '../state.js';
import { defaultSecurityGroupId, validateBackupRetention } from './create-db-instance.js';

/**
 * The instance a restore creates: what the source captured (engine version, master user and
 * password, database, encryption), with the settings both restore actions take from the request and
 * RDS's defaults for the rest. Tags given in the request are its tags; without any, the source's.
 */
export function restoredInstance(
  params: QueryParams,
  state: EmulatorState,
  identifier: string,
  source: InstanceCapture,
  sourceTags: Map<string, string>,
): DbInstance {
  if (params.has('DBName')) {
    throw invalidParameterCombination(
      'The parameter DBName is not supported when restoring a postgres DB instance: the database comes with the data.',
    );
  }
  const instanceClass = params.string('DBInstanceClass') ?? source.instanceClass;
  validateInstanceClass(instanceClass);
  const backupRetentionPeriod = params.integer('BackupRetentionPeriod') ?? 1;
  validateBackupRetention(backupRetentionPeriod);
  const preferredBackupWindow = parseBackupWindow(params.string('PreferredBackupWindow') ?? '03:00-03:30');
  const preferredMaintenanceWindow = parseMaintenanceWindow('sun:05:00-sun:05:30');
  validateWindowsDoNotOverlap(preferredBackupWindow, preferredMaintenanceWindow);
  const requestedTags = readTags(params);
  const tags = new Map(requestedTags.length ? [] : sourceTags);
  mergeTags(tags, requestedTags);
  const securityGroups = params.list('VpcSecurityGroupIds');
  return {
    identifier,
    arn: state.instanceArn(identifier),
    resourceId: `db-${Array.from(randomBytes(26), (byte) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[byte % 32]).join('')}`,
    status: 'creating',
    engine: 'postgres',
    instanceClass,
    storage: restoredStorage(params, source.storage),
    multiAZ: params.boolean('MultiAZ') ?? false,
    engineVersion: source.engineVersion,
    masterUsername: source.masterUsername,
    masterUserPassword: source.masterUserPassword,
    dbName: source.dbName,
    port: params.integer('Port') ?? source.port,
    availabilityZone: params.string('AvailabilityZone') ?? source.availabilityZone,
    backupRetentionPeriod,
    preferredBackupWindow,
    preferredMaintenanceWindow,
    deletionProtection: params.boolean('DeletionProtection') ?? false,
    publiclyAccessible: params.boolean('PubliclyAccessible') ?? false,
    storageEncrypted: source.storageEncrypted,
    kmsKeyId: source.kmsKeyId,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? false,
    autoMinorVersionUpgrade: params.boolean('AutoMinorVersionUpgrade') ?? true,
    dbSubnetGroupName: params.string('DBSubnetGroupName') ?? 'default',
    vpcSecurityGroupIds: securityGroups?.length ? securityGroups : [defaultSecurityGroupId],
    dbParameterGroupName:
      params.string('DBParameterGroupName') ?? defaultParameterGroupName(source.engineVersion),
    tags,
    pending: {},
    applying: {},
  };
}

/** The source's storage unless the request says otherwise; never smaller than the source's. */
function restoredStorage(params: QueryParams, source: StorageConfig): StorageConfig {
  const allocatedGiB = params.integer('AllocatedStorage') ?? source.allocatedGiB;
  if (allocatedGiB < source.allocatedGiB) {
    throw invalidParameterValue(
      `The allocated storage (${allocatedGiB} GiB) must be at least the source's (${source.allocatedGiB} GiB).`,
    );
  }
  const requestedType = params.string('StorageType');
  const storage: StorageConfig = {
    type: requestedType === undefined ? source.type : parseStorageType(requestedType),
    allocatedGiB,
    iops: params.integer('Iops') ?? (requestedType === undefined ? source.iops : undefined),
    throughputMiBps:
      params.integer('StorageThroughput') ??
      (requestedType === undefined ? source.throughputMiBps : undefined),
  };
  validateStorage(storage);
  return storage;
}
