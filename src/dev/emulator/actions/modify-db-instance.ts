import { invalidDbInstanceState, invalidParameterCombination, invalidParameterValue } from '../errors.js';
import type { DbInstance, DeferrableSettings, StorageConfig, StorageType } from '../model.js';
import type { QueryParams } from '../query-params.js';
import { singleDbInstanceXml } from '../render.js';
import { resolveEngineVersion, validateUpgrade } from '../rules/engine-versions.js';
import { normalizeIdentifier, validateInstanceClass, validateMasterPassword } from '../rules/identifiers.js';
import {
  parseStorageType,
  validateMaxAllocatedStorage,
  validateStorage,
  validateStorageGrowth,
} from '../rules/storage.js';
import { parseBackupWindow, parseMaintenanceWindow, validateWindowsDoNotOverlap } from '../rules/windows.js';
import { changedSettings, effectiveSettings, isEmpty } from '../settings.js';
import type { ActionHandler } from './context.js';
import { validateBackupRetention } from './create-db-instance.js';

const modifiableStatuses = new Set([
  'available',
  'backing-up',
  'modifying',
  'resetting-master-credentials',
  'storage-full',
  'storage-optimization',
]);

const unsupportedParameters = ['NewDBInstanceIdentifier', 'DBPortNumber', 'ManageMasterUserPassword'];

/** Settings RDS applies at once whatever ApplyImmediately says. */
type ImmediateSettings = Partial<
  Pick<
    DbInstance,
    | 'backupRetentionPeriod'
    | 'preferredBackupWindow'
    | 'preferredMaintenanceWindow'
    | 'deletionProtection'
    | 'publiclyAccessible'
    | 'vpcSecurityGroupIds'
    | 'dbParameterGroupName'
    | 'maxAllocatedGiB'
    | 'copyTagsToSnapshot'
    | 'autoMinorVersionUpgrade'
  >
>;

export const modifyDbInstance: ActionHandler = (params, { state, lifecycle }) => {
  const instance = state.requireInstance(
    normalizeIdentifier(params.requiredString('DBInstanceIdentifier'), 'DBInstanceIdentifier'),
  );
  if (!modifiableStatuses.has(instance.status)) {
    throw invalidDbInstanceState('Database instance is not in available state.');
  }
  for (const name of unsupportedParameters) {
    if (params.has(name)) throw invalidParameterValue(`The RDS emulator does not support modifying ${name}.`);
  }
  const subnetGroup = params.string('DBSubnetGroupName');
  if (subnetGroup !== undefined && subnetGroup !== instance.dbSubnetGroupName) {
    throw invalidParameterValue(
      'The RDS emulator does not support moving an instance to another DBSubnetGroup.',
    );
  }

  // Everything is validated before anything changes, so a refused request leaves the instance as it was.
  const applyImmediately = params.boolean('ApplyImmediately') ?? false;
  const requested = readDeferrableSettings(params, instance);
  const immediate = readImmediateSettings(params, instance, requested.storage);
  if (isEmpty(requested) && Object.keys(immediate).length === 0) {
    throw invalidParameterCombination('No modifications were requested');
  }

  Object.assign(instance, immediate);
  const { masterUserPassword, ...deferrable } = requested;
  const changed = changedSettings(instance, deferrable);
  for (const key of Object.keys(deferrable) as Array<keyof DeferrableSettings>) {
    if (!(key in changed)) {
      // Asking for the current value withdraws a change that was waiting for it.
      delete instance.pending[key];
      delete instance.applying[key];
    }
  }

  const applyNow: Partial<DeferrableSettings> = {};
  if (applyImmediately) {
    Object.assign(applyNow, instance.pending, changed);
    instance.pending = {};
  } else {
    instance.pending = { ...instance.pending, ...changed };
  }
  if (masterUserPassword !== undefined && masterUserPassword !== instance.masterUserPassword) {
    applyNow.masterUserPassword = masterUserPassword;
  }
  if (!isEmpty(applyNow)) {
    instance.applying = { ...instance.applying, ...applyNow };
    const onlyPassword = Object.keys(instance.applying).every((key) => key === 'masterUserPassword');
    lifecycle.startApplying(instance, onlyPassword ? 'resetting-master-credentials' : 'modifying');
  }
  return singleDbInstanceXml(instance);
};

function readDeferrableSettings(params: QueryParams, instance: DbInstance): Partial<DeferrableSettings> {
  const current = effectiveSettings(instance);
  const requested: Partial<DeferrableSettings> = {};

  const instanceClass = params.string('DBInstanceClass');
  if (instanceClass !== undefined) {
    validateInstanceClass(instanceClass);
    requested.instanceClass = instanceClass;
  }
  const storage = readTargetStorage(params, current.storage);
  if (storage !== undefined) {
    validateStorageGrowth(current.storage.allocatedGiB, storage.allocatedGiB);
    validateStorage(storage);
    requested.storage = storage;
  }
  const multiAZ = params.boolean('MultiAZ');
  if (multiAZ !== undefined) requested.multiAZ = multiAZ;
  const engineVersion = params.string('EngineVersion');
  if (engineVersion !== undefined) {
    const resolved = resolveEngineVersion(engineVersion);
    validateUpgrade(current.engineVersion, resolved, params.boolean('AllowMajorVersionUpgrade') ?? false);
    requested.engineVersion = resolved;
  }
  const masterUserPassword = params.string('MasterUserPassword');
  if (masterUserPassword !== undefined) {
    validateMasterPassword(masterUserPassword);
    requested.masterUserPassword = masterUserPassword;
  }
  return requested;
}

/** The storage after this request; IOPS and throughput carry over only where they still mean the same. */
function readTargetStorage(params: QueryParams, base: StorageConfig): StorageConfig | undefined {
  const allocatedGiB = params.integer('AllocatedStorage');
  const requestedType = params.string('StorageType');
  const iops = params.integer('Iops');
  const throughputMiBps = params.integer('StorageThroughput');
  if (
    allocatedGiB === undefined &&
    requestedType === undefined &&
    iops === undefined &&
    throughputMiBps === undefined
  ) {
    return undefined;
  }
  const type = requestedType === undefined ? base.type : parseStorageType(requestedType);
  const keepsIops = type === base.type || (isProvisionedIops(type) && isProvisionedIops(base.type));
  return {
    type,
    allocatedGiB: allocatedGiB ?? base.allocatedGiB,
    iops: iops ?? (keepsIops ? base.iops : undefined),
    throughputMiBps: throughputMiBps ?? (type === base.type ? base.throughputMiBps : undefined),
  };
}

function isProvisionedIops(type: StorageType): boolean {
  return type === 'io1' || type === 'io2';
}

function readImmediateSettings(
  params: QueryParams,
  instance: DbInstance,
  requestedStorage: StorageConfig | undefined,
): ImmediateSettings {
  const settings: ImmediateSettings = {};
  const retention = params.integer('BackupRetentionPeriod');
  if (retention !== undefined) {
    validateBackupRetention(retention);
    settings.backupRetentionPeriod = retention;
  }
  const backupWindow = params.string('PreferredBackupWindow');
  if (backupWindow !== undefined) settings.preferredBackupWindow = parseBackupWindow(backupWindow);
  const maintenanceWindow = params.string('PreferredMaintenanceWindow');
  if (maintenanceWindow !== undefined) {
    settings.preferredMaintenanceWindow = parseMaintenanceWindow(maintenanceWindow);
  }
  if (backupWindow !== undefined || maintenanceWindow !== undefined) {
    validateWindowsDoNotOverlap(
      settings.preferredBackupWindow ?? instance.preferredBackupWindow,
      settings.preferredMaintenanceWindow ?? instance.preferredMaintenanceWindow,
    );
  }
  const maxAllocatedGiB = params.integer('MaxAllocatedStorage');
  if (maxAllocatedGiB !== undefined) {
    const storage = requestedStorage ?? effectiveSettings(instance).storage;
    // Setting the ceiling to the allocated size is how RDS turns storage autoscaling off.
    if (maxAllocatedGiB === storage.allocatedGiB) {
      settings.maxAllocatedGiB = undefined;
    } else {
      validateMaxAllocatedStorage(maxAllocatedGiB, storage);
      settings.maxAllocatedGiB = maxAllocatedGiB;
    }
  }
  const securityGroups = params.list('VpcSecurityGroupIds');
  if (securityGroups !== undefined && securityGroups.length > 0)
    settings.vpcSecurityGroupIds = securityGroups;
  const parameterGroup = params.string('DBParameterGroupName');
  if (parameterGroup !== undefined) settings.dbParameterGroupName = parameterGroup;
  const flags = {
    deletionProtection: params.boolean('DeletionProtection'),
    publiclyAccessible: params.boolean('PubliclyAccessible'),
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot'),
    autoMinorVersionUpgrade: params.boolean('AutoMinorVersionUpgrade'),
  };
  for (const [key, value] of Object.entries(flags) as Array<[keyof typeof flags, boolean | undefined]>) {
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}
