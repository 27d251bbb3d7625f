import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  type CreateDBInstanceCommandInput,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  paginateDescribeDBInstances,
  RDSClient,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-rds';
import t, { type Test } from 'tap';
import { type RdsEmulator, startRdsEmulator } from '../../../../src/dev/emulator/index.js';

const fastDelays = { creating: 30, backingUp: 10, modifying: 30, deleting: 30 };

async function emulatorWithClient(
  t: Test,
  options: Parameters<typeof startRdsEmulator>[0] = {},
): Promise<{ emulator: RdsEmulator; rds: RDSClient }> {
  const emulator = await startRdsEmulator({ region: 'us-east-1', delays: fastDelays, ...options });
  const rds = new RDSClient({ ...emulator.sdkConfig, maxAttempts: 1 });
  t.teardown(async () => {
    rds.destroy();
    await emulator.close();
  });
  return { emulator, rds };
}

function createInput(
  id: string,
  extra: Partial<CreateDBInstanceCommandInput> = {},
): CreateDBInstanceCommandInput {
  return {
    DBInstanceIdentifier: id,
    DBInstanceClass: 'db.t3.small',
    Engine: 'postgres',
    AllocatedStorage: 20,
    MasterUsername: 'stow_admin',
    MasterUserPassword: 'correct-horse-battery',
    ...extra,
  };
}

async function describe(rds: RDSClient, id: string) {
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  return DBInstances![0]!;
}

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

function httpStatusOf(error: Record<string, unknown>): number | undefined {
  return (error.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode;
}

t.test('create: creating without endpoint, then available with one', async (t) => {
  const { rds } = await emulatorWithClient(t, { delays: { ...fastDelays, creating: 500 } });
  const created = await rds.send(
    new CreateDBInstanceCommand(
      createInput('Orders-DB', { EngineVersion: '16', Tags: [{ Key: 'stow.dev/name', Value: 'orders' }] }),
    ),
  );
  const instance = created.DBInstance!;
  t.equal(instance.DBInstanceIdentifier, 'orders-db', 'identifiers are stored in lower case');
  t.equal(instance.DBInstanceStatus, 'creating');
  t.equal(instance.Endpoint, undefined);
  t.equal(instance.EngineVersion, '16.8', 'a major version resolves to its default minor');
  t.equal(instance.DBInstanceArn, 'arn:aws:rds:us-east-1:123456789012:db:orders-db');
  t.match(instance.DbiResourceId, /^db-[A-Z2-7]{26}$/);
  t.same(instance.TagList, [{ Key: 'stow.dev/name', Value: 'orders' }]);
  t.same(instance.PendingModifiedValues, { MasterUserPassword: '****' });

  const described = await describe(rds, 'orders-db');
  t.equal(described.DBInstanceStatus, 'creating');

  const available = await eventually(
    () => describe(rds, 'orders-db'),
    (i) => i.DBInstanceStatus === 'available',
  );
  t.equal(available.DBInstanceStatus, 'available');
  t.match(available.Endpoint?.Address, /^orders-db\.[0-9a-f]{12}\.us-east-1\.rds\.amazonaws\.com$/);
  t.equal(available.Endpoint?.Port, 5432);
  t.ok(available.InstanceCreateTime instanceof Date);
  t.same(available.PendingModifiedValues, {});
  t.equal(available.StorageType, 'gp3');
  t.equal(available.Iops, 3000, 'gp3 below 400 GiB reports its baseline IOPS');
  t.equal(available.StorageThroughput, 125);
  t.same(
    available.VpcSecurityGroups?.map((g) => g.Status),
    ['active'],
  );
  t.equal(available.DBParameterGroups?.[0]?.DBParameterGroupName, 'default.postgres16');
  t.equal(available.DBSubnetGroup?.DBSubnetGroupName, 'default');
});

t.test('create: an existing identifier is refused with DBInstanceAlreadyExists', async (t) => {
  const { rds } = await emulatorWithClient(t);
  await rds.send(new CreateDBInstanceCommand(createInput('dup')));
  const error = await rejection(rds.send(new CreateDBInstanceCommand(createInput('DUP'))));
  t.equal(error.name, 'DBInstanceAlreadyExistsFault');
  t.equal(error.Code, 'DBInstanceAlreadyExists');
  t.equal(httpStatusOf(error), 400);
});

t.test('create: invalid parameters get AWS error codes', async (t) => {
  const { rds } = await emulatorWithClient(t);
  const cases: Array<[string, Partial<CreateDBInstanceCommandInput>, string]> = [
    ['iops on gp2', { StorageType: 'gp2', Iops: 1000 }, 'InvalidParameterCombination'],
    ['gp2 below 20 GiB', { StorageType: 'gp2', AllocatedStorage: 10 }, 'InvalidParameterCombination'],
    ['io1 without iops', { StorageType: 'io1', AllocatedStorage: 100 }, 'InvalidParameterCombination'],
    ['gp3 iops below 400 GiB', { StorageType: 'gp3', Iops: 12000 }, 'InvalidParameterCombination'],
    ['no password', { MasterUserPassword: undefined }, 'InvalidParameterValue'],
    ['short password', { MasterUserPassword: 'short' }, 'InvalidParameterValue'],
    ['reserved user name', { MasterUsername: 'rdsadmin' }, 'InvalidParameterValue'],
    ['bad identifier', { DBInstanceIdentifier: 'bad--id' }, 'InvalidParameterValue'],
    ['unknown engine version', { EngineVersion: '9' }, 'InvalidParameterCombination'],
    ['no storage', { AllocatedStorage: undefined }, 'InvalidParameterValue'],
    ['no class', { DBInstanceClass: undefined }, 'MissingParameter'],
    [
      'overlapping windows',
      { PreferredBackupWindow: '05:00-06:00', PreferredMaintenanceWindow: 'Sun:05:30-Sun:06:30' },
      'InvalidParameterCombination',
    ],
    ['autoscaling ceiling too low', { MaxAllocatedStorage: 21 }, 'InvalidParameterValue'],
  ];
  for (const [name, extra, code] of cases) {
    const error = await rejection(rds.send(new CreateDBInstanceCommand(createInput('bad', extra))));
    t.equal(error.name, code, name);
    t.equal(httpStatusOf(error), 400, `${name}: HTTP 400`);
  }
  const ok = await rds.send(
    new CreateDBInstanceCommand(
      createInput('io1-db', { StorageType: 'io1', AllocatedStorage: 100, Iops: 3000 }),
    ),
  );
  t.equal(ok.DBInstance?.Iops, 3000);
});

t.test('describe: unknown identifier is DBInstanceNotFound (404)', async (t) => {
  const { rds } = await emulatorWithClient(t);
  const error = await rejection(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' })));
  t.equal(error.name, 'DBInstanceNotFoundFault');
  t.equal(error.Code, 'DBInstanceNotFound');
  t.equal(httpStatusOf(error), 404);
});

t.test('describe: 250 instances come in 3 pages of at most 100, with every id once', async (t) => {
  const { rds } = await emulatorWithClient(t, {
    delays: { creating: 0, backingUp: 0, modifying: 0, deleting: 0 },
  });
  const ids = Array.from({ length: 250 }, (_, i) => `db-${String(i).padStart(3, '0')}`);
  for (const id of ids) await rds.send(new CreateDBInstanceCommand(createInput(id)));

  const pageSizes: number[] = [];
  const seen: string[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 100, Marker: marker }));
    pageSizes.push(page.DBInstances!.length);
    seen.push(...page.DBInstances!.map((i) => i.DBInstanceIdentifier!));
    marker = page.Marker;
  } while (marker);
  t.same(pageSizes, [100, 100, 50]);
  t.same(seen, ids);

  const viaPaginator: string[] = [];
  for await (const page of paginateDescribeDBInstances({ client: rds, pageSize: 20 }, {})) {
    viaPaginator.push(...page.DBInstances!.map((i) => i.DBInstanceIdentifier!));
  }
  t.equal(viaPaginator.length, 250, 'the SDK paginator walks every page');

  const filtered = await rds.send(
    new DescribeDBInstancesCommand({
      Filters: [
        {
          Name: 'db-instance-id',
          Values: ['db-007', 'arn:aws:rds:us-east-1:123456789012:db:db-100', 'none'],
        },
      ],
    }),
  );
  t.same(
    filtered.DBInstances?.map((i) => i.DBInstanceIdentifier),
    ['db-007', 'db-100'],
  );

  const tooSmall = await rejection(rds.send(new DescribeDBInstancesCommand({ MaxRecords: 10 })));
  t.equal(tooSmall.name, 'InvalidParameterValue');
  const badFilter = await rejection(
    rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'tag:team', Values: ['x'] }] })),
  );
  t.equal(badFilter.name, 'InvalidParameterValue');
});

t.test('modify: deferred changes wait in PendingModifiedValues until the maintenance window', async (t) => {
  const { emulator, rds } = await emulatorWithClient(t);
  await rds.send(new CreateDBInstanceCommand(createInput('deferred')));
  const tooEarly = await rejection(
    rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'deferred', DBInstanceClass: 'db.t3.large' }),
    ),
  );
  t.equal(tooEarly.name, 'InvalidDBInstanceStateFault', 'modify while creating is refused');
  await eventually(
    () => describe(rds, 'deferred'),
    (i) => i.DBInstanceStatus === 'available',
  );

  const modified = await rds.send(
    new ModifyDBInstanceCommand({
      DBInstanceIdentifier: 'deferred',
      DBInstanceClass: 'db.t3.large',
      AllocatedStorage: 50,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      ApplyImmediately: false,
    }),
  );
  const instance = modified.DBInstance!;
  t.equal(instance.DBInstanceStatus, 'available');
  t.equal(instance.DBInstanceClass, 'db.t3.small');
  t.same(instance.PendingModifiedValues, { DBInstanceClass: 'db.t3.large', AllocatedStorage: 50 });
  t.equal(instance.DeletionProtection, true, 'deletion protection applies at once');
  t.equal(instance.BackupRetentionPeriod, 7, 'backup retention applies at once');

  t.same(emulator.applyPendingModifications(), ['deferred']);
  t.equal(emulator.state.getInstance('deferred')?.status, 'modifying');
  const applied = await eventually(
    () => describe(rds, 'deferred'),
    (i) => i.DBInstanceStatus === 'available',
  );
  t.equal(applied.DBInstanceClass, 'db.t3.large');
  t.equal(applied.AllocatedStorage, 50);
  t.same(applied.PendingModifiedValues, {});
});

t.test('modify: ApplyImmediately goes modifying, then available with the new values', async (t) => {
  const { emulator, rds } = await emulatorWithClient(t);
  emulator.seedInstance({
    DBInstanceIdentifier: 'now',
    DBInstanceClass: 'db.t3.small',
    AllocatedStorage: 20,
  });
  const modified = await rds.send(
    new ModifyDBInstanceCommand({
      DBInstanceIdentifier: 'now',
      DBInstanceClass: 'db.m6g.large',
      StorageType: 'gp3',
      AllocatedStorage: 400,
      Iops: 12000,
      StorageThroughput: 1000,
      MasterUserPassword: 'another-password',
      ApplyImmediately: true,
    }),
  );
  t.equal(modified.DBInstance?.DBInstanceStatus, 'modifying');
  t.equal(modified.DBInstance?.PendingModifiedValues?.DBInstanceClass, 'db.m6g.large');
  t.equal(modified.DBInstance?.PendingModifiedValues?.MasterUserPassword, '****');

  const applied = await eventually(
    () => describe(rds, 'now'),
    (i) => i.DBInstanceStatus === 'available',
  );
  t.equal(applied.DBInstanceClass, 'db.m6g.large');
  t.equal(applied.AllocatedStorage, 400);
  t.equal(applied.Iops, 12000);
  t.equal(applied.StorageThroughput, 1000);
  t.same(applied.PendingModifiedValues, {});
  t.equal(emulator.state.getInstance('now')?.masterUserPassword, 'another-password');

  const shrink = await rejection(
    rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'now', AllocatedStorage: 300 })),
  );
  t.equal(shrink.name, 'InvalidParameterValue', 'storage cannot shrink');
  const gp2Iops = await rejection(
    rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'now', StorageType: 'gp2', Iops: 12000 })),
  );
  t.equal(gp2Iops.name, 'InvalidParameterCombination');
  const major = await rejection(
    rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'now', EngineVersion: '18' })),
  );
  t.equal(major.name, 'InvalidParameterCombination');
  const nothing = await rejection(rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'now' })));
  t.equal(nothing.message, 'No modifications were requested');
});

t.test('delete: a final snapshot is created and listed; the instance goes deleting then away', async (t) => {
  const { rds } = await emulatorWithClient(t, { delays: { ...fastDelays, deleting: 400 } });
  await rds.send(
    new CreateDBInstanceCommand(
      createInput('doomed', { CopyTagsToSnapshot: true, Tags: [{ Key: 'k', Value: 'v' }] }),
    ),
  );
  await eventually(
    () => describe(rds, 'doomed'),
    (i) => i.DBInstanceStatus === 'available',
  );

  const missingChoice = await rejection(
    rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'doomed' })),
  );
  t.equal(missingChoice.name, 'InvalidParameterCombination');

  const deleted = await rds.send(
    new DeleteDBInstanceCommand({
      DBInstanceIdentifier: 'doomed',
      FinalDBSnapshotIdentifier: 'doomed-final',
    }),
  );
  t.equal(deleted.DBInstance?.DBInstanceStatus, 'deleting');
  const again = await rejection(
    rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'doomed', SkipFinalSnapshot: true })),
  );
  t.equal(again.name, 'InvalidDBInstanceStateFault');

  const byInstance = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'doomed' }));
  t.same(
    byInstance.DBSnapshots?.map((s) => s.DBSnapshotIdentifier),
    ['doomed-final'],
  );
  t.same(byInstance.DBSnapshots?.[0]?.TagList, [{ Key: 'k', Value: 'v' }], 'CopyTagsToSnapshot copies tags');

  t.equal(byInstance.DBSnapshots?.[0]?.Status, 'creating', 'the snapshot completes with the deletion');

  const gone = await eventually(
    () => rejection(describe(rds, 'doomed')).catch(() => undefined),
    (error) => error?.name === 'DBInstanceNotFoundFault',
  );
  t.equal(gone?.name, 'DBInstanceNotFoundFault');
  const snapshot = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'doomed-final' }));
  t.equal(snapshot.DBSnapshots?.[0]?.Status, 'available');
  t.equal(snapshot.DBSnapshots?.[0]?.SnapshotType, 'manual');
  t.equal(
    snapshot.DBSnapshots?.[0]?.DBSnapshotArn,
    'arn:aws:rds:us-east-1:123456789012:snapshot:doomed-final',
  );

  await rds.send(new CreateDBInstanceCommand(createInput('doomed')));
  await eventually(
    () => describe(rds, 'doomed'),
    (i) => i.DBInstanceStatus === 'available',
  );
  const taken = await rejection(
    rds.send(
      new DeleteDBInstanceCommand({
        DBInstanceIdentifier: 'doomed',
        FinalDBSnapshotIdentifier: 'doomed-final',
      }),
    ),
  );
  t.equal(taken.name, 'DBSnapshotAlreadyExistsFault');
  t.equal((await describe(rds, 'doomed')).DBInstanceStatus, 'available', 'a refused delete changes nothing');

  const missing = await rejection(rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'nope' })));
  t.equal(missing.name, 'DBSnapshotNotFoundFault');
  t.equal(httpStatusOf(missing), 404);
});

t.test('delete: refused while deletion protection is on', async (t) => {
  const { rds } = await emulatorWithClient(t);
  await rds.send(new CreateDBInstanceCommand(createInput('protected', { DeletionProtection: true })));
  const error = await rejection(
    rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'protected', SkipFinalSnapshot: true })),
  );
  t.equal(error.name, 'InvalidParameterCombination');
  t.match(error.message, /deletion protection/);
  t.equal((await describe(rds, 'protected')).DeletionProtection, true);
});

t.test('delete: no final snapshot of an instance still creating', async (t) => {
  const { rds } = await emulatorWithClient(t, { delays: { creating: 10_000 } });
  await rds.send(new CreateDBInstanceCommand(createInput('young')));
  const error = await rejection(
    rds.send(
      new DeleteDBInstanceCommand({
        DBInstanceIdentifier: 'young',
        FinalDBSnapshotIdentifier: 'young-final',
      }),
    ),
  );
  t.equal(error.name, 'InvalidDBInstanceStateFault');
  const skipped = await rds.send(
    new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'young', SkipFinalSnapshot: true }),
  );
  t.equal(skipped.DBInstance?.DBInstanceStatus, 'deleting');
});

t.test(
  'delete: automated backups go by default, are retained with DeleteAutomatedBackups=false',
  async (t) => {
    const { emulator, rds } = await emulatorWithClient(t);
    for (const id of ['dropped', 'kept', 'never-backed-up'])
      await rds.send(
        new CreateDBInstanceCommand(
          createInput(id, { BackupRetentionPeriod: id === 'never-backed-up' ? 0 : 7 }),
        ),
      );
    for (const id of ['dropped', 'kept', 'never-backed-up'])
      await eventually(
        () => describe(rds, id),
        (i) => i.DBInstanceStatus === 'available',
      );
    const live = await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({}));
    t.same(
      live.DBInstanceAutomatedBackups?.map((b) => [b.DBInstanceIdentifier, b.Status]),
      [
        ['dropped', 'active'],
        ['kept', 'active'],
      ],
      'live instances with a retention period have active automated backups',
    );
    const keptResourceId = (await describe(rds, 'kept')).DbiResourceId;

    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'dropped', SkipFinalSnapshot: true }));
    await rds.send(
      new DeleteDBInstanceCommand({
        DBInstanceIdentifier: 'kept',
        SkipFinalSnapshot: true,
        DeleteAutomatedBackups: false,
      }),
    );
    await rds.send(
      new DeleteDBInstanceCommand({
        DBInstanceIdentifier: 'never-backed-up',
        SkipFinalSnapshot: true,
        DeleteAutomatedBackups: false,
      }),
    );
    await eventually(
      () => rds.send(new DescribeDBInstancesCommand({})),
      (page) => (page.DBInstances ?? []).length === 0,
    );
    const after = await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({}));
    t.equal(after.DBInstanceAutomatedBackups?.length, 1, 'only the one asked to be kept (and that had any)');
    const retained = after.DBInstanceAutomatedBackups![0]!;
    t.equal(retained.DBInstanceIdentifier, 'kept');
    t.equal(retained.Status, 'retained');
    t.equal(retained.DbiResourceId, keptResourceId);
    t.equal(retained.BackupRetentionPeriod, 7);
    t.match(retained.DBInstanceAutomatedBackupsArn, /^arn:aws:rds:us-east-1:123456789012:auto-backup:ab-/);
    t.ok(retained.RestoreWindow?.LatestTime instanceof Date, 'restorable until the deletion');
    const byId = await rds.send(
      new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: 'dropped' }),
    );
    t.same(byId.DBInstanceAutomatedBackups, [], 'deleted with the instance');
    t.same(
      emulator.state.listRetainedBackups().map((b) => b.instanceIdentifier),
      ['kept'],
    );
    const admin = await (await fetch(`${emulator.url}/_emulator/automated-backups`)).json();
    t.match(admin, [{ instanceIdentifier: 'kept', status: 'retained', backupRetentionPeriod: 7 }]);
  },
);

t.test('CreateDBSnapshot: backing-up, then an available manual snapshot; names are unique', async (t) => {
  const { rds } = await emulatorWithClient(t, { delays: { ...fastDelays, backingUp: 300 } });
  await rds.send(
    new CreateDBInstanceCommand(
      createInput('source', { CopyTagsToSnapshot: true, Tags: [{ Key: 'team', Value: 'payments' }] }),
    ),
  );
  const young = await rejection(
    rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'source', DBSnapshotIdentifier: 'too-early' }),
    ),
  );
  t.equal(young.name, 'InvalidDBInstanceStateFault', 'only an available instance');
  await eventually(
    () => describe(rds, 'source'),
    (i) => i.DBInstanceStatus === 'available',
  );
  const created = await rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: 'source',
      DBSnapshotIdentifier: 'Source-Manual',
      Tags: [{ Key: 'purpose', Value: 'before-delete' }],
    }),
  );
  t.equal(created.DBSnapshot?.DBSnapshotIdentifier, 'source-manual', 'stored in lower case');
  t.equal(created.DBSnapshot?.Status, 'creating');
  t.equal(created.DBSnapshot?.SnapshotType, 'manual');
  t.same(created.DBSnapshot?.TagList, [{ Key: 'purpose', Value: 'before-delete' }], 'the tags asked for');
  t.equal((await describe(rds, 'source')).DBInstanceStatus, 'backing-up');
  const again = await rejection(
    rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'source', DBSnapshotIdentifier: 'source-manual' }),
    ),
  );
  t.equal(again.name, 'DBSnapshotAlreadyExistsFault');
  const done = await eventually(
    () => rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'source-manual' })),
    (r) => r.DBSnapshots?.[0]?.Status === 'available',
  );
  t.equal(done.DBSnapshots?.[0]?.Status, 'available');
  t.equal((await describe(rds, 'source')).DBInstanceStatus, 'available', 'back to available');
  const copied = await rds.send(
    new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'source', DBSnapshotIdentifier: 'copied-tags' }),
  );
  t.same(
    copied.DBSnapshot?.TagList,
    [{ Key: 'team', Value: 'payments' }],
    'no tags given: CopyTagsToSnapshot',
  );
  const missing = await rejection(
    rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'nope', DBSnapshotIdentifier: 'x' })),
  );
  t.equal(missing.name, 'DBInstanceNotFoundFault');
});

t.test('tags: add, list and remove by ARN', async (t) => {
  const { rds } = await emulatorWithClient(t);
  const { DBInstance } = await rds.send(
    new CreateDBInstanceCommand(createInput('tagged', { Tags: [{ Key: 'team', Value: 'payments' }] })),
  );
  const arn = DBInstance!.DBInstanceArn!;
  await rds.send(
    new AddTagsToResourceCommand({
      ResourceName: arn,
      Tags: [
        { Key: 'team', Value: 'billing' },
        { Key: 'stow.dev/managed-by', Value: 'stow' },
      ],
    }),
  );
  const listed = await rds.send(new ListTagsForResourceCommand({ ResourceName: arn }));
  t.same(listed.TagList, [
    { Key: 'team', Value: 'billing' },
    { Key: 'stow.dev/managed-by', Value: 'stow' },
  ]);
  await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ['team'] }));
  t.same((await describe(rds, 'tagged')).TagList, [{ Key: 'stow.dev/managed-by', Value: 'stow' }]);

  const unknown = await rejection(
    rds.send(new ListTagsForResourceCommand({ ResourceName: 'arn:aws:rds:us-east-1:123456789012:db:nope' })),
  );
  t.equal(unknown.name, 'DBInstanceNotFoundFault');
  const reserved = await rejection(
    rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'aws:x', Value: 'y' }] })),
  );
  t.equal(reserved.name, 'InvalidParameterValue');
});

t.test('faults: throttleRate 1 answers Throttling, which the SDK retries as throttling', async (t) => {
  const { emulator, rds } = await emulatorWithClient(t, { faults: { throttleRate: 1 } });
  const error = await rejection(rds.send(new DescribeDBInstancesCommand({})));
  t.equal(error.name, 'Throttling');
  t.equal(error.Code, 'Throttling');
  t.equal(httpStatusOf(error), 400);

  const retrying = new RDSClient({ ...emulator.sdkConfig, maxAttempts: 2 });
  t.teardown(() => retrying.destroy());
  emulator.resetCalls();
  const retried = await rejection(retrying.send(new DescribeDBInstancesCommand({})));
  t.equal(retried.name, 'Throttling');
  t.equal(emulator.calls().byAction.DescribeDBInstances, 2, 'the SDK retried once');
  t.equal(emulator.calls().errorsByCode.Throttling, 2);

  emulator.setFaults({ throttleRate: 0 });
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({}));
  t.same(DBInstances, []);
});

t.test('faults: errorRate 1 answers 500 InternalFailure before the action takes effect', async (t) => {
  const { emulator, rds } = await emulatorWithClient(t);
  emulator.setFaults({ errorRate: 1, actions: ['CreateDBInstance'] });
  const error = await rejection(rds.send(new CreateDBInstanceCommand(createInput('never'))));
  t.equal(error.name, 'InternalFailure');
  t.equal(httpStatusOf(error), 500);
  t.equal(error.$fault, 'server');
  t.equal(emulator.state.getInstance('never'), undefined);
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({}));
  t.same(DBInstances, [], 'actions outside the fault list are untouched');
});

t.test('faults: latencyMs delays each call', async (t) => {
  const { emulator, rds } = await emulatorWithClient(t, { faults: { latencyMs: 60 } });
  const started = performance.now();
  await rds.send(new DescribeDBInstancesCommand({}));
  t.ok(performance.now() - started >= 55, 'the call took at least the latency');
  emulator.setFaults({ latencyMs: 0 });
});

t.test('faults: holdResponseAfter performs the call but never answers it', async (t) => {
  const { emulator, rds } = await emulatorWithClient(t);
  emulator.setFaults({ holdResponseAfter: 'CreateDBInstance' });
  const abort = new AbortController();
  const call = rds.send(new CreateDBInstanceCommand(createInput('held')), { abortSignal: abort.signal });
  const held = await eventually(
    async () => emulator.calls().recent.find((c) => c.held),
    (record) => record !== undefined,
  );
  t.equal(held?.action, 'CreateDBInstance');
  t.equal(emulator.state.getInstance('held')?.status, 'creating', 'the create took effect');
  abort.abort();
  const error = await rejection(call);
  t.equal(error.name, 'AbortError', 'the caller gave up without an answer');

  t.equal(emulator.control.faults.current.holdResponseAfter, null, 'the hold is one-shot');
  const duplicate = await rejection(rds.send(new CreateDBInstanceCommand(createInput('held'))));
  t.equal(duplicate.name, 'DBInstanceAlreadyExistsFault', 'a retry after the crash finds the instance');
});

t.test('close: returns promptly with a held response and keep-alive sockets open', async (t) => {
  const emulator = await startRdsEmulator({ delays: fastDelays });
  const rds = new RDSClient({ ...emulator.sdkConfig, maxAttempts: 1 });
  await rds.send(new DescribeDBInstancesCommand({}));
  emulator.setFaults({ holdResponseAfter: 'DescribeDBInstances' });
  const pending = rds.send(new DescribeDBInstancesCommand({})).catch((error: Error) => error);
  await eventually(
    async () => emulator.calls().recent.some((c) => c.held),
    (held) => held,
  );
  const started = performance.now();
  await emulator.close();
  t.ok(performance.now() - started < 1000, 'close did not wait for the held call');
  t.ok((await pending) instanceof Error, 'the held caller sees its connection dropped');
  rds.destroy();
});

t.test('the master password is never in a Query API response', async (t) => {
  const { emulator } = await emulatorWithClient(t);
  emulator.seedInstance({ DBInstanceIdentifier: 'secretive', MasterUserPassword: 'do-not-leak-me' });
  const response = await fetch(emulator.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=DescribeDBInstances&Version=2014-10-31',
  });
  const xml = await response.text();
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /text\/xml/);
  t.match(xml, /^<DescribeDBInstancesResponse xmlns="https:\/\/rds\.amazonaws\.com\/doc\/2014-10-31\/">/);
  t.notMatch(xml, /do-not-leak-me/);
});

t.test('unknown and missing actions are answered with awsQuery errors', async (t) => {
  const { emulator } = await emulatorWithClient(t);
  const post = (body: string) =>
    fetch(emulator.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  const unknown = await post('Action=constructor&Version=2014-10-31');
  t.equal(unknown.status, 400);
  t.match(await unknown.text(), /<Code>InvalidAction<\/Code>/);
  const missing = await post('Version=2014-10-31');
  t.equal(missing.status, 400);
  t.match(await missing.text(), /<Type>Sender<\/Type><Code>MissingAction<\/Code>/);
});

t.test('the SDK finds the emulator through AWS_ENDPOINT_URL_RDS', async (t) => {
  const { emulator } = await emulatorWithClient(t);
  const previous = process.env.AWS_ENDPOINT_URL_RDS;
  process.env.AWS_ENDPOINT_URL_RDS = emulator.url;
  t.teardown(() => {
    if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_RDS;
    else process.env.AWS_ENDPOINT_URL_RDS = previous;
  });
  const rds = new RDSClient({
    region: 'eu-west-1',
    credentials: emulator.sdkConfig.credentials,
    maxAttempts: 1,
  });
  t.teardown(() => rds.destroy());
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({}));
  t.same(DBInstances, []);
  t.equal(emulator.calls().byAction.DescribeDBInstances, 1);
});
