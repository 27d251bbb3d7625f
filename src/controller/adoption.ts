import type { PostgresDB, StorageType } from '../api/v1beta1.js';
import type { RdsInstance } from '../aws/types.js';

/**
 * The spec of an adopting PostgresDB with every instance setting it leaves empty taken from the
 * instance as it is (pending changes included), so adoption changes nothing by itself; what the user
 * wrote applies as usual.
 */
export function specFromInstance(spec: PostgresDB['spec'], instance: RdsInstance): PostgresDB['spec'] {
  const pending = instance.pending;
  const kmsKeyId = spec.encryption?.kmsKeyId || instance.kmsKeyId;
  const filled: PostgresDB['spec'] = {
    ...spec,
    storage: {
      ...spec.storage,
      type: spec.storage.type ?? ((pending.storageType ?? instance.storageType) as StorageType),
    },
    engineVersion: spec.engineVersion ?? pending.engineVersion ?? instance.engineVersion,
    multiAZ: spec.multiAZ ?? pending.multiAZ ?? instance.multiAZ,
    backup: {
      ...spec.backup,
      retentionDays:
        spec.backup?.retentionDays ?? pending.backupRetentionDays ?? instance.backupRetentionDays,
    },
    deletionProtection: spec.deletionProtection ?? instance.deletionProtection,
    publiclyAccessible: spec.publiclyAccessible ?? instance.publiclyAccessible,
    securityGroupIds: spec.securityGroupIds?.length ? spec.securityGroupIds : [...instance.securityGroupIds],
    masterUsername: spec.masterUsername ?? instance.masterUsername,
  };
  const databaseName = spec.databaseName ?? instance.databaseName;
  if (databaseName !== undefined) filled.databaseName = databaseName;
  const parameterGroupName = spec.parameterGroupName || instance.parameterGroupName;
  if (parameterGroupName) filled.parameterGroupName = parameterGroupName;
  const subnetGroupName = spec.subnetGroupName || instance.subnetGroupName;
  if (subnetGroupName) filled.subnetGroupName = subnetGroupName;
  if (kmsKeyId) filled.encryption = { ...spec.encryption, kmsKeyId };
  return filled;
}
