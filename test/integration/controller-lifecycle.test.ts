import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { decodeSecretData } from '../../src/controller/connection-secret.js';
import { instanceIdentifier } from '../../src/controller/ownership.js';
import { condition, type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';

let h: Harness;

t.before(async () => {
  h = await startHarness();
  await h.start();
});
t.teardown(() => h?.stop());

function instanceOf(identifier: string) {
  return h.emulator.control.state.getInstance(identifier);
}

t.test(
  'create: Secret at once, then the instance, then Ready with endpoint, Service and connection keys',
  async (t) => {
    await h.apply([postgresDB('orders', { databaseName: 'orders' })]);
    const secret = await h.waitFor('the Secret', () => h.secret('orders'), 10_000);
    const early = decodeSecretData(secret);
    t.ok(early.password, 'password from the start');
    t.equal(early.username, 'stow_admin');
    const object = await h.waitFor('Ready', async () => {
      const o = await h.get('orders');
      return isReady(o) && o;
    });
    const status = object.status!;
    t.equal(status.phase, 'Available');
    t.equal(status.rdsStatus, 'available');
    t.match(status.dbInstanceIdentifier, /^stow-apps-orders-[0-9a-f]{8}$/);
    t.match(status.arn, /^arn:aws:rds:/);
    t.ok(status.endpoint?.address);
    t.equal(status.endpoint?.port, 5432);
    t.equal(status.observedGeneration, object.metadata.generation);
    t.match(condition(object, 'Synced'), { status: 'True' });
    t.ok(object.metadata.finalizers?.includes('stow.dev/finalizer'));

    const data = decodeSecretData(await h.secret('orders'));
    t.equal(data.password, early.password, 'password never regenerated');
    t.equal(data.DB_HOST, status.endpoint?.address);
    t.equal(data.DB_PORT, '5432');
    for (const key of [
      'DB_NAME',
      'DB_USER',
      'DB_PASSWORD',
      'host',
      'port',
      'dbname',
      'username',
      'uri',
      'jdbc-uri',
      'pgpass',
    ]) {
      t.ok(data[key], `Secret key ${key}`);
    }
    const instance = instanceOf(status.dbInstanceIdentifier!);
    t.equal(instance?.masterUserPassword, data.password, 'the instance has the Secret password');
    t.equal(instance?.tags.get('stow.dev/uid'), object.metadata.uid);

    const service = await h.service('orders');
    t.equal(service?.spec?.type, 'ExternalName');
    t.equal(service?.spec?.externalName, status.endpoint?.address);
    t.equal(service?.metadata.ownerReferences?.[0]?.uid, object.metadata.uid);
    t.equal((await h.secret('orders'))?.metadata.ownerReferences?.[0]?.uid, object.metadata.uid);

    // The Ready Event follows the status write that made the resource Ready: it is waited for.
    const reasons = await h.waitFor('the Ready Event', async () => {
      const found = (await h.events()).filter((e) => e.involvedObject.name === 'orders').map((e) => e.reason);
      return found.includes('Ready') && found;
    });
    t.ok(reasons.includes('Creating'), reasons.join(','));
  },
);

function modifyCalls(): number {
  return h.emulator.calls().byAction.ModifyDBInstance ?? 0;
}

async function waitReady(name: string) {
  return h.waitFor(`${name} Ready`, async () => {
    const o = await h.get(name);
    const current = o?.status?.observedGeneration === o?.metadata.generation;
    return current && isReady(o) && condition(o, 'Synced')?.status === 'True' && o;
  });
}

/** Long enough for several polls and a few watch events: a loop would show up. */
const SETTLE_MS = 2000;

t.test('class change and storage growth: one ModifyDBInstance each', async (t) => {
  await h.apply([postgresDB('resize')]);
  const ready = await waitReady('resize');
  const id = ready.status!.dbInstanceIdentifier!;

  const beforeClass = modifyCalls();
  await h.patch('resize', { spec: { instanceClass: 'db.t3.medium' } });
  await h.waitFor('new class applied', async () => {
    const i = instanceOf(id);
    return i?.instanceClass === 'db.t3.medium' && i.status === 'available';
  });
  const afterClass = await waitReady('resize');
  t.equal(afterClass.status?.observedGeneration, afterClass.metadata.generation);
  await sleep(SETTLE_MS);
  t.equal(modifyCalls() - beforeClass, 1, 'class change: one ModifyDBInstance');

  const beforeStorage = modifyCalls();
  await h.patch('resize', { spec: { storage: { sizeGiB: 30 } } });
  await h.waitFor('storage grown', async () => {
    const i = instanceOf(id);
    return i?.storage.allocatedGiB === 30 && i.status === 'available';
  });
  await waitReady('resize');
  await sleep(SETTLE_MS);
  t.equal(modifyCalls() - beforeStorage, 1, 'storage growth: one ModifyDBInstance');
  const reasons = (await h.events()).filter((e) => e.involvedObject.name === 'resize').map((e) => e.reason);
  t.equal(reasons.filter((r) => r === 'Modifying').length, 2, 'one Modifying event each');
});

t.test('tags: a key removed from spec.tags leaves the instance, others stay', async (t) => {
  await h.apply([postgresDB('tagged', { tags: { team: 'payments', env: 'prod' } })]);
  const ready = await waitReady('tagged');
  t.same(ready.status?.tagKeys, ['env', 'team'], 'status records the applied keys');
  const id = ready.status!.dbInstanceIdentifier!;
  t.equal(instanceOf(id)?.tags.get('env'), 'prod');
  instanceOf(id)!.tags.set('cost-center', '42'); // put there by someone else

  await h.patch('tagged', { spec: { tags: { env: null } } });
  await h.waitFor('env removed from the instance', async () => !instanceOf(id)?.tags.has('env'));
  const after = await h.waitFor('status updated', async () => {
    const o = await h.get('tagged');
    return o?.status?.tagKeys?.length === 1 && o;
  });
  t.same(after.status?.tagKeys, ['team']);
  const tags = instanceOf(id)!.tags;
  t.equal(tags.get('team'), 'payments', 'team kept');
  t.equal(tags.get('cost-center'), '42', 'a tag Stow never put there stays');
  t.equal(tags.get('stow.dev/uid'), after.metadata.uid, 'ownership tags stay');
  t.equal(h.emulator.calls().byAction.RemoveTagsFromResource, 1, 'one RemoveTagsFromResource');
});

t.test('pause stops reconciling; resuming catches up', async (t) => {
  await h.apply([postgresDB('paused')]);
  const ready = await waitReady('paused');
  const id = ready.status!.dbInstanceIdentifier!;
  await h.patch('paused', { metadata: { annotations: { 'stow.dev/reconcile': 'paused' } } });
  await sleep(500);
  const before = modifyCalls();
  await h.patch('paused', { spec: { instanceClass: 'db.t3.large' } });
  await sleep(SETTLE_MS);
  t.equal(modifyCalls(), before, 'no ModifyDBInstance while paused');
  t.equal(instanceOf(id)?.instanceClass, 'db.t3.small');
  await h.patch('paused', { metadata: { annotations: { 'stow.dev/reconcile': null } } });
  await h.waitFor('modified after resume', async () => instanceOf(id)?.instanceClass === 'db.t3.large');
  t.pass('resumed');
});

t.test('an invalid object written with webhooks off: Synced=False, no AWS call', async (t) => {
  // Within the CRD's own bounds (the API server enforces those), against Stow's rules: gp3 needs 20 GiB,
  // and the backup window overlaps the maintenance window.
  await h.apply([
    postgresDB('invalid', {
      storage: { sizeGiB: 5 },
      backup: { window: '05:00-06:00' },
      maintenanceWindow: 'sun:05:30-sun:06:30',
    }),
  ]);
  const object = await h.waitFor('Synced=False', async () => {
    const o = await h.get('invalid');
    return condition(o, 'Synced')?.status === 'False' && o;
  });
  const synced = condition(object, 'Synced')!;
  t.equal(synced.reason, 'InvalidSpec');
  t.match(synced.message, /spec\.backup\.window: must not overlap spec\.maintenanceWindow/);
  t.match(synced.message, /spec\.storage\.sizeGiB/);
  t.equal(object.status?.phase, 'Failed');
  const id = instanceIdentifier('stow', {
    clusterName: h.config.clusterName,
    namespace: h.namespace,
    name: 'invalid',
    uid: object.metadata.uid!,
  });
  t.notOk(
    h.emulator.calls().recent.some((call) => call.resource === id),
    'no RDS call about it',
  );
  t.notOk(instanceOf(id));
  // The Event follows the status write.
  const warning = await h.waitFor('the InvalidSpec Event', async () =>
    (await h.events()).find((e) => e.involvedObject.name === 'invalid' && e.reason === 'InvalidSpec'),
  );
  t.equal(warning?.type, 'Warning');
  await h.remove('invalid');
  await h.waitFor('invalid object gone', async () => (await h.get('invalid')) === undefined);
});

t.test('adoption of an existing instance, and refusal of one owned by another resource', async (t) => {
  h.emulator.seedInstance({
    DBInstanceIdentifier: 'legacy-orders',
    MasterUsername: 'legacy_admin',
    DBName: 'legacy',
  });
  h.emulator.seedInstance({
    DBInstanceIdentifier: 'someone-elses',
    Tags: [
      { Key: 'stow.dev/managed-by', Value: 'stow' },
      { Key: 'stow.dev/cluster', Value: 'other-cluster' },
      { Key: 'stow.dev/namespace', Value: 'team-b' },
      { Key: 'stow.dev/name', Value: 'their-db' },
      { Key: 'stow.dev/uid', Value: '00000000-0000-0000-0000-000000000000' },
    ],
  });
  // Adoption needs a policy enabling it for the identifier (the controller checks it again).
  const policy = {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDBPolicy',
    metadata: { name: 'adoption' },
    spec: { adoption: { enabled: true, identifiers: ['legacy-*', 'someone-*'] } },
  };
  const applied = await h.cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(policy) });
  t.equal(applied.code, 0, applied.stderr);
  await h.apply([
    postgresDB(
      'adopter',
      {},
      {
        metadata: {
          annotations: { 'stow.dev/identifier': 'legacy-orders', 'stow.dev/reset-master-password': 'true' },
        },
      },
    ),
    postgresDB('intruder', {}, { metadata: { annotations: { 'stow.dev/identifier': 'someone-elses' } } }),
  ]);
  const adopted = await waitReady('adopter');
  t.equal(adopted.status?.dbInstanceIdentifier, 'legacy-orders');
  const legacy = instanceOf('legacy-orders')!;
  t.equal(legacy.tags.get('stow.dev/uid'), adopted.metadata.uid, 'ownership tags added');
  const data = decodeSecretData(await h.secret('adopter'));
  t.equal(data.username, 'legacy_admin', 'user name from the instance');
  t.equal(data.dbname, 'legacy');
  await h.waitFor(
    'password set on the adopted instance',
    async () => instanceOf('legacy-orders')?.masterUserPassword === data.password,
  );
  t.equal(instanceOf('legacy-orders')?.masterUserPassword, data.password);

  const refused = await h.waitFor('refusal', async () => {
    const o = await h.get('intruder');
    return condition(o, 'Synced')?.reason === 'AdoptionRefused' && o;
  });
  t.equal(condition(refused, 'Synced')?.status, 'False');
  t.match(condition(refused, 'Synced')?.message, /team-b\/their-db/);
  t.notOk(refused.status?.endpoint, 'nothing of the foreign instance in status');
  t.equal(instanceOf('someone-elses')?.tags.get('stow.dev/cluster'), 'other-cluster', 'tags untouched');
  t.notOk(await h.secret('intruder'), 'no Secret');
  // The Warning follows the status write that recorded the refusal: it is waited for.
  const warning = await h.waitFor('the AdoptionRefused Event', async () =>
    (await h.events()).find((e) => e.involvedObject.name === 'intruder' && e.reason === 'AdoptionRefused'),
  );
  t.equal(warning.type, 'Warning');

  await h.remove('intruder');
  await h.waitFor('intruder gone', async () => (await h.get('intruder')) === undefined);
  t.ok(instanceOf('someone-elses'), 'deleting the refused resource leaves the foreign instance');
});

t.test('deletion policies: Delete, Snapshot, Retain; the finalizer waits for RDS', async (t) => {
  h.delayUntilTeardown(t, { deleting: 3000 });
  await h.apply([
    postgresDB('del-delete', { deletionPolicy: 'Delete' }),
    postgresDB('del-snapshot', { deletionPolicy: 'Snapshot' }),
    postgresDB('del-retain', { deletionPolicy: 'Retain' }),
  ]);
  const ids: Record<string, string> = {};
  for (const name of ['del-delete', 'del-snapshot', 'del-retain']) {
    ids[name] = (await waitReady(name)).status!.dbInstanceIdentifier!;
  }
  for (const name of Object.keys(ids)) await h.remove(name);

  const deleting = await h.waitFor(
    'instance deleting',
    async () => instanceOf(ids['del-delete']!)?.status === 'deleting',
  );
  t.ok(deleting);
  // The status write follows the DeleteDBInstance call, so it is waited for, not read at once.
  const reportsDeleting = await h.waitFor(
    'phase Deleting',
    async () => (await h.get('del-delete'))?.status?.phase === 'Deleting',
  );
  t.ok(reportsDeleting, 'status.phase is Deleting while RDS deletes');
  const stillThere = await h.get('del-delete');
  t.ok(stillThere?.metadata.deletionTimestamp, 'the resource waits while RDS deletes');
  t.ok(instanceOf(ids['del-delete']!), 'the instance still exists: the finalizer has not gone early');

  for (const name of Object.keys(ids)) {
    await h.waitFor(`${name} gone`, async () => (await h.get(name)) === undefined, 20_000);
  }
  t.notOk(instanceOf(ids['del-delete']!), 'Delete: instance gone');
  const snapshots = h.emulator.control.state.listSnapshots();
  t.notOk(
    snapshots.some((s) => s.instanceIdentifier === ids['del-delete']),
    'Delete: no snapshot',
  );
  t.notOk(instanceOf(ids['del-snapshot']!), 'Snapshot: instance gone');
  const final = snapshots.find((s) => s.instanceIdentifier === ids['del-snapshot']);
  t.match(final?.identifier, new RegExp(`^${ids['del-snapshot']}-final-`), 'Snapshot: final snapshot left');
  const retained = instanceOf(ids['del-retain']!);
  t.equal(retained?.status, 'available', 'Retain: instance left running');
  t.equal(retained?.tags.get('stow.dev/managed-by'), 'retained');
  const reasons = (await h.events()).map((e) => `${e.involvedObject.name}:${e.reason}`);
  for (const expected of [
    'del-delete:Deleting',
    'del-delete:Deleted',
    'del-snapshot:SnapshotTaken',
    'del-retain:Retained',
  ]) {
    t.ok(reasons.includes(expected), expected);
  }
});

t.test('no password in logs, Events or status', async (t) => {
  const passwords = new Set<string>();
  for (const instance of h.emulator.control.state.listInstances()) passwords.add(instance.masterUserPassword);
  for (const object of await h.list()) {
    const name = object.spec.secretName ?? object.metadata.name!;
    const password = decodeSecretData(await h.secret(name)).password;
    if (password) passwords.add(password);
  }
  t.ok(passwords.size >= 3, `${passwords.size} passwords to look for`);
  const events = JSON.stringify(await h.client.request('GET', '/api/v1/events'));
  const statuses = JSON.stringify((await h.list()).map((o) => o.status));
  const logs = h.logs.lines.join('\n');
  t.ok(h.logs.lines.length > 50, `${h.logs.lines.length} log lines captured`);
  for (const password of passwords) {
    t.notOk(logs.includes(password), 'not in logs');
    t.notOk(events.includes(password), 'not in Events');
    t.notOk(statuses.includes(password), 'not in status');
  }
});
