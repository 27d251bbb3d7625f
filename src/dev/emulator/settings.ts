import type { DbInstance, DeferrableSettings } from './model.js';
import { defaultParameterGroupName, majorOf } from './rules/engine-versions.js';

/** The settings the instance will have once everything pending and in flight has been applied. */
export function effectiveSettings(instance: DbInstance): DeferrableSettings {
  return {
    instanceClass: instance.instanceClass,
    storage: instance.storage,
    multiAZ: instance.multiAZ,
    engineVersion: instance.engineVersion,
    masterUserPassword: instance.masterUserPassword,
    ...instance.pending,
    ...instance.applying,
  };
}

/** Only the settings that differ from what the instance has now. */
export function changedSettings(
  instance: DbInstance,
  target: Partial<DeferrableSettings>,
): Partial<DeferrableSettings> {
  const changed: Partial<DeferrableSettings> = {};
  if (target.instanceClass !== undefined && target.instanceClass !== instance.instanceClass) {
    changed.instanceClass = target.instanceClass;
  }
  if (target.storage !== undefined && !sameStorage(target.storage, instance.storage))
    changed.storage = target.storage;
  if (target.multiAZ !== undefined && target.multiAZ !== instance.multiAZ) changed.multiAZ = target.multiAZ;
  if (target.engineVersion !== undefined && target.engineVersion !== instance.engineVersion) {
    changed.engineVersion = target.engineVersion;
  }
  if (target.masterUserPassword !== undefined && target.masterUserPassword !== instance.masterUserPassword) {
    changed.masterUserPassword = target.masterUserPassword;
  }
  return changed;
}

export function applySettings(instance: DbInstance, settings: Partial<DeferrableSettings>): void {
  if (
    settings.engineVersion !== undefined &&
    majorOf(settings.engineVersion) !== majorOf(instance.engineVersion)
  ) {
    // A default parameter group belongs to one major version; RDS moves it along on a major upgrade.
    if (instance.dbParameterGroupName === defaultParameterGroupName(instance.engineVersion)) {
      instance.dbParameterGroupName = defaultParameterGroupName(settings.engineVersion);
    }
  }
  Object.assign(instance, settings);
}

export function isEmpty(settings: Partial<DeferrableSettings>): boolean {
  return Object.keys(settings).length === 0;
}

function sameStorage(a: DbInstance['storage'], b: DbInstance['storage']): boolean {
  return (
    a.type === b.type &&
    a.allocatedGiB === b.allocatedGiB &&
    a.iops === b.iops &&
    a.throughputMiBps === b.throughputMiBps
  );
}
