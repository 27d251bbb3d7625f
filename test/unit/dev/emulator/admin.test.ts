import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import t from 'tap';
import { startRdsEmulator } from '../../../../src/dev/emulator/index.js';

async function adminClient(t: { teardown(fn: () => unknown): void }) {
  const emulator = await startRdsEmulator({
    delays: { creating: 0, backingUp: 0, modifying: 20, deleting: 0 },
  });
  const rds = new RDSClient({ ...emulator.sdkConfig, maxAttempts: 1 });
  t.teardown(async () => {
    rds.destroy();
    await emulator.close();
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${emulator.url}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
  return { emulator, rds, call };
}

t.test('seed an instance, see it through the SDK, read its password through the admin API', async (t) => {
  const { rds, call } = await adminClient(t);
  const seeded = await call('POST', '/instances', {
    DBInstanceIdentifier: 'adopt-me',
    DBInstanceClass: 'db.r6g.large',
    AllocatedStorage: 100,
    MasterUsername: 'legacy',
    MasterUserPassword: 'legacy-password',
    Tags: [{ Key: 'stow.dev/uid', Value: 'abc' }],
  });
  t.equal(seeded.status, 201);
  t.equal(seeded.json.status, 'available');
  t.equal(seeded.json.masterUserPassword, 'legacy-password');
  t.same(seeded.json.tags, { 'stow.dev/uid': 'abc' });
  t.match(seeded.json.endpoint, { address: /^adopt-me\./, port: 5432 });

  const { DBInstances } = await rds.send(
    new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'adopt-me' }),
  );
  t.equal(DBInstances?.[0]?.DBInstanceStatus, 'available');
  t.equal(DBInstances?.[0]?.DBInstanceClass, 'db.r6g.large');
  t.same(DBInstances?.[0]?.TagList, [{ Key: 'stow.dev/uid', Value: 'abc' }]);

  const listed = await call('GET', '/instances');
  t.same(
    listed.json.map((i: { identifier: string; masterUserPassword: string }) => [
      i.identifier,
      i.masterUserPassword,
    ]),
    [['adopt-me', 'legacy-password']],
  );
  t.equal((await call('GET', '/instances/adopt-me')).json.instanceClass, 'db.r6g.large');
  t.equal(
    (await call('POST', '/instances', { DBInstanceIdentifier: 'adopt-me' })).json.code,
    'DBInstanceAlreadyExists',
  );
  t.equal((await call('GET', '/instances/nope')).status, 404);
});

t.test('force a status, and remove an instance behind the caller’s back', async (t) => {
  const { rds, call } = await adminClient(t);
  await call('POST', '/instances', { DBInstanceIdentifier: 'victim' });
  const forced = await call('PUT', '/instances/victim/status', { status: 'failed' });
  t.equal(forced.json.status, 'failed');
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'victim' }));
  t.equal(DBInstances?.[0]?.DBInstanceStatus, 'failed');

  t.equal((await call('DELETE', '/instances/victim')).status, 204);
  await t.rejects(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'victim' })), {
    name: 'DBInstanceNotFoundFault',
  });
});

t.test('faults and delays are read and patched as JSON; bad values are refused', async (t) => {
  const { call } = await adminClient(t);
  t.same((await call('GET', '/faults')).json, {
    latencyMs: 0,
    throttleRate: 0,
    errorRate: 0,
    unavailableRate: 0,
    holdResponseAfter: null,
    actions: null,
    failSnapshots: false,
    failingResourcePrefixes: [],
  });
  const patched = await call('PUT', '/faults', { throttleRate: 0.5, holdResponseAfter: 'ModifyDBInstance' });
  t.equal(patched.json.throttleRate, 0.5);
  t.equal(patched.json.holdResponseAfter, 'ModifyDBInstance');
  t.equal((await call('PUT', '/faults', { throttleRate: 2 })).status, 400);
  t.equal((await call('PUT', '/faults', { throtleRate: 1 })).status, 400, 'unknown switches are refused');
  t.equal((await call('PUT', '/faults', { failSnapshots: true })).json.failSnapshots, true);
  t.equal((await call('PUT', '/faults', { failSnapshots: 'yes' })).status, 400);
  t.equal((await call('PUT', '/faults', { failingResourcePrefixes: [''] })).status, 400, 'an empty prefix');

  const delays = await call('POST', '/delays', { creating: 5000 });
  t.same(delays.json, { creating: 5000, backingUp: 0, modifying: 20, deleting: 0 });
  t.equal((await call('PUT', '/delays', { creating: -1 })).status, 400);
});

t.test('failingResourcePrefixes: every call naming such a resource fails, the others succeed', async (t) => {
  const { rds, call } = await adminClient(t);
  await call('POST', '/instances', { DBInstanceIdentifier: 'doomed-1' });
  await call('POST', '/instances', { DBInstanceIdentifier: 'healthy-1' });
  await call('PUT', '/faults', { failingResourcePrefixes: ['doomed-'] });
  for (let i = 0; i < 3; i++) {
    await t.rejects(
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'doomed-1' })),
      { name: 'InternalFailure' },
      'the doomed instance: InternalFailure, every time',
    );
  }
  const healthy = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'healthy-1' }));
  t.equal(healthy.DBInstances?.[0]?.DBInstanceIdentifier, 'healthy-1', 'another instance answers');
  t.same((await call('GET', '/faults')).json.failingResourcePrefixes, ['doomed-']);
});

t.test('calls are counted by action and can be reset', async (t) => {
  const { rds, call } = await adminClient(t);
  await rds.send(new DescribeDBInstancesCommand({}));
  await t.rejects(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'missing' })));
  const calls = (await call('GET', '/calls')).json;
  t.equal(calls.total, 2);
  t.same(calls.byAction, { DescribeDBInstances: 2 });
  t.same(calls.errorsByCode, { DBInstanceNotFound: 1 });
  t.match(calls.recent[1], {
    action: 'DescribeDBInstances',
    httpStatus: 404,
    errorCode: 'DBInstanceNotFound',
  });
  t.equal((await call('DELETE', '/calls')).status, 204);
  t.equal((await call('GET', '/calls')).json.total, 0);
});

t.test('apply pending modifications through the admin API (the maintenance window)', async (t) => {
  const { emulator, call } = await adminClient(t);
  emulator.seedInstance({ DBInstanceIdentifier: 'waiting' });
  emulator.state.getInstance('waiting')!.pending = { instanceClass: 'db.t3.large' };
  t.same((await call('POST', '/apply-pending')).json, { started: ['waiting'] });
  t.equal(emulator.state.getInstance('waiting')?.status, 'modifying');
  t.same(
    (await call('POST', '/instances/waiting/apply-pending')).json,
    { started: [] },
    'nothing left pending',
  );
});

t.test('held responses can be released, and reset empties everything', async (t) => {
  const { emulator, rds, call } = await adminClient(t);
  await call('PUT', '/faults', { holdResponseAfter: 'DescribeDBInstances', latencyMs: 1 });
  const held = rds.send(new DescribeDBInstancesCommand({})).catch((error: Error) => error);
  while (!emulator.calls().recent.some((c) => c.held)) await new Promise((resolve) => setTimeout(resolve, 5));
  t.same((await call('POST', '/release-held')).json, { released: 1 });
  t.ok((await held) instanceof Error, 'the caller saw the connection drop');

  emulator.seedInstance({ DBInstanceIdentifier: 'leftover' });
  t.equal((await call('POST', '/reset')).status, 204);
  t.same((await call('GET', '/instances')).json, []);
  t.equal((await call('GET', '/faults')).json.latencyMs, 0);
  t.equal((await call('GET', '/calls')).json.total, 0);
  t.same((await call('GET', '/health')).json, { ok: true });
});
