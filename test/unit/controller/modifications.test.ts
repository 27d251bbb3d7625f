import t from 'tap';
import { applyDefaults } from '../../../src/admission/rules/defaults.js';
import type { PostgresDB } from '../../../src/api/v1beta1.js';
import type { RdsInstance } from '../../../src/aws/types.js';
import type { OperatorConfig } from '../../../src/config/schema.js';
import { desiredCreateInput } from '../../../src/controller/desired-instance.js';
import {
  describeModifications,
  instanceModifications,
  missingTags,
  staleTagKeys,
} from '../../../src/controller/instance-modifications.js';

const config = {
  region: 'us-east-1',
  clusterName: 'local',
  identifierPrefix: 'stow',
  subnetGroupName: 'default-subnets',
  securityGroupIds: ['sg-0123456789abcdef0'],
  parameterGroupName: '',
  kmsKeyId: '',
  defaults: {
    engineVersion: '16',
    storageType: 'gp3',
    backupRetentionDays: 7,
    deletionPolicy: 'Snapshot',
    masterUsername: 'stow_admin',
  },
  extraTags: { env: 'test' },
  resyncPeriodSeconds: 300,
  reconcileConcurrency: 4,
  requirePolicy: false,
  orphans: { action: 'report', graceSeconds: 86_400 },
  accessCheck: { enabled: true, timeoutSeconds: 5, caBundle: '' },
  awsCallBudget: { ratePerSecond: 20, burst: 40 },
  storageRules: {} as OperatorConfig['storageRules'],
} satisfies OperatorConfig;

function resource(spec: Partial<PostgresDB['spec']> = {}): PostgresDB {
  return applyDefaults(
    {
      apiVersion: 'stow.dev/v1beta1',
      kind: 'PostgresDB',
      metadata: { name: 'orders', namespace: 'shop', uid: 'u1' },
      spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 }, ...spec },
    },
    config,
  );
}

/** The instance CreateDBInstance would make from the resource, as RDS reports it once available. */
function instanceFor(object: PostgresDB, overrides: Partial<RdsInstance> = {}): RdsInstance {
  const input = desiredCreateInput(object, config, 'stow-shop-orders-12345678', 'pw', {});
  return {
    identifier: input.identifier,
    arn: 'arn:aws:rds:us-east-1:123456789012:db:x',
    status: 'available',
    instanceClass: input.instanceClass,
    engineVersion: '16.4',
    allocatedStorageGiB: input.allocatedStorageGiB,
    storageType: input.storageType,
    iops: 3000,
    storageThroughputMiBps: 125,
    multiAZ: input.multiAZ,
    masterUsername: input.masterUsername,
    databaseName: input.databaseName,
    endpoint: { address: 'x.rds.amazonaws.com', port: 5432 },
    backupRetentionDays: input.backupRetentionDays,
    backupWindow: '08:00-08:30',
    maintenanceWindow: 'tue:09:00-tue:09:30',
    deletionProtection: false,
    publiclyAccessible: false,
    storageEncrypted: true,
    subnetGroupName: 'default-subnets',
    securityGroupIds: ['sg-0123456789abcdef0'],
    parameterGroupName: 'default.postgres16',
    pending: {},
    tags: input.tags,
    ...overrides,
  };
}

t.test('an instance made from the spec needs no change', async (t) => {
  const object = resource();
  t.same(instanceModifications(object.spec, config, instanceFor(object)), {});
});

t.test('a class change asks for the class only', async (t) => {
  const object = resource();
  const changed = resource({ instanceClass: 'db.t3.medium' });
  t.same(instanceModifications(changed.spec, config, instanceFor(object)), { instanceClass: 'db.t3.medium' });
});

t.test('pending modifications count as applied, so nothing is asked twice', async (t) => {
  const changed = resource({ instanceClass: 'db.t3.medium', storage: { sizeGiB: 30 } });
  const instance = instanceFor(resource(), {
    status: 'modifying',
    pending: { instanceClass: 'db.t3.medium', allocatedStorageGiB: 30 },
  });
  t.same(instanceModifications(changed.spec, config, instance), {});
});

t.test('storage grows, never shrinks (autoscaling may have grown it)', async (t) => {
  const object = resource();
  t.same(instanceModifications(resource({ storage: { sizeGiB: 30 } }).spec, config, instanceFor(object)), {
    allocatedStorageGiB: 30,
  });
  t.same(instanceModifications(object.spec, config, instanceFor(object, { allocatedStorageGiB: 45 })), {});
});

t.test('engine: major-only spec matches any minor; upgrades ask for major permission', async (t) => {
  const object = resource({ engineVersion: '16' });
  t.same(instanceModifications(object.spec, config, instanceFor(object, { engineVersion: '16.8' })), {});
  t.same(instanceModifications(resource({ engineVersion: '16.9' }).spec, config, instanceFor(object)), {
    engineVersion: '16.9',
  });
  t.same(instanceModifications(resource({ engineVersion: '17' }).spec, config, instanceFor(object)), {
    engineVersion: '17',
    allowMajorVersionUpgrade: true,
  });
});

t.test('unset optional fields are left as RDS has them', async (t) => {
  const object = resource();
  const instance = instanceFor(object, {
    backupWindow: '01:00-01:30',
    maxAllocatedStorageGiB: 100,
    iops: 3000,
  });
  t.same(instanceModifications(object.spec, config, instance), {});
});

t.test('windows compare case-insensitively; booleans and groups are managed', async (t) => {
  const object = resource({ maintenanceWindow: 'Sun:05:00-Sun:06:00', backup: { window: '03:00-04:00' } });
  const instance = instanceFor(object, {
    maintenanceWindow: 'sun:05:00-sun:06:00',
    backupWindow: '03:00-04:00',
  });
  t.same(instanceModifications(object.spec, config, instance), {});
  const other = resource({
    multiAZ: true,
    deletionProtection: true,
    securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'],
  });
  t.same(instanceModifications(other.spec, config, instanceFor(object)), {
    multiAZ: true,
    deletionProtection: true,
    securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'],
  });
});

t.test('a storage type change carries its provisioned figures', async (t) => {
  const object = resource();
  const io1 = resource({ storage: { type: 'io1', sizeGiB: 100, iops: 3000 } });
  t.same(instanceModifications(io1.spec, config, instanceFor(object, { allocatedStorageGiB: 100 })), {
    storageType: 'io1',
    iops: 3000,
  });
});

t.test('descriptions never show a password', async (t) => {
  t.equal(
    describeModifications({ instanceClass: 'db.t3.large', masterUserPassword: 'secret!' }),
    'instanceClass="db.t3.large", masterUserPassword',
  );
});

t.test('tags: the missing ones only', async (t) => {
  t.same(missingTags({ a: '1', b: '2' }, { a: '1', b: 'x', c: '3' }), { b: '2' });
});

t.test('tags: stale keys are recorded, unwanted and present, never ownership or AWS ones', async (t) => {
  const actual = { a: '1', b: '2', c: '3', 'stow.dev/uid': 'u', 'aws:x': 'y' };
  t.same(staleTagKeys(['a', 'b', 'gone'], { a: '1' }, actual), ['b'], 'b was ours and is unwanted');
  t.same(staleTagKeys(undefined, {}, actual), [], 'nothing recorded: nothing removed');
  t.same(staleTagKeys(['c'], {}, actual), ['c']);
  t.same(
    staleTagKeys(['stow.dev/uid', 'aws:x', 'AWS:x', 'rds:y'], {}, { ...actual, 'rds:y': '1' }),
    [],
    'reserved keys never',
  );
});

t.test('create input: config defaults fill what the spec leaves empty', async (t) => {
  const object = resource({ tags: { team: 'payments' } });
  const input = desiredCreateInput(object, config, 'id', 'pw', { 'stow.dev/uid': 'u1' });
  t.equal(input.subnetGroupName, 'default-subnets');
  t.same(input.securityGroupIds, ['sg-0123456789abcdef0']);
  t.notOk('parameterGroupName' in input);
  t.same(input.tags, { env: 'test', team: 'payments', 'stow.dev/uid': 'u1' });
  t.equal(input.databaseName, 'orders');
  t.equal(input.engineVersion, '16');
});
