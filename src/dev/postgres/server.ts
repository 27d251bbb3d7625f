import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { type ManagedProcess, startManagedProcess } from '../control-plane/managed-process.js';
import { freeLoopbackPorts } from '../control-plane/ports.js';
import type { PostgresBinaries } from './binaries.js';
import { giveToServer, type ServerUser } from './server-user.js';
import { type MasterSetup, masterSetupStatements, setPasswordStatement } from './statements.js';

/** The bootstrap superuser: RDS reserves the name, so no master user can take it. */
const BOOTSTRAP_USER = 'rdsadmin';
/** What clients are told; the server listens on IPv4 loopback, where `localhost` also leads. */
export const SERVER_ADDRESS = 'localhost';
const LISTEN_ADDRESS = '127.0.0.1';
const PORT_ATTEMPTS = 5;

export interface PostgresServerOptions {
  binaries: PostgresBinaries;
  /** Whom the server runs as; undefined: this process's user. */
  user: ServerUser | undefined;
  /** A folder that does not exist yet: data, socket, certificate and log; removed by stop(). */
  dir: string;
  tls: { certPem: string; keyPem: string };
  /**
   * The master user: set up in a new cluster; in one started from a copy, where it exists already,
   * only its password is set.
   */
  master: MasterSetup;
  /** Start from this copy of another server's data instead of a new cluster. */
  from?: ServerDataCopy;
  /** Default 30 s. */
  startTimeoutMs?: number;
}

export interface PostgresServer {
  readonly address: string;
  readonly port: number;
  /** Sets a role's password over the bootstrap superuser's connection, as RDS applies it. */
  setPassword(username: string, password: string): Promise<void>;
  /**
   * A consistent copy of the data folder into `target` (which must not exist), taken while the
   * server runs (pg_basebackup: a checkpoint, the files, and the WAL written meanwhile).
   */
  copyData(target: string): Promise<ServerDataCopy>;
  /**
   * Changes whenever a transaction that could have written anything starts or ends: equal values
   * mean the data is as it was (the current snapshot, `xmin:xmax:in-progress`).
   */
  dataVersion(): Promise<string>;
  /** Fast shutdown (clients are disconnected), then the folder is removed. */
  stop(): Promise<void>;
}

/** A copy of a server's data folder, owned by the server's user, and what a server started on it needs. */
export interface ServerDataCopy {
  readonly dataDir: string;
  /** The bootstrap superuser's password inside the copy (never logged). */
  readonly bootstrapPassword: string;
}

/**
 * A PostgreSQL server of its own on a loopback port, with TLS and SCRAM passwords, set up as RDS sets
 * up an instance (see statements.ts); resolves once it accepts connections.
 */
export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const { dir } = options;
  await mkdir(dir, { mode: 0o700 });
  let server: ManagedProcess | undefined;
  try {
    await giveToServer(dir, options.user);
    const { from, master } = options;
    const bootstrapPassword = from?.bootstrapPassword ?? randomBytes(24).toString('base64url');
    if (from) await run('cp', ['-a', from.dataDir, join(dir, 'data')], options.user);
    else await initdb(options, bootstrapPassword);
    await writeTls(options);
    const started = await startOnFreePort(options, bootstrapPassword);
    server = started.process;
    const admin = { dir, port: started.port, password: bootstrapPassword };
    await asBootstrapUser(
      admin,
      from ? [setPasswordStatement(master.username, master.password)] : masterSetupStatements(master),
    );
    return {
      address: SERVER_ADDRESS,
      port: started.port,
      setPassword: async (username, password) => {
        await asBootstrapUser(admin, [setPasswordStatement(username, password)]);
      },
      copyData: (target) => copyData(options, admin, target),
      dataVersion: async () => {
        const [row] = await asBootstrapUser(admin, ['SELECT pg_current_snapshot()::text AS version']);
        return String(row?.version);
      },
      stop: () => stopAndRemove(dir, started.process),
    };
  } catch (error) {
    await stopAndRemove(dir, server);
    throw error;
  }
}

function childIdentity(user: ServerUser | undefined, env: Record<string, string> = {}) {
  return {
    ...(user ?? {}),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC', ...env },
  };
}

async function initdb(options: PostgresServerOptions, bootstrapPassword: string): Promise<void> {
  const passwordFile = join(options.dir, 'bootstrap-password');
  await writeFile(passwordFile, bootstrapPassword, { mode: 0o600 });
  await giveToServer(passwordFile, options.user);
  try {
    await run(
      options.binaries.initdb,
      [
        ...['-D', join(options.dir, 'data'), '-U', BOOTSTRAP_USER, `--pwfile=${passwordFile}`],
        ...['--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
        // 1 MiB WAL segments rather than 16: a copy carries a segment or two, and each server is smaller.
        '--wal-segsize=1',
      ],
      options.user,
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

async function writeTls({ dir, tls, user }: PostgresServerOptions): Promise<void> {
  await writeFile(join(dir, 'server.crt'), tls.certPem);
  // PostgreSQL refuses a key others can read, or one its user does not own.
  await writeFile(join(dir, 'server.key'), tls.keyPem, { mode: 0o600 });
  await giveToServer(join(dir, 'server.key'), user);
}

function serverArgs(dir: string, port: number): string[] {
  const settings = {
    listen_addresses: LISTEN_ADDRESS,
    unix_socket_directories: dir,
    ssl: 'on',
    ssl_cert_file: join(dir, 'server.crt'),
    ssl_key_file: join(dir, 'server.key'),
    max_connections: '100',
    shared_buffers: '16MB',
    // Throwaway data: durability buys nothing and costs time.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    // A failed statement could carry a password: none is logged.
    log_min_error_statement: 'panic',
  };
  return [
    ...['-D', join(dir, 'data'), '-p', String(port)],
    ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
}

/** Another process may take the port between our probe and the server's bind: then another port. */
async function startOnFreePort(
  options: PostgresServerOptions,
  bootstrapPassword: string,
): Promise<{ process: ManagedProcess; port: number }> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (let attempt = 1; ; attempt++) {
    const [port] = await freeLoopbackPorts(1);
    const server = startManagedProcess(
      'postgres',
      options.binaries.postgres,
      serverArgs(options.dir, port!),
      join(options.dir, 'server.log'),
      childIdentity(options.user),
    );
    const outcome = await waitAccepting(
      server,
      { dir: options.dir, port: port!, password: bootstrapPassword },
      deadline,
    );
    if (outcome === 'accepting') return { process: server, port: port! };
    const log = await server.logTail(20);
    if (/already in use/i.test(log) && attempt < PORT_ATTEMPTS) continue;
    await server.stop(1000);
    throw new Error(`postgres did not start (${outcome}); its log ends:\n${log}`);
  }
}

interface BootstrapConnection {
  dir: string;
  port: number;
  password: string;
}

async function waitAccepting(
  server: ManagedProcess,
  connection: BootstrapConnection,
  deadline: number,
): Promise<string> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.hasExited()) return `exited: ${await server.exited}`;
    try {
      await asBootstrapUser(connection, []);
      return 'accepting';
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(50);
  }
  return `not accepting connections in time: ${last}`;
}

/**
 * Over the server's Unix socket, which only this process and the server's user can reach; answers the
 * last statement's rows.
 */
async function asBootstrapUser(
  connection: BootstrapConnection,
  statements: string[],
): Promise<Record<string, unknown>[]> {
  const client = new Client({
    host: connection.dir,
    port: connection.port,
    user: BOOTSTRAP_USER,
    password: connection.password,
    database: 'postgres',
  });
  client.on('error', () => {});
  await client.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const statement of statements) rows = (await client.query(statement)).rows;
    return rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * pg_basebackup as the bootstrap superuser over the Unix socket: `fast` checkpoint, the WAL streamed
 * alongside so the copy is consistent on its own, no fsync and no manifest (throwaway copies).
 */
async function copyData(
  options: PostgresServerOptions,
  admin: BootstrapConnection,
  target: string,
): Promise<ServerDataCopy> {
  try {
    await run(
      options.binaries.pgBasebackup,
      [
        ...['-D', target, '-h', admin.dir, '-p', String(admin.port), '-U', BOOTSTRAP_USER, '--no-password'],
        ...['--wal-method=stream', '--checkpoint=fast', '--no-sync', '--no-manifest'],
      ],
      options.user,
      { PGPASSWORD: admin.password },
    );
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    throw error;
  }
  return { dataDir: target, bootstrapPassword: admin.password };
}

async function stopAndRemove(dir: string, server: ManagedProcess | undefined): Promise<void> {
  if (server && !server.hasExited()) {
    try {
      process.kill(server.pid, 'SIGINT'); // PostgreSQL's fast shutdown
    } catch {
      // Already gone.
    }
    // The timer keeps this process alive while the server shuts down (its child handle does not).
    const waited = new AbortController();
    await Promise.race([server.exited, sleep(5000, undefined, { signal: waited.signal }).catch(() => {})]);
    waited.abort();
    await server.stop(1000);
  }
  await rm(dir, { recursive: true, force: true });
}

function run(
  command: string,
  args: string[],
  user: ServerUser | undefined,
  env: Record<string, string> = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', ...childIdentity(user, env) }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}
