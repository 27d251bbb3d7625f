import t from 'tap';
import { decodeSecretData } from '../../src/controller/connection-secret.js';
import { condition, type Harness, isReady, postgresDB, startHarness } from './support/harness.js';

let h: Harness;

t.before(async () => {
  h = await startHarness();
  await h.start();
});
t.teardown(() => h?.stop());

function instanceOf(identifier: string) {
  return h.emulator.control.state.getInstance(identifier);
}

t.test('create: Secret at once, then the instance, then Ready with endpoint, Service and connection keys', async (t) => {
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
  for (const key of ['DB_NAME', 'DB_USER', 'DB_PASSWORD', 'host', 'port', 'dbname', 'username', 'uri', 'jdbc-uri', 'pgpass']) {
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

  const reasons = (await h.events()).filter((e) => e.involvedObject.name === 'orders').map((e) => e.reason);
  t.ok(reasons.includes('Creating') && reasons.includes('Ready'), reasons.join(','));
});
