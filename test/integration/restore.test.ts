import t from 'tap';
import { decodeSecretData } from '../../src/controller/connection-secret.js';
import { condition, type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';
import { postgresDBSnapshot, snapshotInPhase } from '../support/postgresdb-snapshot.js';

// Restores against the real API server and the RDS emulator: a new PostgresDB from a PostgresDBSnapshot
// or a point in time gets its instance from RestoreDBInstance… (never CreateDBInstance), a new Secret
// whose new password is set on the instance (the source's stops working), and the spec's settings.

let h: Harness;

t.before(async () => {
  h = await startHarness();
  await h.start();
});
t.teardown(() => h?.stop());

const instanceOf = (identifier: string) => h.emulator.control.state.getInstance(identifier);

async function ready(name: string) {
  return h.waitFor(`${name} Ready`, async () => {
    const object = await h.get(name);
    const current = object?.status?.observedGeneration === object?.metadata.generation;
    return current && isReady(object) && condition(object, 'Synced')?.status === 'True' && object;
  });
}

function restoredCalls(identifier: string) {
  return h.emulator
    .calls()
    .recent.filter((call) => call.resource === identifier)
    .map((call) => call.action);
}

t.test('from a PostgresDBSnapshot: a new Secret, a new password, the spec applied', async (t) => {
  await h.apply([postgresDB('orders', { databaseName: 'orders', masterUsername: 'orders_admin' })]);
  const source = await ready('orders');
  const sourcePassword = decodeSecretData(await h.secret('orders')).password!;
  await h.apply([postgresDBSnapshot('orders-before', 'orders')]);
  await snapshotInPhase(h, 'orders-before', 'Available');

  await h.apply([
    postgresDB('orders-copy', {
      restoreFrom: { snapshot: { name: 'orders-before' } },
      instanceClass: 'db.t3.medium',
      storage: { sizeGiB: 30 },
      backup: { retentionDays: 3 },
      maintenanceWindow: 'mon:04:00-mon:04:30',
    }),
  ]);
  const copy = await ready('orders-copy');
  const id = copy.status!.dbInstanceIdentifier!;
  t.not(id, source.status?.dbInstanceIdentifier, 'a new instance');
  const calls = restoredCalls(id);
  t.ok(calls.includes('RestoreDBInstanceFromDBSnapshot'), calls.join());
  t.notOk(calls.includes('CreateDBInstance'), 'never created');
  const secret = decodeSecretData(await h.secret('orders-copy'));
  const instance = instanceOf(id)!;
  t.equal(instance.masterUserPassword, secret.password, 'the new Secret’s password is the instance’s');
  t.not(secret.password, sourcePassword, 'the source’s password does not work on the copy');
  t.equal(secret.username, 'orders_admin', 'the master user of the source');
  t.equal(secret.dbname, 'orders', 'its database');
  t.equal(secret.host, copy.status?.endpoint?.address);
  t.match(instance, {
    instanceClass: 'db.t3.medium',
    backupRetentionPeriod: 3,
    preferredMaintenanceWindow: 'mon:04:00-mon:04:30',
  });
  t.equal(instance.storage.allocatedGiB, 30);
  t.equal(instance.tags.get('stow.dev/uid'), copy.metadata.uid, 'tagged for the new PostgresDB');
  t.equal(copy.spec.masterUsername, undefined, 'the spec stays as written');
  // Ready is announced after the status write that made it so: waited for.
  const reasons = await h.waitFor('the Ready Event', async () => {
    const found = (await h.events())
      .filter((e) => e.involvedObject.name === 'orders-copy')
      .map((e) => e.reason);
    return found.includes('Ready') && found;
  });
  for (const reason of ['Restoring', 'PasswordSet']) t.ok(reasons.includes(reason), reason);
  t.equal(
    instanceOf(source.status!.dbInstanceIdentifier!)?.masterUserPassword,
    sourcePassword,
    'the source is untouched',
  );
});

t.test('a restore waits for its snapshot, then starts by itself', async (t) => {
  await h.apply([postgresDB('billing')]);
  await ready('billing');
  h.delayUntilTeardown(t, { backingUp: 1500 });
  await h.apply([
    postgresDBSnapshot('billing-now', 'billing'),
    postgresDB('billing-copy', { restoreFrom: { snapshot: { name: 'billing-now' } } }),
  ]);
  const waiting = await h.waitFor('waiting', async () => {
    const object = await h.get('billing-copy');
    return condition(object, 'Synced')?.reason === 'RestoreSourceNotReady' && object;
  });
  t.match(
    condition(waiting, 'Synced')?.message,
    /PostgresDBSnapshot apps\/billing-now is (Pending|Creating), not Available/,
  );
  const copy = await ready('billing-copy');
  t.ok(restoredCalls(copy.status!.dbInstanceIdentifier!).includes('RestoreDBInstanceFromDBSnapshot'));
});

t.test('to a point in time: the latest, and a time', async (t) => {
  await h.apply([postgresDB('ledger')]);
  const source = await ready('ledger');
  const sourceId = source.status!.dbInstanceIdentifier!;
  const time = new Date().toISOString(); // after the source's creation, before the restore call
  await h.apply([
    postgresDB('ledger-latest', {
      restoreFrom: { pointInTime: { postgresDBRef: { name: 'ledger' }, latest: true } },
    }),
    postgresDB('ledger-then', { restoreFrom: { pointInTime: { postgresDBRef: { name: 'ledger' }, time } } }),
  ]);
  for (const name of ['ledger-latest', 'ledger-then']) {
    const copy = await ready(name);
    const id = copy.status!.dbInstanceIdentifier!;
    t.ok(
      restoredCalls(id).includes('RestoreDBInstanceToPointInTime'),
      `${name}: restored to a point in time`,
    );
    t.equal(
      instanceOf(id)?.masterUserPassword,
      decodeSecretData(await h.secret(name)).password,
      `${name}: new password`,
    );
  }
  t.ok(instanceOf(sourceId), 'the source stays');

  await h.apply([
    postgresDB('ledger-too-early', {
      restoreFrom: { pointInTime: { postgresDBRef: { name: 'ledger' }, time: '2020-01-01T00:00:00Z' } },
    }),
  ]);
  const refused = await h.waitFor('RDS refuses a time outside the window', async () => {
    const object = await h.get('ledger-too-early');
    return condition(object, 'Synced')?.status === 'False' && object;
  });
  t.match(condition(refused, 'Synced')?.message, /InvalidRestoreFault.*outside the restore window/);
});

t.test('a restored instance is not Ready while it still answers to the source’s password', async (t) => {
  await h.apply([postgresDB('stock')]);
  await ready('stock');
  // RDS reports a new instance backing-up, connectable but not yet open to changes, before available.
  h.delayUntilTeardown(t, { backingUp: 4000 });
  await h.apply([
    postgresDB('stock-copy', {
      restoreFrom: { pointInTime: { postgresDBRef: { name: 'stock' }, latest: true } },
    }),
  ]);
  const backingUp = await h.waitFor('the copy recorded backing-up', async () => {
    const object = await h.get('stock-copy');
    return object?.status?.rdsStatus === 'backing-up' && object;
  });
  t.match(condition(backingUp, 'Ready'), { status: 'False', reason: 'PasswordPending' });
  const copy = await ready('stock-copy');
  t.equal(
    instanceOf(copy.status!.dbInstanceIdentifier!)?.masterUserPassword,
    decodeSecretData(await h.secret('stock-copy')).password,
    'Ready once the Secret’s password is the instance’s',
  );
});

t.test('no password of source or copy in logs, Events or status', async (t) => {
  const passwords = h.emulator.control.state.listInstances().map((instance) => instance.masterUserPassword);
  t.ok(passwords.length >= 5);
  const visible = JSON.stringify([
    await h.client.request('GET', '/api/v1/events'),
    (await h.list()).map((object) => object.status),
    h.logs.lines,
  ]);
  for (const password of passwords) t.notOk(visible.includes(password));
});
