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
  master: MasterSetup;
  /** Default 30 s. */
  startTimeoutMs?: number;
}

export interface PostgresServer {
  readonly address: string;
  readonly port: number;
  /** Sets a role's password over the bootstrap superuser's connection, as RDS applies it. */
  setPassword(username: string, password: string): Promise<void>;
  /** Fast shutdown (clients are disconnected), then the folder is removed. */
  stop(): Promise<void>;
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
    const bootstrapPassword = randomBytes(24).toString('base64url');
    await initdb(options, bootstrapPassword);
    await writeTls(options);
    const started = await startOnFreePort(options, bootstrapPassword);
    server = started.process;
    const admin = { dir, port: started.port, password: bootstrapPassword };
    await asBootstrapUser(admin, masterSetupStatements(options.master));
    return {
      address: SERVER_ADDRESS,
      port: started.port,
      setPassword: (username, password) => asBootstrapUser(admin, [setPasswordStatement(username, password)]),
      stop: () => stopAndRemove(dir, started.process),
    };
  } catch (error) {
    await stopAndRemove(dir, server);
    throw error;
  }
}

function childIdentity(user: ServerUser | undefined) {
  return { ...(user ?? {}), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' } };
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

/** Over the server's Unix socket, which only this process and the server's user can reach. */
async function asBootstrapUser(connection: BootstrapConnection, statements: string[]): Promise<void> {
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
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end().catch(() => undefined);
  }
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

function run(command: string, args: string[], user: ServerUser | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', ...childIdentity(user) }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}
