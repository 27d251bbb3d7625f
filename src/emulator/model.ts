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

export interface DbSnapshot {
  identifier: string;
  arn: string;
  instanceIdentifier: string;
  instanceResourceId: string;
  status: 'creating' | 'available';
  snapshotType: 'manual';
  createTime: Date;
  instanceCreateTime?: Date;
  engineVersion: string;
  masterUsername: string;
  port: number;
  availabilityZone: string;
  storage: StorageConfig;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  tags: Map<string, string>;
}
