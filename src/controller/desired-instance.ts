import type { PostgresDB } from '../api/v1beta1.js';
import type { CreateInstanceInput } from '../aws/types.js';
import { placementOf } from '../config/placement.js';
import type { OperatorConfig } from '../config/schema.js';

/** Extra tags from the configuration, then the resource's, then ownership (which nobody can override). */
export function desiredTags(
  spec: PostgresDB['spec'],
  config: OperatorConfig,
  ownership: Record<string, string>,
): Record<string, string> {
  return { ...config.extraTags, ...(spec.tags ?? {}), ...ownership };
}

/** CreateDBInstance input for a defaulted, valid resource. */
export function desiredCreateInput(
  object: PostgresDB,
  config: OperatorConfig,
  identifier: string,
  password: string,
  ownership: Record<string, string>,
): CreateInstanceInput {
  const spec = object.spec;
  const input: CreateInstanceInput = {
    identifier,
    instanceClass: spec.instanceClass,
    engineVersion: spec.engineVersion ?? config.defaults.engineVersion,
    allocatedStorageGiB: spec.storage.sizeGiB,
    storageType: spec.storage.type ?? config.defaults.storageType,
    multiAZ: spec.multiAZ ?? false,
    masterUsername: spec.masterUsername ?? config.defaults.masterUsername,
    masterUserPassword: password,
    databaseName: spec.databaseName ?? '',
    backupRetentionDays: spec.backup?.retentionDays ?? config.defaults.backupRetentionDays,
    deletionProtection: spec.deletionProtection ?? false,
    publiclyAccessible: spec.publiclyAccessible ?? false,
    tags: desiredTags(spec, config, ownership),
    ...placementOf(spec, config),
  };
  if (spec.storage.maxSizeGiB !== undefined) input.maxAllocatedStorageGiB = spec.storage.maxSizeGiB;
  if (spec.storage.iops !== undefined) input.iops = spec.storage.iops;
  if (spec.storage.throughputMiBps !== undefined) input.storageThroughputMiBps = spec.storage.throughputMiBps;
  if (spec.backup?.window) input.backupWindow = spec.backup.window;
  if (spec.maintenanceWindow) input.maintenanceWindow = spec.maintenanceWindow;
  return input;
}
