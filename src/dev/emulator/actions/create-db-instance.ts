import { randomBytes, randomUUID } from 'node:crypto';
import { dbInstanceAlreadyExists, invalidParameterCombination, invalidParameterValue } from '../errors.js';
import type { DbInstance, StorageConfig } from '../model.js';
import type { QueryParams } from '../query-params.js';
import { singleDbInstanceXml } from '../render.js';
import { defaultParameterGroupName, resolveEngineVersion } from '../rules/engine-versions.js';
import {
  normalizeIdentifier,
  validateDatabaseName,
  validateInstanceClass,
  validateMasterPassword,
  validateMasterUsername,
} from '../rules/identifiers.js';
import { parseStorageType, validateMaxAllocatedStorage, validateStorage } from '../rules/storage.js';
import { mergeTags, readTags } from '../rules/tags.js';
import { parseBackupWindow, parseMaintenanceWindow, validateWindowsDoNotOverlap } from '../rules/windows.js';
import type { EmulatorState } from '../state.js';
import type { ActionHandler } from './context.js';

export const defaultSecurityGroupId = 'sg-0a1b2c3d4e5f60718';
const awsManagedRdsKeyId = randomUUID();

export const createDbInstance: ActionHandler = (params, { state, lifecycle }) => {
  const instance = buildInstance(params, state);
  if (state.getInstance(instance.identifier)) throw dbInstanceAlreadyExists();
  state.addInstance(instance);
  lifecycle.startCreating(instance);
  return singleDbInstanceXml(instance);
};

/** A new instance from CreateDBInstance parameters, validated and with RDS's defaults filled in. */
export function buildInstance(params: QueryParams, state: EmulatorState): DbInstance {
  const identifier = normalizeIdentifier(
    params.requiredString('DBInstanceIdentifier'),
    'DBInstanceIdentifier',
  );
  const instanceClass = params.requiredString('DBInstanceClass');
  validateInstanceClass(instanceClass);
  const engine = params.requiredString('Engine');
  if (engine !== 'postgres')
    throw invalidParameterValue(`Invalid DB engine: ${engine}. This emulator only runs postgres.`);

  const masterUsername = requiredForPostgres(params, 'MasterUsername');
  validateMasterUsername(masterUsername);
  const masterUserPassword = requiredForPostgres(params, 'MasterUserPassword');
  validateMasterPassword(masterUserPassword);
  const dbName = params.string('DBName');
  if (dbName !== undefined) validateDatabaseName(dbName);

  const storage = readNewStorage(params);
  const maxAllocatedGiB = params.integer('MaxAllocatedStorage');
  if (maxAllocatedGiB !== undefined) validateMaxAllocatedStorage(maxAllocatedGiB, storage);

  const engineVersion = resolveEngineVersion(params.string('EngineVersion'));
  const backupRetentionPeriod = params.integer('BackupRetentionPeriod') ?? 1;
  validateBackupRetention(backupRetentionPeriod);
  const preferredBackupWindow = parseBackupWindow(params.string('PreferredBackupWindow') ?? '03:00-03:30');
  const preferredMaintenanceWindow = parseMaintenanceWindow(
    params.string('PreferredMaintenanceWindow') ?? 'sun:05:00-sun:05:30',
  );
  validateWindowsDoNotOverlap(preferredBackupWindow, preferredMaintenanceWindow);

  const storageEncrypted = params.boolean('StorageEncrypted') ?? false;
  const requestedKmsKeyId = params.string('KmsKeyId');
  if (requestedKmsKeyId !== undefined && !storageEncrypted) {
    throw invalidParameterCombination('Specifying KmsKeyId requires StorageEncrypted to be true.');
  }
  const tags = new Map<string, string>();
  mergeTags(tags, readTags(params));

  return {
    identifier,
    arn: state.instanceArn(identifier),
    resourceId: `db-${randomBase32(26)}`,
    status: 'creating',
    engine: 'postgres',
    instanceClass,
    storage,
    multiAZ: params.boolean('MultiAZ') ?? false,
    engineVersion,
    masterUsername,
    masterUserPassword,
    dbName,
    port: params.integer('Port') ?? 5432,
    availabilityZone: params.string('AvailabilityZone') ?? `${state.region}a`,
    maxAllocatedGiB,
    backupRetentionPeriod,
    preferredBackupWindow,
    preferredMaintenanceWindow,
    deletionProtection: params.boolean('DeletionProtection') ?? false,
    publiclyAccessible: params.boolean('PubliclyAccessible') ?? false,
    storageEncrypted,
    kmsKeyId: storageEncrypted ? kmsKeyArn(state, requestedKmsKeyId) : undefined,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? false,
    autoMinorVersionUpgrade: params.boolean('AutoMinorVersionUpgrade') ?? true,
    dbSubnetGroupName: params.string('DBSubnetGroupName') ?? 'default',
    vpcSecurityGroupIds: nonEmpty(params.list('VpcSecurityGroupIds')) ?? [defaultSecurityGroupId],
    dbParameterGroupName: params.string('DBParameterGroupName') ?? defaultParameterGroupName(engineVersion),
    tags,
    pending: {},
    applying: {},
  };
}

export function validateBackupRetention(days: number): void {
  if (days < 0 || days > 35) {
    throw invalidParameterValue(
      `Invalid backup retention period: ${days}. It must be between 0 and 35 days.`,
    );
  }
}

function readNewStorage(params: QueryParams): StorageConfig {
  const allocatedGiB = params.integer('AllocatedStorage');
  if (allocatedGiB === undefined) {
    throw invalidParameterValue('The parameter AllocatedStorage must be provided and must not be null.');
  }
  const iops = params.integer('Iops');
  const requestedType = params.string('StorageType');
  const storage: StorageConfig = {
    type:
      requestedType === undefined ? (iops === undefined ? 'gp3' : 'io1') : parseStorageType(requestedType),
    allocatedGiB,
    iops,
    throughputMiBps: params.integer('StorageThroughput'),
  };
  validateStorage(storage);
  return storage;
}

function requiredForPostgres(params: QueryParams, name: string): string {
  const value = params.string(name);
  if (value === undefined || value === '') {
    throw invalidParameterValue(`The parameter ${name} must be provided and must not be blank.`);
  }
  return value;
}

/** RDS reports the key as an ARN, and uses the account's `aws/rds` key when none is given. */
function kmsKeyArn(state: EmulatorState, requested: string | undefined): string {
  const prefix = `arn:aws:kms:${state.region}:${state.accountId}`;
  if (requested === undefined) return `${prefix}:key/${awsManagedRdsKeyId}`;
  if (requested.startsWith('arn:')) return requested;
  return requested.startsWith('alias/') ? `${prefix}:${requested}` : `${prefix}:key/${requested}`;
}

function randomBase32(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % 32]).join('');
}

function nonEmpty(values: string[] | undefined): string[] | undefined {
  return values && values.length > 0 ? values : undefined;
}
