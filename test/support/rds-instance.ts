// A shared builder for an RDS instance as the gateway reports it.
import type { RdsInstance } from '../../src/aws/types.js';

/** An available db.t3.small on gp3 with an endpoint and no tags; `overrides` replace any field. */
export function rdsInstance(overrides: Partial<RdsInstance> = {}): RdsInstance {
  return {
    identifier: 'stow-a-b-12345678',
    arn: 'arn:aws:rds:us-east-1:1:db:stow-a-b-12345678',
    status: 'available',
    instanceClass: 'db.t3.small',
    engineVersion: '16.4',
    allocatedStorageGiB: 20,
    storageType: 'gp3',
    multiAZ: false,
    masterUsername: 'u',
    backupRetentionDays: 7,
    deletionProtection: false,
    publiclyAccessible: false,
    storageEncrypted: true,
    securityGroupIds: [],
    pending: {},
    tags: {},
    endpoint: { address: 'h.rds.amazonaws.com', port: 5432 },
    ...overrides,
  };
}

/** An instance in RDS status `status`, with or without the endpoint RDS reports once it has one. */
export function rdsInstanceIn(status: string, withEndpoint = true): RdsInstance {
  const { endpoint: _endpoint, ...withoutEndpoint } = rdsInstance({ status });
  return withEndpoint ? rdsInstance({ status }) : withoutEndpoint;
}
