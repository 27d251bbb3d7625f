import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { Client } from 'pg';
import t from 'tap';
import { makeDevCerts } from '../../src/dev/control-plane/certs.js';
import { runCommand } from '../../src/dev/control-plane/run-command.js';
import { type RdsEmulator, startRdsEmulator } from '../../src/dev/emulator/index.js';
import { checkPostgresAccess } from '../../src/engine/postgres-access.js';

// The emulator with a real PostgreSQL server behind every instance, driven over HTTP by the AWS SDK
// and reached by real clients (pg, psql): what issue 13 asks of the emulator.

const FIRST_PASSWORD = 'First-pass.word1';
const SECOND_PASSWORD = 'Second~pass.word2';

let emulator: RdsEmulator;
let rds: RDSClient;

t.before(async () => {
  emulator = await startRdsEmulator({
    servers: 'postgres',
    delays: { creating: 0, backingUp: 0, modifying: 100, deleting: 100 },
  });
  rds = new RDSClient({ ...emulator.sdkConfig, maxAttempts: 1 });
});
t.teardown(async () => {
  rds?.destroy();
  await emulator?.close();
});

async function describe(id: string) {
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  return DBInstances![0]!;
}

/** Polls until the status is no longer `creating`; returns the statuses seen and the instance. */
async function created(id: string) {
  const seen: string[] = [];
  for (;;) {
    const instance = await describe(id);
    seen.push(instance.DBInstanceStatus!);
    if (instance.DBInstanceStatus !== 'creating') return { seen, instance };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function available(id: string) {
  for (;;) {
    const instance = await describe(id);
    if (instance.DBInstanceStatus === 'available') return instance;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Login {
  port: number;
  user: string;
  password: string;
  database: string;
}

/** A pg client that verifies the server's certificate (chain and host name) against the emulator's CA. */
async function connect(login: Login, ca = emulator.caPem): Promise<Client> {
  const client = new Client({
    host: 'localhost',
    port: login.port,
    user: login.user,
    password: login.password,
    database: login.database,
    ssl: { ca },
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function query(login: Login, sql: string, ca?: string): Promise<Record<string, unknown>[]> {
  const client = await connect(login, ca);
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function loginError(login: Login, ca?: string): Promise<{ code?: string; message: string }> {
  try {
    await query(login, 'select 1', ca);
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('logged in');
}

function createInstance(id: string, extra: Record<string, unknown> = {}) {
  return rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      DBInstanceClass: 'db.t3.micro',
      Engine: 'postgres',
      AllocatedStorage: 20,
      MasterUsername: 'app_admin',
      MasterUserPassword: FIRST_PASSWORD,
      DBName: 'app',
      ...extra,
    }),
  );
}

let login: Login;

t.test('CreateDBInstance: creating until the server accepts connections, then its endpoint', async (t) => {
  await createInstance('orders');
  const { seen, instance } = await created('orders');
  t.ok(
    seen.length > 1 && seen.slice(0, -1).every((status) => status === 'creating'),
    `${seen.length - 1} times creating, then ${seen.at(-1)}`,
  );
  t.equal(instance.Endpoint?.Address, 'localhost');
  t.ok(instance.Endpoint?.Port && instance.Endpoint.Port !== 5432, 'a loopback port of its own');
  login = { port: instance.Endpoint!.Port!, user: 'app_admin', password: FIRST_PASSWORD, database: 'app' };
  // Right as it leaves `creating`, and with TLS verified against the emulator's CA.
  const [row] = await query(
    login,
    `select current_user as "user", current_database() as database, ssl
       from pg_stat_ssl where pid = pg_backend_pid()`,
  );
  t.same(row, { user: 'app_admin', database: 'app', ssl: true });
});

t.test(
  'the master user is set up as on RDS: not a superuser, rds_superuser, owner of its database',
  async (t) => {
    const [role] = await query(
      login,
      `select rolsuper, rolcreatedb, rolcreaterole, pg_has_role('app_admin', 'rds_superuser', 'member') as rds
       from pg_roles where rolname = current_user`,
    );
    t.same(role, { rolsuper: false, rolcreatedb: true, rolcreaterole: true, rds: true });
    const owners = await query(
      login,
      `select datname, pg_get_userbyid(datdba) as owner from pg_database
      where datname in ('app', 'postgres') order by datname`,
    );
    t.same(owners, [
      { datname: 'app', owner: 'app_admin' },
      { datname: 'postgres', owner: 'app_admin' },
    ]);
    await query(login, 'create table t (id int); insert into t values (1); drop table t');
  },
);

t.test('psql reaches it with a URI as the Secret writes it (sslmode=require)', async (t) => {
  const uri = `postgresql://app_admin:${encodeURIComponent(FIRST_PASSWORD)}@localhost:${login.port}/app?sslmode=require`;
  const result = await runCommand('psql', [uri, '-tAc', 'select 1']);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout.trim(), '1');
});

t.test('names reach the server as quoted identifiers: case and reserved words are kept', async (t) => {
  await createInstance('quoted', { MasterUsername: 'Order', DBName: 'Select' });
  const instance = await available('quoted');
  const rows = await query(
    { port: instance.Endpoint!.Port!, user: 'Order', password: FIRST_PASSWORD, database: 'Select' },
    'select current_user as "user", current_database() as database',
  );
  t.same(rows, [{ user: 'Order', database: 'Select' }]);
  await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'quoted', SkipFinalSnapshot: true }));
});

t.test('the access check against the server: credentials, database, TLS verification', async (t) => {
  const target = {
    address: 'localhost',
    port: login.port,
    username: 'app_admin',
    password: FIRST_PASSWORD,
    databaseName: 'app',
    sslmode: 'require' as const,
  };
  t.same(await checkPostgresAccess(target, { timeoutMs: 5000 }), { connectable: true });
  t.same(
    await checkPostgresAccess(
      { ...target, sslmode: 'verify-full' },
      { timeoutMs: 5000, caBundle: emulator.caPem },
    ),
    { connectable: true },
    'verified against the CA that signed the certificate',
  );
  const foreignCa = (await makeDevCerts(t.testdir())).caPem;
  t.match(await checkPostgresAccess(target, { timeoutMs: 5000, caBundle: foreignCa }), {
    connectable: false,
    reason: 'TLSError',
  });
  const wrong = await checkPostgresAccess({ ...target, password: SECOND_PASSWORD }, { timeoutMs: 5000 });
  t.match(wrong, {
    connectable: false,
    reason: 'AuthenticationFailed',
    detail: /password authentication failed/,
  });
  t.notMatch(JSON.stringify(wrong), SECOND_PASSWORD);
  t.notMatch(JSON.stringify(wrong), FIRST_PASSWORD);
  t.match(await checkPostgresAccess({ ...target, databaseName: 'nope' }, { timeoutMs: 5000 }), {
    connectable: false,
    reason: 'DatabaseNotFound',
  });
});

t.test(
  'ModifyDBInstance MasterUserPassword: the old password stops working, the new one works',
  async (t) => {
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'orders',
        MasterUserPassword: SECOND_PASSWORD,
        ApplyImmediately: true,
      }),
    );
    t.equal((await describe('orders')).DBInstanceStatus, 'resetting-master-credentials');
    await available('orders');
    const refused = await loginError(login);
    t.equal(refused.code, '28P01', refused.message);
    t.notMatch(refused.message, FIRST_PASSWORD);
    const [row] = await query({ ...login, password: SECOND_PASSWORD }, 'select 1 as one');
    t.same(row, { one: 1 });
    const serverLog = readFileSync(join(await dataDirectory(SECOND_PASSWORD), '..', 'server.log'), 'utf8');
    t.notMatch(serverLog, SECOND_PASSWORD, 'the server never saw the password in clear');
    t.notMatch(serverLog, FIRST_PASSWORD);
  },
);

async function dataDirectory(password: string): Promise<string> {
  const [row] = await query({ ...login, password }, 'show data_directory');
  return String(row!.data_directory);
}

t.test('DeleteDBInstance stops the server and removes its data', async (t) => {
  const data = await dataDirectory(SECOND_PASSWORD);
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  t.ok(existsSync(data));
  await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders', SkipFinalSnapshot: true }));
  for (;;) {
    const gone = await describe('orders').then(
      () => false,
      () => true,
    );
    if (gone && !existsSync(join(data, '..'))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.throws(() => process.kill(postmaster, 0), { code: 'ESRCH' }, 'the server process is gone');
  const refused = await loginError({ ...login, password: SECOND_PASSWORD });
  t.match(refused.message, /ECONNREFUSED/);
});

t.test('close() stops every server and removes their folder', async (t) => {
  const other = await startRdsEmulator({ servers: 'postgres', delays: { creating: 0, backingUp: 0 } });
  const client = new RDSClient({ ...other.sdkConfig, maxAttempts: 1 });
  t.teardown(async () => {
    client.destroy();
    await other.close();
  });
  await client.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'left-running',
      DBInstanceClass: 'db.t3.micro',
      Engine: 'postgres',
      AllocatedStorage: 20,
      MasterUsername: 'app_admin',
      MasterUserPassword: FIRST_PASSWORD,
    }),
  );
  let port: number | undefined;
  while (!port) {
    const { DBInstances } = await client.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'left-running' }),
    );
    port = DBInstances![0]!.DBInstanceStatus === 'creating' ? undefined : DBInstances![0]!.Endpoint?.Port;
  }
  const leftRunning = { port, user: 'app_admin', password: FIRST_PASSWORD, database: 'postgres' };
  const [row] = await query(leftRunning, 'show data_directory', other.caPem);
  const folder = join(String(row!.data_directory), '..', '..');
  await other.close();
  t.notOk(existsSync(folder), 'the emulator folder is gone');
  const refused = await loginError(leftRunning, other.caPem);
  t.match(refused.message, /ECONNREFUSED/);
});
