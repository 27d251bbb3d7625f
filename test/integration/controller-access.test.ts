import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { Client } from 'pg';
import t from 'tap';
import { decodeSecretData } from '../../src/controller/connection-secret.js';
import { runCommand } from '../../src/dev/control-plane/run-command.js';
import { condition, type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';

// Issue 13, access check: the controller connects with each Secret's credentials to the real
// PostgreSQL server the emulator runs behind the instance, and says so in the condition Connectable.

const RESYNC_SECONDS = 2;
const CHANGED_PASSWORD = 'Changed-behind.the-back1';

let h: Harness;
let rds: RDSClient;

t.before(async () => {
  h = await startHarness({
    emulatorDelays: {
      servers: 'postgres',
      delays: { creating: 200, backingUp: 100, modifying: 200, deleting: 200 },
    },
  });
  h.config.accessCheck = { ...h.config.accessCheck, timeoutSeconds: 1 };
  // A short resync, so that a verdict is due again within the test (it is rechecked at the resync).
  await h.start({ resyncPeriodSeconds: RESYNC_SECONDS });
  rds = new RDSClient({ ...h.emulator.sdkConfig, maxAttempts: 1 });
});
t.teardown(async () => {
  rds?.destroy();
  await h?.stop();
});

async function connectable(name: string, status: 'True' | 'False', timeoutMs = 30_000) {
  return h.waitFor(
    `${name} Connectable=${status}`,
    async () => {
      const object = await h.get(name);
      return isReady(object) && condition(object, 'Connectable')?.status === status && object;
    },
    timeoutMs,
  );
}

async function secretData(name: string) {
  return decodeSecretData(await h.secret(name));
}

/** The server's data folder and its postmaster's pid, asked over the master user's connection. */
async function serverOf(data: Record<string, string>) {
  const client = new Client({
    host: data.host,
    port: Number(data.port),
    user: data.username,
    password: data.password,
    database: data.dbname,
    ssl: { ca: h.emulator.caPem },
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query('show data_directory');
    const folder = String(rows[0].data_directory);
    return {
      folder,
      postmaster: Number(readFileSync(join(folder, 'postmaster.pid'), 'utf8').split('\n')[0]),
    };
  } finally {
    await client.end();
  }
}

t.test("the Secret's uri connects with psql and runs select 1; Connectable is True", async (t) => {
  await h.apply([postgresDB('orders', { databaseName: 'orders' })]);
  const object = await connectable('orders', 'True');
  const data = await secretData('orders');
  t.equal(data.host, 'localhost');
  t.equal(object.status?.endpoint?.address, 'localhost');
  t.match(condition(object, 'Connectable'), {
    reason: 'Connected',
    message: `Connected to localhost:${data.port} as stow_admin (database orders, sslmode=require) with the Secret's credentials`,
    observedGeneration: object.metadata.generation,
  });
  const psql = await runCommand('psql', [data.uri!, '-tAc', 'select 1']);
  t.equal(psql.code, 0, psql.stderr);
  t.equal(psql.stdout.trim(), '1');
  t.equal(
    (await h.service('orders'))?.spec?.externalName,
    'localhost',
    'the Service points at the server too',
  );
});

t.test(
  'a password changed behind the operator: Connectable=False, AuthenticationFailed, no password shown',
  async (t) => {
    const object = await h.get('orders');
    const identifier = object!.status!.dbInstanceIdentifier!;
    const secretPassword = (await secretData('orders')).password!;
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: identifier,
        MasterUserPassword: CHANGED_PASSWORD,
        ApplyImmediately: true,
      }),
    );
    const failed = await connectable('orders', 'False');
    t.match(condition(failed, 'Connectable'), {
      reason: 'AuthenticationFailed',
      message:
        /refused the Secret's credentials for stow_admin: password authentication failed for user "stow_admin"/,
    });
    t.match(condition(failed, 'Ready'), { status: 'True' }, 'Ready speaks of RDS only');
    t.match(condition(failed, 'Synced'), { status: 'True' }, 'not a reconcile failure');
    // The Warning follows the status write: it is waited for.
    const events = await h.waitFor('the NotConnectable Event', async () => {
      const found = (await h.events()).filter((e) => e.involvedObject.name === 'orders');
      return found.some((e) => e.reason === 'NotConnectable') && found;
    });
    t.match(
      events.filter((e) => e.reason === 'NotConnectable'),
      [{ type: 'Warning', message: /^AuthenticationFailed: / }],
    );

    for (const password of [secretPassword, CHANGED_PASSWORD]) {
      t.notMatch(JSON.stringify(failed.status), password, 'not in status');
      t.notMatch(JSON.stringify(events), password, 'not in Events');
      t.notOk(
        h.logs.lines.some((line) => line.includes(password)),
        'not in a log line',
      );
    }

    // Put back as the Secret says: the next recheck reports it.
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: identifier,
        MasterUserPassword: secretPassword,
        ApplyImmediately: true,
      }),
    );
    t.match(condition(await connectable('orders', 'True'), 'Connectable'), { reason: 'Connected' });
  },
);

t.test('a database that does not answer: Timeout, rechecked at the resync, no requeue storm', async (t) => {
  const server = await serverOf(await secretData('orders'));
  process.kill(server.postmaster, 'SIGSTOP');
  t.teardown(() => process.kill(server.postmaster, 'SIGCONT'));
  const timedOut = await connectable('orders', 'False');
  t.match(condition(timedOut, 'Connectable'), {
    reason: 'Timeout',
    message: /No answer from localhost:\d+ within 1 s: the operator may have no network path/,
  });

  // The steady state while unreachable: the resync's own listing, rechecks in the background, no writes.
  await sleep(500);
  h.counter.reset();
  h.emulator.resetCalls();
  await sleep(3 * RESYNC_SECONDS * 1000);
  t.same(h.counter.writes, [], 'no Kubernetes write');
  const calls = h.emulator.calls();
  // The resyncs list instances (PostgresDB) and snapshots (PostgresDBSnapshot), nothing else.
  const instances = calls.byAction.DescribeDBInstances ?? 0;
  const snapshots = calls.byAction.DescribeDBSnapshots ?? 0;
  t.ok(
    instances <= 4 && snapshots <= 4 && calls.total === instances + snapshots,
    `only the resyncs' listings: ${JSON.stringify(calls.byAction)}`,
  );
  process.kill(server.postmaster, 'SIGCONT');
  await connectable('orders', 'True');
});

t.test('deleting the PostgresDB stops the server and removes its data', async (t) => {
  const data = await secretData('orders');
  const server = await serverOf(data);
  t.ok(existsSync(server.folder));
  await h.remove('orders');
  await h.waitFor('orders gone', async () => !(await h.get('orders')));
  await h.waitFor('the data folder gone', async () => !existsSync(join(server.folder, '..')));
  await h.waitFor('the server process gone', async () => {
    try {
      process.kill(server.postmaster, 0);
      return false;
    } catch {
      return true;
    }
  });
  const psql = await runCommand('psql', [data.uri!, '-tAc', 'select 1']);
  t.not(psql.code, 0, 'the uri leads nowhere now');
});
