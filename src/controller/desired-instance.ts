import type { PostgresDB } from '../api/v1beta1.js';
import type { CreateInstanceInput } from '../aws/types.js';
import type { OperatorConfig } from '../config/schema.js';

/** Settings where the resource defers to the operator configuration when it leaves them empty. */
export interface Placement {
  kmsKeyId?: string;
  subnetGroupName?: string;
  securityGroupIds?: string[];
  parameterGroupName?: string;
}

export function placementOf(spec: PostgresDB['spec'], config: OperatorConfig): Placement {
  const placement: Placement = {};
  const kmsKeyId = spec.encryption?.kmsKeyId || config.kmsKeyId;
  const subnetGroupName = spec.subnetGroupName || config.subnetGroupName;
  const securityGroupIds = spec.securityGroupIds?.length ? spec.securityGroupIds : config.securityGroupIds;
  const parameterGroupName = spec.parameterGroupName || config.parameterGroupName;
  if (kmsKeyId) placement.kmsKeyId = kmsKeyId;
  if (subnetGroupName) placement.subnetGroupName = subnetGroupName;
  if (securityGroupIds.length) placement.securityGroupIds = [...securityGroupIds];
  if (parameterGroupName) placement.parameterGroupName = parameterGroupName;
  return placement;
}

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
