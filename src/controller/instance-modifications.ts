import type { PostgresDB } from '../api/v1beta1.js';
import type { InstanceModifications, RdsInstance } from '../aws/types.js';
import type { OperatorConfig } from '../config/schema.js';
import { isReservedTagKey } from '../admission/rules/settings.js';
import { placementOf } from '../config/placement.js';
import { engineVersionSatisfies, majorVersion } from '../engine/version.js';

/** What the instance will be once its pending modifications are applied. */
function effective(instance: RdsInstance) {
  const pending = instance.pending;
  return {
    instanceClass: pending.instanceClass ?? instance.instanceClass,
    engineVersion: pending.engineVersion ?? instance.engineVersion,
    allocatedStorageGiB: pending.allocatedStorageGiB ?? instance.allocatedStorageGiB,
    storageType: pending.storageType ?? instance.storageType,
    iops: pending.iops ?? instance.iops,
    storageThroughputMiBps: pending.storageThroughputMiBps ?? instance.storageThroughputMiBps,
    multiAZ: pending.multiAZ ?? instance.multiAZ,
    backupRetentionDays: pending.backupRetentionDays ?? instance.backupRetentionDays,
  };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

function sameWindow(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

/**
 * ModifyDBInstance input holding only the fields where the defaulted spec and the instance differ.
 * Pending modifications count as applied, so a change in flight is never requested twice. Fields the
 * spec leaves empty are left as RDS has them; storage never shrinks and the engine never goes back
 * (autoscaling and automatic minor upgrades move them forward on their own).
 */
export function instanceModifications(
  spec: PostgresDB['spec'],
  config: OperatorConfig,
  instance: RdsInstance,
): InstanceModifications {
  const current = effective(instance);
  const changes: InstanceModifications = {};
  const storage = spec.storage;

  if (spec.instanceClass !== current.instanceClass) changes.instanceClass = spec.instanceClass;

  const engineVersion = spec.engineVersion ?? config.defaults.engineVersion;
  if (!engineVersionSatisfies(current.engineVersion, engineVersion)) {
    changes.engineVersion = engineVersion;
    if (majorVersion(engineVersion) !== majorVersion(current.engineVersion))
      changes.allowMajorVersionUpgrade = true;
  }

  if (storage.sizeGiB > current.allocatedStorageGiB) changes.allocatedStorageGiB = storage.sizeGiB;
  const storageType = storage.type ?? config.defaults.storageType;
  const storageTypeChanged = storageType !== current.storageType;
  const iopsChanged = storage.iops !== undefined && storage.iops !== current.iops;
  const throughputChanged =
    storage.throughputMiBps !== undefined && storage.throughputMiBps !== current.storageThroughputMiBps;
  if (storageTypeChanged || iopsChanged || throughputChanged) {
    // RDS wants the provisioned figures with the storage type they belong to, in one request.
    changes.storageType = storageType;
    if (storage.iops !== undefined) changes.iops = storage.iops;
    if (storage.throughputMiBps !== undefined) changes.storageThroughputMiBps = storage.throughputMiBps;
  }
  if (storage.maxSizeGiB !== undefined && storage.maxSizeGiB !== instance.maxAllocatedStorageGiB) {
    changes.maxAllocatedStorageGiB = storage.maxSizeGiB;
  }

  const multiAZ = spec.multiAZ ?? false;
  if (multiAZ !== current.multiAZ) changes.multiAZ = multiAZ;
  const retention = spec.backup?.retentionDays ?? config.defaults.backupRetentionDays;
  if (retention !== current.backupRetentionDays) changes.backupRetentionDays = retention;
  if (spec.backup?.window && !sameWindow(spec.backup.window, instance.backupWindow)) {
    changes.backupWindow = spec.backup.window;
  }
  if (spec.maintenanceWindow && !sameWindow(spec.maintenanceWindow, instance.maintenanceWindow)) {
    changes.maintenanceWindow = spec.maintenanceWindow;
  }
  const deletionProtection = spec.deletionProtection ?? false;
  if (deletionProtection !== instance.deletionProtection) changes.deletionProtection = deletionProtection;
  const publiclyAccessible = spec.publiclyAccessible ?? false;
  if (publiclyAccessible !== instance.publiclyAccessible) changes.publiclyAccessible = publiclyAccessible;

  const placement = placementOf(spec, config);
  if (placement.securityGroupIds && !sameSet(placement.securityGroupIds, instance.securityGroupIds)) {
    changes.securityGroupIds = placement.securityGroupIds;
  }
  if (placement.parameterGroupName && placement.parameterGroupName !== instance.parameterGroupName) {
    changes.parameterGroupName = placement.parameterGroupName;
  }
  return changes;
}

export function hasModifications(changes: InstanceModifications): boolean {
  return Object.keys(changes).length > 0;
}

/** Names of the changed fields, for Events and logs (never values: one of them may be a password). */
export function describeModifications(changes: InstanceModifications): string {
  return Object.keys(changes)
    .filter((key) => key !== 'allowMajorVersionUpgrade')
    .map((key) =>
      key === 'masterUserPassword'
        ? 'masterUserPassword'
        : `${key}=${JSON.stringify(changes[key as keyof InstanceModifications])}`,
    )
    .join(', ');
}

/** Tags the spec wants that the instance lacks or holds with another value. */
export function missingTags(
  wanted: Record<string, string>,
  actual: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(wanted).filter(([key, value]) => actual[key] !== value));
}

/**
 * Keys Stow put on the instance earlier (recorded in status.tagKeys) that neither spec.tags nor the
 * configuration wants any more. Tags Stow never recorded (added by hand, by AWS or by other tools)
 * are never returned, and neither are Stow's own ownership tags.
 */
export function staleTagKeys(
  recorded: readonly string[] | undefined,
  wanted: Record<string, string>,
  actual: Record<string, string>,
): string[] {
  return (recorded ?? []).filter(
    (key) =>
      !Object.hasOwn(wanted, key) &&
      Object.hasOwn(actual, key) &&
      // status can be edited by hand: a reserved key recorded there is still never removed
      !isReservedTagKey(key),
  );
}

/** The spec field each modification comes from; storage type and provisioned figures travel together. */
const SOURCE_FIELDS: Record<keyof InstanceModifications, readonly string[]> = {
  instanceClass: ['spec.instanceClass'],
  engineVersion: ['spec.engineVersion'],
  allowMajorVersionUpgrade: ['spec.engineVersion'],
  allocatedStorageGiB: ['spec.storage.sizeGiB'],
  maxAllocatedStorageGiB: ['spec.storage.maxSizeGiB'],
  storageType: ['spec.storage.type', 'spec.storage.iops', 'spec.storage.throughputMiBps'],
  iops: ['spec.storage.type', 'spec.storage.iops', 'spec.storage.throughputMiBps'],
  storageThroughputMiBps: ['spec.storage.type', 'spec.storage.iops', 'spec.storage.throughputMiBps'],
  multiAZ: ['spec.multiAZ'],
  backupRetentionDays: ['spec.backup.retentionDays'],
  backupWindow: ['spec.backup.window'],
  maintenanceWindow: ['spec.maintenanceWindow'],
  deletionProtection: ['spec.deletionProtection'],
  publiclyAccessible: ['spec.publiclyAccessible'],
  securityGroupIds: ['spec.securityGroupIds'],
  parameterGroupName: ['spec.parameterGroupName'],
  masterUserPassword: [],
};

/**
 * Splits modifications into those that may be applied and those a policy violation forbids: a
 * modification is refused when a violation lies in the field it comes from (or below it, as
 * `spec.securityGroupIds[1]` lies below `spec.securityGroupIds`).
 */
export function withoutViolations(
  changes: InstanceModifications,
  violationPaths: readonly string[],
): { allowed: InstanceModifications; refused: string[] } {
  const violates = (field: string) =>
    violationPaths.some(
      (path) => path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`),
    );
  const allowed: InstanceModifications = {};
  const refused: string[] = [];
  for (const key of Object.keys(changes) as Array<keyof InstanceModifications>) {
    if (SOURCE_FIELDS[key].some(violates)) refused.push(key);
    else Object.assign(allowed, { [key]: changes[key] });
  }
  return { allowed, refused: refused.filter((key) => key !== 'allowMajorVersionUpgrade') };
}
