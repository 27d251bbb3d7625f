/** Plain shapes the reconciler works with; nothing here depends on the AWS SDK. */

export interface RdsEndpoint {
  address: string;
  port: number;
}

/** Changes RDS has accepted but not applied yet (PendingModifiedValues). */
export interface PendingModifications {
  instanceClass?: string;
  allocatedStorageGiB?: number;
  storageType?: string;
  iops?: number;
  storageThroughputMiBps?: number;
  multiAZ?: boolean;
  engineVersion?: string;
  backupRetentionDays?: number;
  masterUserPassword?: boolean;
}

export interface RdsInstance {
  identifier: string;
  arn: string;
  /** DbiResourceId: unique to this very instance, never reused (an identifier can be). */
  resourceId?: string;
  /** InstanceCreateTime (RFC 3339), once the instance has left `creating`. */
  createdAt?: string;
  status: string;
  instanceClass: string;
  engineVersion: string;
  allocatedStorageGiB: number;
  maxAllocatedStorageGiB?: number;
  storageType: string;
  iops?: number;
  storageThroughputMiBps?: number;
  multiAZ: boolean;
  masterUsername: string;
  databaseName?: string;
  endpoint?: RdsEndpoint;
  backupRetentionDays: number;
  backupWindow?: string;
  maintenanceWindow?: string;
  deletionProtection: boolean;
  publiclyAccessible: boolean;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  subnetGroupName?: string;
  securityGroupIds: string[];
  parameterGroupName?: string;
  pending: PendingModifications;
  tags: Record<string, string>;
}

export interface CreateInstanceInput {
  identifier: string;
  instanceClass: string;
  engineVersion: string;
  allocatedStorageGiB: number;
  maxAllocatedStorageGiB?: number;
  storageType: string;
  iops?: number;
  storageThroughputMiBps?: number;
  multiAZ: boolean;
  masterUsername: string;
  masterUserPassword: string;
  databaseName: string;
  backupRetentionDays: number;
  backupWindow?: string;
  maintenanceWindow?: string;
  deletionProtection: boolean;
  publiclyAccessible: boolean;
  kmsKeyId?: string;
  subnetGroupName?: string;
  securityGroupIds?: string[];
  parameterGroupName?: string;
  tags: Record<string, string>;
}

/** Only the fields that should change; an absent field is left as it is. */
export interface InstanceModifications {
  instanceClass?: string;
  engineVersion?: string;
  allowMajorVersionUpgrade?: boolean;
  allocatedStorageGiB?: number;
  maxAllocatedStorageGiB?: number;
  storageType?: string;
  iops?: number;
  storageThroughputMiBps?: number;
  multiAZ?: boolean;
  backupRetentionDays?: number;
  backupWindow?: string;
  maintenanceWindow?: string;
  deletionProtection?: boolean;
  publiclyAccessible?: boolean;
  securityGroupIds?: string[];
  parameterGroupName?: string;
  masterUserPassword?: string;
}

export interface DeleteInstanceInput {
  /** Absent: no final snapshot. */
  finalSnapshotIdentifier?: string;
  /** False keeps them as retained automated backups until their retention period ends. */
  deleteAutomatedBackups: boolean;
}

export interface CreateSnapshotInput {
  instanceIdentifier: string;
  snapshotIdentifier: string;
  /** The snapshot's tags (the instance's are then not copied). */
  tags: Record<string, string>;
}

export interface RdsSnapshot {
  identifier: string;
  instanceIdentifier: string;
  status: string;
  arn: string;
  /** SnapshotCreateTime (RFC 3339). */
  createdAt?: string;
  allocatedStorageGiB?: number;
  engineVersion?: string;
  /** manual or automated. */
  snapshotType?: string;
  progressPercent?: number;
  tags?: Record<string, string>;
}

export interface SnapshotPage {
  snapshots: RdsSnapshot[];
  /** Present when another page follows. */
  marker?: string;
}

/**
 * What a restore sets besides the source's data: the settings RestoreDBInstanceFromDBSnapshot and
 * RestoreDBInstanceToPointInTime both take. The master user, database name, engine version and
 * encryption key come from the source; the rest of the spec is applied with ModifyDBInstance after.
 */
export interface RestoreInstanceInput {
  identifier: string;
  instanceClass: string;
  allocatedStorageGiB: number;
  storageType: string;
  iops?: number;
  storageThroughputMiBps?: number;
  multiAZ: boolean;
  backupRetentionDays: number;
  backupWindow?: string;
  deletionProtection: boolean;
  publiclyAccessible: boolean;
  subnetGroupName?: string;
  securityGroupIds?: string[];
  parameterGroupName?: string;
  tags: Record<string, string>;
}

/** A point in time of an instance: `time` (RFC 3339), or absent for the latest restorable time. */
export interface PointInTime {
  sourceInstanceIdentifier: string;
  time?: string;
}

export interface InstancePage {
  instances: RdsInstance[];
  /** Present when another page follows. */
  marker?: string;
}

/** Every RDS call the controller makes; the only door to AWS. */
export interface RdsGateway {
  /** Undefined when the instance does not exist. */
  describeInstance(identifier: string, signal?: AbortSignal): Promise<RdsInstance | undefined>;
  listInstancesPage(marker: string | undefined, signal?: AbortSignal): Promise<InstancePage>;
  createInstance(input: CreateInstanceInput, signal?: AbortSignal): Promise<RdsInstance>;
  /** Applied immediately, as a user of kubectl apply expects. */
  modifyInstance(
    identifier: string,
    changes: InstanceModifications,
    signal?: AbortSignal,
  ): Promise<RdsInstance>;
  deleteInstance(identifier: string, input: DeleteInstanceInput, signal?: AbortSignal): Promise<RdsInstance>;
  createSnapshot(input: CreateSnapshotInput, signal?: AbortSignal): Promise<RdsSnapshot>;
  describeSnapshot(identifier: string, signal?: AbortSignal): Promise<RdsSnapshot | undefined>;
  /** Manual snapshots, a page at a time (the orphan review). */
  listSnapshotsPage(marker: string | undefined, signal?: AbortSignal): Promise<SnapshotPage>;
  deleteSnapshot(identifier: string, signal?: AbortSignal): Promise<RdsSnapshot>;
  restoreFromSnapshot(
    snapshotIdentifier: string,
    input: RestoreInstanceInput,
    signal?: AbortSignal,
  ): Promise<RdsInstance>;
  restoreToPointInTime(
    source: PointInTime,
    input: RestoreInstanceInput,
    signal?: AbortSignal,
  ): Promise<RdsInstance>;
  addTags(arn: string, tags: Record<string, string>, signal?: AbortSignal): Promise<void>;
  removeTags(arn: string, keys: string[], signal?: AbortSignal): Promise<void>;
  listTags(arn: string, signal?: AbortSignal): Promise<Record<string, string>>;
}
