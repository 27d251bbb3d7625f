export type StorageType = 'gp2' | 'gp3' | 'io1' | 'io2' | 'standard';

/** Storage as requested; gp3 baseline IOPS and throughput are derived when rendered, not stored. */
export interface StorageConfig {
  type: StorageType;
  allocatedGiB: number;
  iops?: number;
  throughputMiBps?: number;
}

/** Settings that take effect only when a modification is applied (now or in the maintenance window). */
export interface DeferrableSettings {
  instanceClass: string;
  storage: StorageConfig;
  multiAZ: boolean;
  engineVersion: string;
  masterUserPassword: string;
}

export interface DbInstance extends DeferrableSettings {
  identifier: string;
  arn: string;
  resourceId: string;
  status: string;
  engine: 'postgres';
  masterUsername: string;
  dbName?: string;
  port: number;
  /** Assigned when the instance leaves `creating`. */
  endpointAddress?: string;
  instanceCreateTime?: Date;
  availabilityZone: string;
  maxAllocatedGiB?: number;
  backupRetentionPeriod: number;
  preferredBackupWindow: string;
  preferredMaintenanceWindow: string;
  deletionProtection: boolean;
  publiclyAccessible: boolean;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  copyTagsToSnapshot: boolean;
  autoMinorVersionUpgrade: boolean;
  dbSubnetGroupName: string;
  vpcSecurityGroupIds: string[];
  dbParameterGroupName: string;
  tags: Map<string, string>;
  /** Waiting for the maintenance window. */
  pending: Partial<DeferrableSettings>;
  /** Being applied now (status `modifying`); takes precedence over `pending` when rendered. */
  applying: Partial<DeferrableSettings>;
}

/** What a snapshot or an automated backup records of the instance it was taken from. */
export interface InstanceCapture {
  instanceIdentifier: string;
  instanceResourceId: string;
  instanceCreateTime?: Date;
  instanceClass: string;
  engineVersion: string;
  masterUsername: string;
  /** What a restore gives the new instance (its data carries the master user's password). */
  masterUserPassword: string;
  dbName?: string;
  port: number;
  availabilityZone: string;
  storage: StorageConfig;
  storageEncrypted: boolean;
  kmsKeyId?: string;
}

export interface DbSnapshot extends InstanceCapture {
  identifier: string;
  arn: string;
  /** `failed` when the copy could not be taken (the emulator's failSnapshots switch). */
  status: 'creating' | 'available' | 'failed' | 'deleting';
  snapshotType: 'manual';
  createTime: Date;
  tags: Map<string, string>;
}

/**
 * An instance's automated backups kept after it was deleted with `DeleteAutomatedBackups=false`
 * (RDS's "retained automated backups"); RDS removes them when their retention period ends.
 */
export interface DbAutomatedBackup extends InstanceCapture {
  arn: string;
  instanceArn: string;
  status: 'retained';
  backupRetentionPeriod: number;
  /** When the instance was deleted: the end of the restore window. */
  deletedAt: Date;
}
