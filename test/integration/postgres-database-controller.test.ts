// Issue 13, PostgresDatabase: the controller against the real API server and the emulator with a real
// PostgreSQL server behind the instance. One instance in namespace `databases`, shared by a policy
// with the namespaces labelled tenant=true; teams a and b place databases on it.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import t from 'tap';
import { POSTGRES_DATABASES, type PostgresDatabase } from '../../src/api/postgres-database.js';
import { decodeSecretData } from '../../src/controller/connection-secret.js';
import { PENDING_PASSWORD_KEY } from '../../src/controller/password-rotation.js';
import { LABEL_DATABASE } from '../../src/controller/postgres-database/roles.js';
import type { RunningController } from '../../src/controller/index.js';
import { type CoreEvent, EVENTS, type List, SECRETS } from '../../src/kube/types.js';
import { pathOf } from '../../src/kube/paths.js';
import { type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';
import { applyObjects, kubectlOrThrow } from '../support/kubectl.js';
import { type SecretWriteFault, startSecretWriteFault } from '../support/secret-write-fault.js';

let h: Harness;
let controller: RunningController;

const INSTANCE = { namespace: 'databases', name: 'shared' };
const SHARING_POLICY = {
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDBPolicy',
  metadata: { name: 'shared-databases' },
  spec: {
    namespaceSelector: { matchLabels: { 'stow-test/role': 'databases' } },
    sharing: { namespaceSelector: { matchLabels: { tenant: 'true' } }, extensions: ['pgcrypto'] },
  },
};

function pgDatabase(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) {
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDatabase',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { instanceRef: INSTANCE, ...spec },
  };
}

t.before(async () => {
  h = await startHarness({
    emulatorDelays: {
      servers: 'postgres',
      delays: { creating: 200, backingUp: 100, modifying: 300, deleting: 200 },
    },
  });
  for (const [namespace, label] of [
    ['databases', 'stow-test/role=databases'],
    ['team-a', 'tenant=true'],
    ['team-b', 'tenant=true'],
  ] as const) {
    await kubectl(['create', 'namespace', namespace]);
    await kubectl(['label', 'namespace', namespace, label]);
  }
  await applyIn('databases', [SHARING_POLICY]);
  controller = await h.start();
});
t.teardown(() => h?.stop());

const kubectl = (args: string[], input?: string) => kubectlOrThrow(h.cp, args, input);

const applyIn = (namespace: string, objects: unknown[]) => applyObjects(h.cp, objects, namespace);

const getDatabase = (namespace: string, name: string) => h.kube.get(POSTGRES_DATABASES, { namespace, name });

const condition = (object: PostgresDatabase | undefined, type: string) =>
  object?.status?.conditions?.find((c) => c.type === type);

async function readyDatabase(namespace: string, name: string, timeoutMs = 60_000) {
  return h.waitFor(
    `${namespace}/${name} Ready`,
    async () => {
      const object = await getDatabase(namespace, name);
      return condition(object, 'Ready')?.status === 'True' && object;
    },
    timeoutMs,
  );
}

async function secretData(namespace: string, name: string) {
  return decodeSecretData(await h.kube.get(SECRETS, { namespace, name }));
}

type Login = { user: string; password: string; database: string; host: string; port: number };

const loginOf = (data: Record<string, string>): Login => ({
  user: data.username!,
  password: data.password!,
  database: data.dbname!,
  host: data.host!,
  port: Number(data.port),
});

/** A client as a workload would connect with the Secret's keys, verifying the emulator's CA. */
async function connect(login: Login): Promise<pg.Client> {
  const client = new pg.Client({ ...login, ssl: { ca: h.emulator.caPem } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** 'ok' with the rows, or the error's message. */
async function attempt(login: Login, sql: string): Promise<string> {
  let client: pg.Client | undefined;
  try {
    client = await connect(login);
    const result = await client.query(sql);
    return `ok ${JSON.stringify(result.rows)}`;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client?.end().catch(() => undefined);
  }
}

async function masterLogin(): Promise<Login> {
  const object = await h.get(INSTANCE.name, INSTANCE.namespace);
  return loginOf(await secretData(INSTANCE.namespace, object!.status!.secretName!));
}

/** Asked over the master user's connection: which databases and roles exist of these names. */
async function present(names: { databases?: string[]; roles?: string[] }) {
  const client = await connect(await masterLogin());
  try {
    const databases = await client.query(
      'select datname from pg_database where datname = any($1) order by 1',
      [names.databases ?? []],
    );
    const roles = await client.query('select rolname from pg_roles where rolname = any($1) order by 1', [
      names.roles ?? [],
    ]);
    return {
      databases: databases.rows.map((row) => row.datname),
      roles: roles.rows.map((row) => row.rolname),
    };
  } finally {
    await client.end();
  }
}

async function events(namespace: string, name: string): Promise<CoreEvent[]> {
  const list = await h.client.request<List<CoreEvent>>('GET', pathOf(EVENTS, namespace));
  return list.items.filter((event) => event.involvedObject.name === name);
}

const seenPasswords = new Set<string>();
function remember(...data: Array<Record<string, string>>) {
  for (const entry of data)
    for (const key of ['password', PENDING_PASSWORD_KEY]) if (entry[key]) seenPasswords.add(entry[key]);
}

t.test(
  'a database on a shared instance waits for the instance, then gets its roles and Secrets',
  async (t) => {
    await applyIn('team-a', [
      pgDatabase('orders', {
        users: [
          { name: 'orders_app', access: 'readWrite' },
          { name: 'orders_reports', access: 'readOnly' },
        ],
        extensions: [{ name: 'pgcrypto' }],
        deletionPolicy: 'Drop',
      }),
    ]);
    const waiting = await h.waitFor('orders waiting for its instance', async () => {
      const object = await getDatabase('team-a', 'orders');
      return condition(object, 'Ready')?.reason === 'PostgresDBNotFound' && object;
    });
    t.match(condition(waiting, 'Ready'), {
      status: 'False',
      message: 'PostgresDB databases/shared does not exist',
    });
    t.match(condition(waiting, 'Synced'), { status: 'True' }, 'a state, not a failure');
    t.equal(waiting.status?.phase, 'Pending');

    await applyIn('databases', [postgresDB('shared', { databaseName: 'shared' })]);
    await h.waitFor('the instance Ready', async () => isReady(await h.get('shared', 'databases')));
    const ready = await readyDatabase('team-a', 'orders');
    t.match(ready.status, {
      phase: 'Available',
      instance: INSTANCE,
      databaseName: 'orders',
      owner: 'orders',
      secretName: 'orders',
      users: [
        { name: 'orders_app', secretName: 'orders-orders-app' },
        { name: 'orders_reports', secretName: 'orders-orders-reports' },
      ],
    });
    t.match(condition(ready, 'Ready'), { reason: 'DatabaseReady' });
    t.ok(ready.metadata.finalizers?.includes('stow.dev/finalizer'));

    const secret = await h.kube.get(SECRETS, { namespace: 'team-a', name: 'orders' });
    t.match(secret?.metadata, {
      labels: { 'app.kubernetes.io/managed-by': 'stow', [LABEL_DATABASE]: 'orders' },
      ownerReferences: [{ kind: 'PostgresDatabase', name: 'orders', controller: true }],
    });
    const owner = decodeSecretData(secret);
    t.same(Object.keys(owner).sort(), [
      'DB_HOST',
      'DB_NAME',
      'DB_PASSWORD',
      'DB_PORT',
      'DB_USER',
      'dbname',
      'host',
      'jdbc-uri',
      'password',
      'pgpass',
      'port',
      'uri',
      'username',
    ]);
    t.match(owner, { username: 'orders', dbname: 'orders', host: 'localhost', DB_USER: 'orders' });
    t.match(owner.uri, /^postgresql:\/\/orders:[^@]+@localhost:\d+\/orders\?sslmode=require$/);
    remember(
      owner,
      await secretData('team-a', 'orders-orders-app'),
      await secretData('team-a', 'orders-orders-reports'),
    );
    // The Ready Event follows the status write that made the database Ready: it is waited for.
    const reasons = await h.waitFor('the Ready Event', async () => {
      const found = (await events('team-a', 'orders')).map((event) => event.reason);
      return found.includes('Ready') && found;
    });
    t.ok(reasons.includes('Created'), `Events: ${reasons.join(', ')}`);
    t.notOk(
      reasons.some((reason) => reason.startsWith('PostgresDB')),
      'no Event while it waited',
    );
  },
);

t.test('with the Secrets, a client writes and reads; readOnly reads and cannot write', async (t) => {
  const owner = loginOf(await secretData('team-a', 'orders'));
  const app = loginOf(await secretData('team-a', 'orders-orders-app'));
  const reports = loginOf(await secretData('team-a', 'orders-orders-reports'));
  t.match(await attempt(owner, 'create table items (id serial primary key, name text)'), /^ok/);
  t.match(await attempt(owner, "insert into items (name) values ('by the owner')"), /^ok/);
  t.match(await attempt(app, "insert into items (name) values ('by the app')"), /^ok/);
  t.equal(
    await attempt(app, 'select name from items order by id'),
    'ok [{"name":"by the owner"},{"name":"by the app"}]',
  );
  t.match(await attempt(app, 'create table mine (id int)'), /permission denied for schema public/);
  t.equal(await attempt(reports, 'select count(*)::int as n from items'), 'ok [{"n":2}]');
  t.match(
    await attempt(reports, "insert into items (name) values ('no')"),
    /permission denied for table items/,
  );
  t.match(
    await attempt(owner, "select count(*)::int as n from pg_extension where extname = 'pgcrypto'"),
    'ok [{"n":1}]',
    'the extension is there',
  );
});

t.test("one team cannot reach another team's database", async (t) => {
  await applyIn('team-b', [pgDatabase('payments', {})]);
  await readyDatabase('team-b', 'payments');
  const payments = loginOf(await secretData('team-b', 'payments'));
  const orders = loginOf(await secretData('team-a', 'orders'));
  remember(await secretData('team-b', 'payments'));
  t.match(await attempt(payments, 'create table ledger (amount int)'), /^ok/);
  t.match(
    await attempt({ ...orders, database: 'payments' }, 'select * from ledger'),
    /permission denied for database "payments"/,
  );
  t.match(
    await attempt({ ...payments, database: 'orders' }, 'select * from items'),
    /permission denied for database "orders"/,
  );
  t.match(
    await attempt(
      { ...loginOf(await secretData('team-a', 'orders-orders-reports')), database: 'payments' },
      'select 1',
    ),
    /permission denied for database "payments"/,
  );
});

async function rotate(namespace: string, name: string, value: string) {
  await kubectl([
    'annotate',
    'postgresdatabase',
    name,
    '-n',
    namespace,
    `stow.dev/rotate-password=${value}`,
    '--overwrite',
  ]);
}

t.test('rotation on request: the old password fails, the new one works, an Event says so', async (t) => {
  const before = await secretData('team-a', 'orders-orders-app');
  const ownerBefore = await secretData('team-a', 'orders');
  await rotate('team-a', 'orders', '2026-01-01T00:00:00Z');
  const after = await h.waitFor('new passwords in the Secrets', async () => {
    const app = await secretData('team-a', 'orders-orders-app');
    const owner = await secretData('team-a', 'orders');
    return (
      app.password !== before.password &&
      owner.password !== ownerBefore.password &&
      !app[PENDING_PASSWORD_KEY] &&
      app
    );
  });
  remember(after, await secretData('team-a', 'orders'));
  t.match(await attempt(loginOf(before), 'select 1'), /password authentication failed for user "orders_app"/);
  t.match(await attempt(loginOf(after), 'select count(*)::int as n from items'), /^ok/);
  t.match(after.uri, new RegExp(`:${after.password}@`), 'every key carries the new password');
  t.equal(after.DB_PASSWORD, after.password);
  const secret = await h.kube.get(SECRETS, { namespace: 'team-a', name: 'orders-orders-app' });
  t.equal(secret?.metadata.annotations?.['stow.dev/password-rotation-request'], '2026-01-01T00:00:00Z');
  // Each Event follows its Secret's write: they are waited for, and then no more come.
  await h.waitFor(
    'the PasswordRotated Events',
    async () =>
      (await events('team-a', 'orders')).filter((event) => event.reason === 'PasswordRotated').length >= 3,
  );
  const rotated = (await events('team-a', 'orders')).filter((event) => event.reason === 'PasswordRotated');
  t.equal(rotated.length, 3, 'one Event per role');
  t.match(rotated[0]?.message, /as stow.dev\/rotate-password asked/);

  await h.waitFor(
    'the reconcile done',
    async () => condition(await getDatabase('team-a', 'orders'), 'Synced')?.status === 'True',
  );
  const again = await secretData('team-a', 'orders-orders-app');
  t.equal(again.password, after.password, 'the same request does not rotate again');

  await controller.waitIdle();
  h.counter.reset();
  await kubectl(['annotate', 'postgresdatabase', 'orders', '-n', 'team-a', 'example.com/touched=1']);
  await sleep(500);
  await controller.waitIdle();
  t.same(
    h.counter.writes.filter((write) => write.includes('/namespaces/team-a/')),
    [],
    'a reconcile of a database in place writes nothing',
  );
});

t.test('a failure between setting the password and promoting it leaves a working pair', async (t) => {
  const fault: SecretWriteFault = await startSecretWriteFault(h.cp, LABEL_DATABASE, 'team-a');
  t.teardown(() => fault.stop());
  const pendingOf = (data: Record<string, string> | undefined) =>
    data?.[PENDING_PASSWORD_KEY] === undefined
      ? undefined
      : Buffer.from(data[PENDING_PASSWORD_KEY], 'base64').toString();

  // Before the database changes: the pending password cannot even be written. Nothing changes.
  const before = await secretData('team-a', 'orders-orders-app');
  fault.refuse = (write) => write.name === 'orders-orders-app' && pendingOf(write.after) !== undefined;
  await rotate('team-a', 'orders', 'fault-before');
  await h.waitFor('the first write refused', async () => fault.refused.length > 0);
  await h.waitFor(
    'Synced False',
    async () => condition(await getDatabase('team-a', 'orders'), 'Synced')?.status === 'False',
  );
  t.match(await attempt(loginOf(before), 'select 1'), /^ok/, 'the old password still works');
  t.notOk((await secretData('team-a', 'orders-orders-app'))[PENDING_PASSWORD_KEY]);

  // Between the steps: the database has the new password, the Secret cannot be told.
  fault.refused = [];
  fault.refuse = (write) =>
    write.name === 'orders-orders-app' &&
    pendingOf(write.before) !== undefined &&
    pendingOf(write.after) === undefined;
  await h.waitFor('the promotion refused', async () => fault.refused.length > 0);
  const stuck = await secretData('team-a', 'orders-orders-app');
  remember(stuck);
  t.equal(stuck.password, before.password, 'the Secret still names the old password');
  t.ok(stuck[PENDING_PASSWORD_KEY], 'and holds the new one');
  t.match(
    await attempt({ ...loginOf(stuck), password: stuck[PENDING_PASSWORD_KEY]! }, 'select 1'),
    /^ok/,
    'the pending password works: the Secret holds a working pair',
  );
  t.match(await attempt(loginOf(stuck), 'select 1'), /password authentication failed/);
  const object = await getDatabase('team-a', 'orders');
  t.match(condition(object, 'Synced'), { status: 'False', reason: 'KubernetesError' });

  // The fault lifted: the next attempt promotes the same password.
  fault.refuse = undefined;
  const done = await h.waitFor('promoted', async () => {
    const data = await secretData('team-a', 'orders-orders-app');
    return !data[PENDING_PASSWORD_KEY] && data.password === stuck[PENDING_PASSWORD_KEY] && data;
  });
  t.match(await attempt(loginOf(done), 'select 1'), /^ok/);
  await readyDatabase('team-a', 'orders');
});

t.test(
  'the master password rotates through RDS, also when the call is cut off after RDS took it',
  async (t) => {
    const secretName = (await h.get('shared', 'databases'))!.status!.secretName!;
    const before = await secretData('databases', secretName);
    await h.patch('shared', { metadata: { annotations: { 'stow.dev/rotate-password': 'm1' } } }, 'databases');
    const after = await h.waitFor('a new master password', async () => {
      const data = await secretData('databases', secretName);
      return data.password !== before.password && !data[PENDING_PASSWORD_KEY] && data;
    });
    remember(before, after);
    t.match(await attempt(loginOf(before), 'select 1'), /password authentication failed/);
    t.match(await attempt(loginOf(after), 'select 1'), /^ok/);
    // The Event follows the Secret's write.
    t.ok(
      await h.waitFor('the PasswordRotated Event', async () =>
        (await events('databases', 'shared')).some((event) => event.reason === 'PasswordRotated'),
      ),
    );

    // ModifyDBInstance takes effect and is never answered; the controller is then stopped mid-call.
    h.emulator.setFaults({ holdResponseAfter: 'ModifyDBInstance' });
    await h.patch('shared', { metadata: { annotations: { 'stow.dev/rotate-password': 'm2' } } }, 'databases');
    const identifier = (await h.get('shared', 'databases'))!.status!.dbInstanceIdentifier!;
    const stuck = await h.waitFor('RDS has the new password, the Secret pending', async () => {
      const data = await secretData('databases', secretName);
      const instance = h.emulator.state.getInstance(identifier);
      return (
        data[PENDING_PASSWORD_KEY] !== undefined &&
        instance?.status === 'available' &&
        instance.masterUserPassword === data[PENDING_PASSWORD_KEY] &&
        data
      );
    });
    remember(stuck);
    t.equal(stuck.password, after.password, 'the Secret still names the old password');
    t.match(
      await attempt({ ...loginOf(stuck), password: stuck[PENDING_PASSWORD_KEY]! }, 'select 1'),
      /^ok/,
      'the pending one works',
    );
    await controller.stop();
    h.emulator.releaseHeldResponses();
    controller = await h.start();
    const done = await h.waitFor('promoted by the next leader', async () => {
      const data = await secretData('databases', secretName);
      return !data[PENDING_PASSWORD_KEY] && data.password === stuck[PENDING_PASSWORD_KEY] && data;
    });
    t.match(await attempt(loginOf(done), 'select 1'), /^ok/);
    t.match(await attempt(loginOf(after), 'select 1'), /password authentication failed/);

    // The databases on the instance keep working with the master's new password.
    await rotate('team-b', 'payments', 'after-master');
    await h.waitFor('payments rotated', async () => {
      const secret = await h.kube.get(SECRETS, { namespace: 'team-b', name: 'payments' });
      return secret?.metadata.annotations?.['stow.dev/password-rotation-request'] === 'after-master';
    });
    remember(await secretData('team-b', 'payments'));
  },
);

t.test('a lost Secret is written again with a new password that works', async (t) => {
  await kubectl(['delete', 'secret', 'orders-orders-reports', '-n', 'team-a']);
  const data = await h.waitFor('the Secret back', async () => {
    const found = await secretData('team-a', 'orders-orders-reports');
    return found.password !== undefined && !found[PENDING_PASSWORD_KEY] && found;
  });
  remember(data);
  t.match(await attempt(loginOf(data), 'select count(*)::int as n from items'), /^ok/);
});

t.test('a user removed from the spec: its role is dropped, what it owned goes to the owner', async (t) => {
  await kubectl([
    'patch',
    'postgresdatabase',
    'orders',
    '-n',
    'team-a',
    '--type=json',
    '-p',
    JSON.stringify([{ op: 'remove', path: '/spec/users/1' }]),
  ]);
  await h.waitFor(
    'the role dropped',
    async () => (await present({ roles: ['orders_reports'] })).roles.length === 0,
  );
  const object = await readyDatabase('team-a', 'orders');
  t.same(object.status?.users, [{ name: 'orders_app', secretName: 'orders-orders-app' }]);
  t.ok((await events('team-a', 'orders')).some((event) => event.reason === 'UserRemoved'));
});

t.test('a withdrawn sharing grant is reported; nothing is dropped', async (t) => {
  await kubectl(['delete', 'postgresdbpolicy', 'shared-databases']);
  await rotate('team-b', 'payments', 'no-grant');
  const waiting = await h.waitFor('SharingNotGranted', async () => {
    const object = await getDatabase('team-b', 'payments');
    return condition(object, 'Ready')?.reason === 'SharingNotGranted' && object;
  });
  t.match(condition(waiting, 'Ready'), {
    status: 'False',
    message: /No PostgresDBPolicy shares PostgresDB databases\/shared with namespace team-b/,
  });
  t.same((await present({ databases: ['payments'] })).databases, ['payments'], 'the database is still there');
  await applyIn('databases', [SHARING_POLICY]);
});

t.test('hostile names with the webhook bypassed: refused by the controller, no SQL runs', async (t) => {
  const admin = await connect(await masterLogin());
  t.teardown(() => admin.end());
  await admin.query('create table if not exists sentinel (id int)');
  await applyIn('team-a', [
    pgDatabase('hostile', {
      databaseName: 'x"; drop table sentinel; --',
      owner: "o'; drop role stow_admin; --",
    }),
  ]);
  const refused = await h.waitFor('InvalidSpec', async () => {
    const object = await getDatabase('team-a', 'hostile');
    return condition(object, 'Synced')?.reason === 'InvalidSpec' && object;
  });
  t.match(condition(refused, 'Synced')?.message, /spec\.databaseName/);
  t.same(
    (await admin.query('select count(*)::int as n from sentinel')).rows,
    [{ n: 0 }],
    'the sentinel table is there',
  );
  t.same(
    await present({
      databases: ['x"; drop table sentinel; --'],
      roles: ["o'; drop role stow_admin; --", 'stow_admin'],
    }),
    { databases: [], roles: ['stow_admin'] },
  );
  await kubectl(['delete', 'postgresdatabase', 'hostile', '-n', 'team-a', '--wait=false']);
});

t.test('Drop removes the database and its roles; Retain keeps them', async (t) => {
  await kubectl(['delete', 'postgresdatabase', 'orders', '-n', 'team-a', '--wait=false']);
  await kubectl(['delete', 'postgresdatabase', 'payments', '-n', 'team-b', '--wait=false']);
  await h.waitFor(
    'both gone',
    async () => !(await getDatabase('team-a', 'orders')) && !(await getDatabase('team-b', 'payments')),
  );
  t.same(await present({ databases: ['orders', 'payments'], roles: ['orders', 'orders_app', 'payments'] }), {
    databases: ['payments'],
    roles: ['payments'],
  });
  t.ok((await events('team-a', 'orders')).some((event) => event.reason === 'Dropped'));
  t.ok((await events('team-b', 'payments')).some((event) => event.reason === 'Retained'));

  await h.waitFor(
    'its Secret collected',
    async () => !(await h.kube.get(SECRETS, { namespace: 'team-b', name: 'payments' })),
  );
  await applyIn('team-b', [pgDatabase('payments', {})]);
  const back = await readyDatabase('team-b', 'payments');
  t.equal(back.status?.phase, 'Available', 'a retained database is picked up again by the same resource');
  remember(await secretData('team-b', 'payments'));
  t.match(
    await attempt(loginOf(await secretData('team-b', 'payments')), 'select count(*)::int as n from ledger'),
    /^ok/,
  );
});

t.test('no password in any log line, Event or status', async (t) => {
  t.ok(seenPasswords.size >= 10, `${seenPasswords.size} passwords seen`);
  const everything = [
    ...(await events('team-a', 'orders')),
    ...(await events('team-b', 'payments')),
    ...(await events('databases', 'shared')),
  ];
  const statuses = JSON.stringify([
    await getDatabase('team-b', 'payments'),
    await h.get('shared', 'databases'),
  ]);
  for (const password of seenPasswords) {
    t.notOk(
      h.logs.lines.some((line) => line.includes(password)),
      'not in a log line',
    );
    t.notMatch(JSON.stringify(everything), password, 'not in an Event');
    t.notMatch(statuses, password, 'not in status');
  }
});
