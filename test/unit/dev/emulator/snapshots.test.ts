import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type DescribeDBSnapshotsCommandInput,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  type RestoreDBInstanceFromDBSnapshotCommandInput,
  RestoreDBInstanceToPointInTimeCommand,
  type RestoreDBInstanceToPointInTimeCommandInput,
} from '@aws-sdk/client-rds';
import t, { type Test } from 'tap';
import {
  type DataSource,
  type DbInstance,
  type DbSnapshot,
  type InstanceData,
  type RdsEmulator,
  startRdsEmulator,
} from '../../../../src/dev/emulator/index.js';

// Snapshots and restores as RDS answers them, through the AWS SDK: statuses over time, the errors
// and their codes, DescribeDBSnapshots' filters and pages, the failSnapshots switch, and the data hook
// a real server behind each instance plugs into.

// Long enough that two calls in a row land inside one state on a busy machine.
const delays = { creating: 400, backingUp: 400, modifying: 400, deleting: 400 };

async function start(
  t: Test,
  instanceData?: InstanceData,
): Promise<{ emulator: RdsEmulator; rds: RDSClient }> {
  const emulator = await startRdsEmulator({ delays, ...(instanceData ? { instanceData } : {}) });
  const rds = new RDSClient({ ...emulator.sdkConfig, maxAttempts: 1 });
  t.teardown(async () => {
    rds.destroy();
    await emulator.close();
  });
  return { emulator, rds };
}

async function until<T>(probe: () => T | Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

/** An available instance, with a known password. */
async function instance(rds: RDSClient, emulator: RdsEmulator, id: string, retention = 1) {
  emulator.seedInstance({
    DBInstanceIdentifier: id,
    MasterUsername: 'orders_admin',
    MasterUserPassword: 'the-old-password',
    DBName: 'orders',
    BackupRetentionPeriod: retention,
    Tags: [{ Key: 'team', Value: 'payments' }],
    CopyTagsToSnapshot: true,
  });
  return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
}

const fromSnapshot = (rds: RDSClient, input: RestoreDBInstanceFromDBSnapshotCommandInput) =>
  rds.send(new RestoreDBInstanceFromDBSnapshotCommand(input));
const toPointInTime = (rds: RDSClient, input: RestoreDBInstanceToPointInTimeCommandInput) =>
  rds.send(new RestoreDBInstanceToPointInTimeCommand(input));

async function snapshotStatus(rds: RDSClient, id: string) {
  return (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots![0]!
    .Status;
}

async function instanceStatus(rds: RDSClient, id: string) {
  return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!
    .DBInstanceStatus;
}

t.test(
  'a snapshot is creating, then available; deleting it takes a while; a creating one cannot be deleted',
  async (t) => {
    const { emulator, rds } = await start(t);
    await instance(rds, emulator, 'orders');
    const created = await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'orders',
        DBSnapshotIdentifier: 'before-migration',
      }),
    );
    t.equal(created.DBSnapshot?.Status, 'creating');
    t.equal(await instanceStatus(rds, 'orders'), 'backing-up');
    const early = await rejection(
      rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'before-migration' })),
    );
    t.equal(early.name, 'InvalidDBSnapshotStateFault');
    t.match(early.message, /creating/);
    t.equal(
      await until(
        () => snapshotStatus(rds, 'before-migration'),
        (s) => s === 'available',
      ),
      'available',
    );
    t.equal(await instanceStatus(rds, 'orders'), 'available');
    const [snapshot] = (
      await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'before-migration' }))
    ).DBSnapshots!;
    t.match(snapshot, {
      DBInstanceIdentifier: 'orders',
      Engine: 'postgres',
      AllocatedStorage: 20,
      MasterUsername: 'orders_admin',
      SnapshotType: 'manual',
      PercentProgress: 100,
    });
    t.ok(snapshot?.SnapshotCreateTime instanceof Date);
    const deleting = await rds.send(
      new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'before-migration' }),
    );
    t.equal(deleting.DBSnapshot?.Status, 'deleting');
    const gone = await until(
      () =>
        rejection(
          rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'before-migration' })),
        ).catch(() => undefined),
      (error) => error?.name === 'DBSnapshotNotFoundFault',
    );
    t.equal(gone?.name, 'DBSnapshotNotFoundFault');
    t.equal(gone?.$metadata?.httpStatusCode, 404);
  },
);

t.test('DescribeDBSnapshots: filters and parameters together, and pages', async (t) => {
  const { emulator, rds } = await start(t);
  const orders = await instance(rds, emulator, 'orders');
  await instance(rds, emulator, 'billing');
  for (let i = 0; i < 25; i++) {
    const db = i % 5 === 0 ? 'billing' : 'orders';
    emulator.state.addSnapshot({
      ...snapshotOf(emulator.state.getInstance(db)!, `snap-${String(i).padStart(2, '0')}`),
    });
  }
  const ids = async (input: DescribeDBSnapshotsCommandInput) =>
    ((await rds.send(new DescribeDBSnapshotsCommand(input))).DBSnapshots ?? []).map(
      (s) => s.DBSnapshotIdentifier,
    );
  t.equal((await ids({ Filters: [{ Name: 'db-instance-id', Values: ['billing'] }] })).length, 5);
  t.equal((await ids({ Filters: [{ Name: 'db-instance-id', Values: [orders.DBInstanceArn!] }] })).length, 20);
  t.same(await ids({ Filters: [{ Name: 'db-snapshot-id', Values: ['snap-03', 'SNAP-04'] }] }), [
    'snap-03',
    'snap-04',
  ]);
  t.equal(
    (await ids({ Filters: [{ Name: 'dbi-resource-id', Values: [orders.DbiResourceId!] }], MaxRecords: 100 }))
      .length,
    20,
  );
  t.same(
    await ids({
      DBInstanceIdentifier: 'billing',
      Filters: [{ Name: 'db-snapshot-id', Values: ['snap-05', 'snap-06'] }],
    }),
    ['snap-05'],
    'parameters and filters apply together',
  );
  t.equal((await ids({ SnapshotType: 'automated' })).length, 0, 'no automated snapshots here');
  t.equal(
    (
      await ids({
        Filters: [
          { Name: 'snapshot-type', Values: ['manual'] },
          { Name: 'engine', Values: ['postgres'] },
        ],
      })
    ).length,
    25,
  );
  const unknown = await rejection(
    rds.send(new DescribeDBSnapshotsCommand({ Filters: [{ Name: 'color', Values: ['red'] }] })),
  );
  t.match(unknown.message, /Unrecognized filter name: color/);

  const first = await rds.send(new DescribeDBSnapshotsCommand({ MaxRecords: 20 }));
  t.equal(first.DBSnapshots?.length, 20);
  t.ok(first.Marker, 'a marker when more follow');
  const second = await rds.send(new DescribeDBSnapshotsCommand({ MaxRecords: 20, Marker: first.Marker }));
  t.equal(second.DBSnapshots?.length, 5);
  t.notOk(second.Marker, 'no marker on the last page');
  t.equal(second.DBSnapshots?.[0]?.DBSnapshotIdentifier, 'snap-20');
});

function snapshotOf(db: DbInstance, identifier: string): DbSnapshot {
  return {
    instanceIdentifier: db.identifier,
    instanceResourceId: db.resourceId,
    instanceClass: db.instanceClass,
    engineVersion: db.engineVersion,
    masterUsername: db.masterUsername,
    masterUserPassword: db.masterUserPassword,
    port: db.port,
    availabilityZone: db.availabilityZone,
    storage: { ...db.storage },
    storageEncrypted: db.storageEncrypted,
    identifier,
    arn: `arn:aws:rds:us-east-1:123456789012:snapshot:${identifier}`,
    status: 'available',
    snapshotType: 'manual',
    createTime: new Date(),
    tags: new Map(),
  };
}

t.test(
  'failSnapshots: a snapshot started while it is on fails; a failed one can be deleted, not restored',
  async (t) => {
    const { emulator, rds } = await start(t);
    await instance(rds, emulator, 'orders');
    emulator.setFaults({ failSnapshots: true });
    await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'doomed' }),
    );
    emulator.setFaults({ failSnapshots: false });
    t.equal(
      await until(
        () => snapshotStatus(rds, 'doomed'),
        (s) => s !== 'creating',
      ),
      'failed',
    );
    t.equal(await instanceStatus(rds, 'orders'), 'available', 'the instance is back to available');
    const restore = await rejection(
      fromSnapshot(rds, {
        DBInstanceIdentifier: 'back',
        DBSnapshotIdentifier: 'doomed',
      }),
    );
    t.equal(restore.name, 'InvalidDBSnapshotStateFault');
    t.match(restore.message, /failed/);
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'doomed' }));
    t.equal(await snapshotStatus(rds, 'doomed'), 'deleting');
    await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'fine' }),
    );
    t.equal(
      await until(
        () => snapshotStatus(rds, 'fine'),
        (s) => s !== 'creating',
      ),
      'available',
      'switch off: works again',
    );
  },
);

t.test(
  'restore from a snapshot: creating, then available; the source master user and password; request settings',
  async (t) => {
    const { emulator, rds } = await start(t);
    const source = await instance(rds, emulator, 'orders');
    await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'snap' }),
    );
    const early = await rejection(
      fromSnapshot(rds, {
        DBInstanceIdentifier: 'copy',
        DBSnapshotIdentifier: 'snap',
      }),
    );
    t.equal(early.name, 'InvalidDBSnapshotStateFault', 'not while the snapshot is creating');
    await until(
      () => snapshotStatus(rds, 'snap'),
      (s) => s === 'available',
    );
    emulator.state.getInstance('orders')!.masterUserPassword = 'changed-after-the-snapshot';

    const smaller = await rejection(
      fromSnapshot(rds, {
        DBInstanceIdentifier: 'copy',
        DBSnapshotIdentifier: 'snap',
        AllocatedStorage: 10,
      }),
    );
    t.match(smaller.message, /at least the source's \(20 GiB\)/);
    const restored = await fromSnapshot(rds, {
      DBInstanceIdentifier: 'copy',
      DBSnapshotIdentifier: 'snap',
      DBInstanceClass: 'db.t3.medium',
      AllocatedStorage: 30,
      MultiAZ: true,
      DeletionProtection: true,
      Tags: [{ Key: 'stow.dev/name', Value: 'copy' }],
    });
    t.equal(restored.DBInstance?.DBInstanceStatus, 'creating');
    t.notOk(restored.DBInstance?.Endpoint, 'no endpoint while creating');
    t.equal(
      await until(
        () => instanceStatus(rds, 'copy'),
        (s) => s === 'available',
      ),
      'available',
    );
    const copy = emulator.state.getInstance('copy')!;
    t.match(copy, {
      instanceClass: 'db.t3.medium',
      multiAZ: true,
      deletionProtection: true,
      engineVersion: source.EngineVersion,
      masterUsername: 'orders_admin',
      masterUserPassword: 'the-old-password',
      dbName: 'orders',
      storageEncrypted: source.StorageEncrypted,
    });
    t.equal(copy.storage.allocatedGiB, 30);
    t.not(copy.resourceId, source.DbiResourceId, 'a new instance');
    t.ok(copy.endpointAddress);
    t.same([...copy.tags], [['stow.dev/name', 'copy']], 'the request tags, not the snapshot’s');

    const again = await rejection(
      fromSnapshot(rds, {
        DBInstanceIdentifier: 'copy',
        DBSnapshotIdentifier: 'snap',
      }),
    );
    t.equal(again.name, 'DBInstanceAlreadyExistsFault');
    const missing = await rejection(
      fromSnapshot(rds, {
        DBInstanceIdentifier: 'other',
        DBSnapshotIdentifier: 'nope',
      }),
    );
    t.equal(missing.name, 'DBSnapshotNotFoundFault');
    const dbName = await rejection(
      fromSnapshot(rds, {
        DBInstanceIdentifier: 'other',
        DBSnapshotIdentifier: 'snap',
        DBName: 'x',
      }),
    );
    t.match(dbName.message, /DBName is not supported/);
    await fromSnapshot(rds, {
      DBInstanceIdentifier: 'plain',
      DBSnapshotIdentifier: 'snap',
    });
    t.same(emulator.state.getInstance('plain')?.tags.get('team'), 'payments', 'without tags: the snapshot’s');
  },
);

t.test('restore to a point in time: latest, a time in the window, and the errors', async (t) => {
  const { emulator, rds } = await start(t);
  const source = await instance(rds, emulator, 'orders');
  await instance(rds, emulator, 'nobackups', 0);
  const created = source.InstanceCreateTime!;
  const latest = await toPointInTime(rds, {
    SourceDBInstanceIdentifier: 'orders',
    TargetDBInstanceIdentifier: 'latest-copy',
    UseLatestRestorableTime: true,
  });
  t.equal(latest.DBInstance?.DBInstanceStatus, 'creating');
  t.equal(
    await until(
      () => instanceStatus(rds, 'latest-copy'),
      (s) => s === 'available',
    ),
    'available',
  );
  t.equal(emulator.state.getInstance('latest-copy')?.masterUserPassword, 'the-old-password');

  await toPointInTime(rds, {
    SourceDBInstanceIdentifier: 'orders',
    TargetDBInstanceIdentifier: 'timed-copy',
    RestoreTime: new Date(created.getTime() + 1),
    MaxAllocatedStorage: 100,
  });
  t.equal(emulator.state.getInstance('timed-copy')?.maxAllocatedGiB, 100);

  const before = await rejection(
    toPointInTime(rds, {
      SourceDBInstanceIdentifier: 'orders',
      TargetDBInstanceIdentifier: 'too-early',
      RestoreTime: new Date(created.getTime() - 60_000),
    }),
  );
  t.equal(before.name, 'InvalidRestoreFault');
  t.match(before.message, /outside the restore window/);
  const both = await rejection(
    toPointInTime(rds, {
      SourceDBInstanceIdentifier: 'orders',
      TargetDBInstanceIdentifier: 'both',
      RestoreTime: new Date(),
      UseLatestRestorableTime: true,
    }),
  );
  t.match(both.message, /cannot be specified together/);
  const neither = await rejection(
    toPointInTime(rds, {
      SourceDBInstanceIdentifier: 'orders',
      TargetDBInstanceIdentifier: 'x',
    }),
  );
  t.match(neither.message, /Specify RestoreTime/);
  const disabled = await rejection(
    toPointInTime(rds, {
      SourceDBInstanceIdentifier: 'nobackups',
      TargetDBInstanceIdentifier: 'x',
      UseLatestRestorableTime: true,
    }),
  );
  t.equal(disabled.name, 'PointInTimeRestoreNotEnabledFault');
  const missing = await rejection(
    toPointInTime(rds, {
      SourceDBInstanceIdentifier: 'nope',
      TargetDBInstanceIdentifier: 'x',
      UseLatestRestorableTime: true,
    }),
  );
  t.equal(missing.name, 'DBInstanceNotFoundFault');
  const instances = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders' })))
    .DBInstances!;
  t.ok(instances[0]?.LatestRestorableTime instanceof Date, 'LatestRestorableTime is reported');
});

t.test('the data hook: snapshots and restores go through it; its failures fail them', async (t) => {
  const calls: string[] = [];
  let failRestore = false;
  let failCopy = false;
  const data: InstanceData = {
    async snapshot(instance, snapshot) {
      calls.push(`snapshot ${instance.identifier} -> ${snapshot.identifier}`);
      if (failCopy) throw new Error('copy failed');
    },
    async restore(instance, source: DataSource) {
      calls.push(
        `restore ${instance.identifier} <- ${source.kind === 'snapshot' ? source.snapshot.identifier : `${source.instanceResourceId}@${source.time.toISOString()}`}`,
      );
      if (failRestore) throw new Error('restore failed');
    },
    async discard(snapshot) {
      calls.push(`discard ${snapshot.identifier}`);
    },
    async release(instance, keepBackups) {
      calls.push(`release ${instance.identifier}${keepBackups ? ' keeping backups' : ''}`);
    },
    async clear() {},
  };
  const { emulator, rds } = await start(t, data);
  const source = await instance(rds, emulator, 'orders');
  await rds.send(
    new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'snap' }),
  );
  await until(
    () => snapshotStatus(rds, 'snap'),
    (s) => s === 'available',
  );
  await fromSnapshot(rds, {
    DBInstanceIdentifier: 'copy',
    DBSnapshotIdentifier: 'snap',
  });
  await until(
    () => instanceStatus(rds, 'copy'),
    (s) => s === 'available',
  );
  const at = new Date(source.InstanceCreateTime!.getTime() + 1);
  await toPointInTime(rds, {
    SourceDBInstanceIdentifier: 'orders',
    TargetDBInstanceIdentifier: 'pit',
    RestoreTime: at,
  });
  failRestore = true;
  await fromSnapshot(rds, {
    DBInstanceIdentifier: 'broken',
    DBSnapshotIdentifier: 'snap',
  });
  t.equal(
    await until(
      () => instanceStatus(rds, 'broken'),
      (s) => s !== 'creating',
    ),
    'incompatible-restore',
  );
  failCopy = true;
  await rds.send(
    new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'copy', DBSnapshotIdentifier: 'bad-copy' }),
  );
  t.equal(
    await until(
      () => snapshotStatus(rds, 'bad-copy'),
      (s) => s !== 'creating',
    ),
    'failed',
  );
  await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'snap' }));
  await until(() => calls.includes('discard snap'), Boolean);
  t.same(calls, [
    'snapshot orders -> snap',
    'restore copy <- snap',
    `restore pit <- ${source.DbiResourceId}@${at.toISOString()}`,
    'restore broken <- snap',
    'snapshot copy -> bad-copy',
    'discard snap',
  ]);
  await rds.send(
    new ModifyDBInstanceCommand({
      DBInstanceIdentifier: 'copy',
      MasterUserPassword: 'a-new-password',
      ApplyImmediately: true,
    }),
  );
  t.equal(
    await until(
      () => emulator.state.getInstance('copy')!.masterUserPassword,
      (p) => p === 'a-new-password',
    ),
    'a-new-password',
    'a restored instance takes a new master password like any other',
  );
  await until(
    () => instanceStatus(rds, 'copy'),
    (s) => s === 'available',
  );
  calls.length = 0;
  failCopy = false;
  await rds.send(
    new DeleteDBInstanceCommand({
      DBInstanceIdentifier: 'copy',
      FinalDBSnapshotIdentifier: 'copy-final',
      DeleteAutomatedBackups: false,
    }),
  );
  await until(() => calls.some((call) => call.startsWith('release')), Boolean);
  t.same(
    calls,
    ['snapshot copy -> copy-final', 'release copy keeping backups'],
    "a final snapshot is copied, then the deleted instance's data is released, its backups kept",
  );
  t.equal(await snapshotStatus(rds, 'copy-final'), 'available');
  await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'pit', SkipFinalSnapshot: true }));
  await until(() => calls.includes('release pit'), Boolean);
  t.ok(calls.includes('release pit'), 'without retained backups, its data goes');
});

t.test('CreateDBInstance still works beside the restores', async (t) => {
  const { rds } = await start(t);
  const created = await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'fresh',
      DBInstanceClass: 'db.t3.small',
      Engine: 'postgres',
      AllocatedStorage: 20,
      MasterUsername: 'stow_admin',
      MasterUserPassword: 'correct-horse-battery',
    }),
  );
  t.equal(created.DBInstance?.DBInstanceStatus, 'creating');
});
