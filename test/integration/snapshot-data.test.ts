import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import { Client } from 'pg';
import t from 'tap';
import { buildInstance } from '../../src/dev/emulator/actions/create-db-instance.js';
import { manualSnapshotOf } from '../../src/dev/emulator/backups.js';
import { type DbInstance, type RdsEmulator, startRdsEmulator } from '../../src/dev/emulator/index.js';
import { PostgresInstanceServers } from '../../src/dev/emulator/instance-servers.js';
import { QueryParams } from '../../src/dev/emulator/query-params.js';
import { toQueryEntries } from '../../src/dev/emulator/query-entries.js';
import { ServerData } from '../../src/dev/emulator/server-data.js';
import { EmulatorState } from '../../src/dev/emulator/state.js';

// The data behind snapshots and restores with a real PostgreSQL server behind each instance: first the
// hook itself (ServerData over the servers), then through the emulator's Query API with the AWS SDK.

const PASSWORD = 'Source-pass.word1';
/** CreateDBInstance's input for every instance here. */
const createInput = (identifier: string) => ({
  DBInstanceIdentifier: identifier,
  DBInstanceClass: 'db.t3.micro',
  Engine: 'postgres',
  AllocatedStorage: 20,
  MasterUsername: 'app_admin',
  MasterUserPassword: PASSWORD,
  DBName: 'app',
});
const COPY_INTERVAL_MS = 150;

interface Endpoint {
  port: number;
  user: string;
  password: string;
  database: string;
}

async function withClient<T>(login: Endpoint, ca: string | undefined, use: (c: Client) => Promise<T>) {
  const client = new Client({
    host: 'localhost',
    ...login,
    ssl: ca ? { ca } : { rejectUnauthorized: false },
  });
  client.on('error', () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const ids = (login: Endpoint, ca?: string) =>
  withClient(login, ca, async (client) =>
    (await client.query('SELECT id FROM items ORDER BY id')).rows.map((row) => Number(row.id)),
  );

const insert = (login: Endpoint, count: number, ca?: string) =>
  withClient(login, ca, async (client) => {
    for (let i = 0; i < count; i++) await client.query('INSERT INTO items DEFAULT VALUES');
  });

/** Kills the server's postmaster as a crash would: its data folder is what PostgreSQL itself reports. */
async function crashServer(login: Endpoint, ca?: string) {
  const dataDir = await withClient(
    login,
    ca,
    async (client) => (await client.query('SHOW data_directory')).rows[0].data_directory as string,
  );
  const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  process.kill(pid, 'SIGKILL');
}

async function timed<T>(work: Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work;
  return [value, Math.round(performance.now() - started)];
}

t.test('the hook: copies, restores, points in time, retained backups, discards, failures', async (t) => {
  const servers = await PostgresInstanceServers.prepare();
  const data = new ServerData(servers, { copyIntervalMs: COPY_INTERVAL_MS, keepCopies: 4 });
  t.teardown(async () => {
    await data.close();
    await servers.close();
  });
  const state = new EmulatorState('us-east-1', '123456789012');
  const instance = (identifier: string): DbInstance =>
    buildInstance(new QueryParams(toQueryEntries(createInput(identifier))), state);
  const loginOf = (of: DbInstance, password = PASSWORD): Endpoint => ({
    port: servers.endpointOf(of)!.port,
    user: 'app_admin',
    password,
    database: 'app',
  });

  /** A new instance restored from `of`'s copies as of `time` ('latest': the latest restorable time). */
  async function restoredAt(identifier: string, of: DbInstance, time: Date | 'latest') {
    const restored = instance(identifier);
    const latest = time === 'latest';
    const at = latest ? new Date() : time;
    await data.restore(restored, {
      kind: 'pointInTime',
      instanceResourceId: of.resourceId,
      time: at,
      latest,
    });
    return restored;
  }

  const source = instance('source');
  const [, createMs] = await timed(servers.start(source));
  const login = loginOf(source);
  await withClient(login, servers.caPem, (c) => c.query('CREATE TABLE items (id serial PRIMARY KEY)'));
  await insert(login, 3);

  const snapshot = manualSnapshotOf(source, 'three', state);
  const [, copyMs] = await timed(data.snapshot(source, snapshot));
  await insert(login, 2);
  const fromSnapshot = instance('from-snapshot');
  const [, restoreMs] = await timed(data.restore(fromSnapshot, { kind: 'snapshot', snapshot }));
  t.comment(
    `new server ${createMs} ms, snapshot copy ${copyMs} ms, restore (copy and start) ${restoreMs} ms`,
  );
  t.same(await ids(loginOf(fromSnapshot), servers.caPem), [1, 2, 3], 'the rows as the snapshot was taken');
  t.same(await ids(login), [1, 2, 3, 4, 5], 'the source goes on');
  await servers.setMasterPassword(fromSnapshot, 'Reset-pass.word2');
  t.same(await ids(loginOf(fromSnapshot, 'Reset-pass.word2')), [1, 2, 3], 'the copy takes a new password');
  await t.rejects(ids(loginOf(fromSnapshot)), { code: '28P01' }, 'and refuses the old one');

  // Copies follow the writes within a few seconds, even on a loaded machine.
  await sleep(20 * COPY_INTERVAL_MS);
  const afterFive = new Date();
  await insert(login, 1);
  const atTime = await restoredAt('at-time', source, afterFive);
  t.same(await ids(loginOf(atTime)), [1, 2, 3, 4, 5], 'a time: the latest copy at or before it');
  const latest = await restoredAt('latest', source, 'latest');
  t.same(await ids(loginOf(latest)), [1, 2, 3, 4, 5, 6], 'latest: a copy taken when asked');
  const asCreated = await restoredAt('as-created', source, new Date(0));
  await t.rejects(
    ids(loginOf(asCreated)),
    { code: '42P01' },
    'before the first copy: the instance as it was created, without the table',
  );

  // A restored instance's own history starts with the data it was restored from.
  const ofRestored = await restoredAt('of-restored', fromSnapshot, new Date());
  // Its master password is the restored instance's (the source's, as the emulator records it).
  t.same(await ids(loginOf(ofRestored)), [1, 2, 3], 'the restored data is its first copy');

  // Deleted with its automated backups retained: a last copy, which `latest` brings back.
  await insert(login, 1);
  await data.release(source, true);
  await servers.stop(source);
  const retained = await restoredAt('retained', source, 'latest');
  t.same(await ids(loginOf(retained)), [1, 2, 3, 4, 5, 6, 7], 'retained backups: the state at deletion');

  await data.discard(snapshot);
  await t.rejects(
    data.restore(instance('too-late'), { kind: 'snapshot', snapshot }),
    /snapshot three holds no copy of any data \(it was deleted\)/,
    'a discarded copy restores nothing',
  );
  t.same(await ids(loginOf(fromSnapshot, 'Reset-pass.word2')), [1, 2, 3], 'what was restored from it stays');

  const crashed = instance('crashed');
  await servers.start(crashed);
  await crashServer(loginOf(crashed), servers.caPem);
  await t.rejects(
    data.snapshot(crashed, manualSnapshotOf(crashed, 'of-crashed', state)),
    /pg_basebackup/,
    'a copy of a crashed server fails',
  );
  await t.rejects(
    data.snapshot(instance('serverless'), snapshot),
    /has no PostgreSQL server/,
    'an instance without a server has nothing to copy',
  );
});

t.test('through the Query API: final snapshots, retained backups, a failed copy', async (t) => {
  const emulator: RdsEmulator = await startRdsEmulator({
    servers: 'postgres',
    copyIntervalMs: COPY_INTERVAL_MS,
    delays: { creating: 0, backingUp: 0, modifying: 50, deleting: 50 },
  });
  const rds = new RDSClient({ ...emulator.sdkConfig, maxAttempts: 1 });
  t.teardown(async () => {
    rds.destroy();
    await emulator.close();
  });
  const describe = async (id: string) =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
  const snapshotStatus = async (id: string) =>
    (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots![0]!.Status;
  async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean) {
    for (const deadline = Date.now() + 60_000; ; await sleep(25)) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined && accept(value)) return value;
      if (Date.now() > deadline) throw new Error(`gave up waiting; last seen ${String(value)}`);
    }
  }
  const available = async (id: string): Promise<Endpoint> => {
    const instance = await until(
      () => describe(id),
      (i) => i.DBInstanceStatus === 'available',
    );
    return { port: instance.Endpoint!.Port!, user: 'app_admin', password: PASSWORD, database: 'app' };
  };

  await rds.send(new CreateDBInstanceCommand(createInput('orders')));
  const orders = await available('orders');
  const resourceId = (await describe('orders')).DbiResourceId!;
  await withClient(orders, emulator.caPem, (c) => c.query('CREATE TABLE items (id serial PRIMARY KEY)'));
  await insert(orders, 4);

  await rds.send(
    new DeleteDBInstanceCommand({
      DBInstanceIdentifier: 'orders',
      FinalDBSnapshotIdentifier: 'orders-final',
      DeleteAutomatedBackups: false,
    }),
  );
  t.equal(
    await until(
      () => snapshotStatus('orders-final'),
      (s) => s !== 'creating',
    ),
    'available',
  );
  await rds.send(
    new RestoreDBInstanceFromDBSnapshotCommand({
      DBInstanceIdentifier: 'from-final',
      DBSnapshotIdentifier: 'orders-final',
    }),
  );
  await rds.send(
    new RestoreDBInstanceToPointInTimeCommand({
      SourceDbiResourceId: resourceId,
      TargetDBInstanceIdentifier: 'from-retained',
      UseLatestRestorableTime: true,
    }),
  );
  t.same(await ids(await available('from-final')), [1, 2, 3, 4], 'the final snapshot holds the rows');
  t.same(await ids(await available('from-retained')), [1, 2, 3, 4], 'so do the retained backups');

  const fromFinal = await available('from-final');
  await crashServer(fromFinal);
  await rds.send(
    new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'from-final', DBSnapshotIdentifier: 'of-crashed' }),
  );
  t.equal(
    await until(
      () => snapshotStatus('of-crashed'),
      (s) => s !== 'creating',
    ),
    'failed',
    'a snapshot whose copy fails ends failed',
  );
});
