// A real PostgreSQL server for tests: Debian's `postgresql` package, `initdb` in a temporary folder,
// a loopback port, password (SCRAM) authentication (docs: /work/shared/design/architecture.md, "Real
// PostgreSQL in tests"). PostgreSQL refuses to run as root, so as root the server runs as the
// `postgres` user the package creates, on folders that user owns.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freeLoopbackPorts } from '../../src/dev/control-plane/ports.js';

const run = promisify(execFile);

export interface Login {
  user: string;
  password: string;
}

export interface PostgresServer {
  host: string;
  port: number;
  /** The bootstrap superuser: only for setting the stage; what is tested connects as others. */
  superuser: Login;
  /** A client connected as `login` to `database`; the caller ends it. */
  connect(login: Login, database?: string): Promise<pg.Client>;
  stop(): Promise<void>;
}

/** The newest installed major's binaries, e.g. /usr/lib/postgresql/15/bin. */
function binaries(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((entry) => existsSync(join(root, entry, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors[0])
    throw new Error(
      "PostgreSQL is not installed: install Debian's postgresql package (apt-get install postgresql)",
    );
  return join(root, majors[0], 'bin');
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = binaries();
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'stow-postgres-'));
  const superuser: Login = { user: 'postgres', password: randomBytes(18).toString('base64url') };
  writeFileSync(join(dir, 'password'), superuser.password, { mode: 0o600 });
  if (asRoot) {
    const { uid, gid } = await postgresUser();
    chownSync(dir, uid, gid);
    chownSync(join(dir, 'password'), uid, gid);
  }
  const command = (program: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, program), ...args])
      : run(join(bin, program), args);
  const data = join(dir, 'data');
  await command('initdb', [
    '-D',
    data,
    '-U',
    superuser.user,
    `--pwfile=${join(dir, 'password')}`,
    '-A',
    'scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const [port] = await freeLoopbackPorts(1);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  await command('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', options, 'start']);
  const host = '127.0.0.1';
  return {
    host,
    port: port as number,
    superuser,
    async connect(login, database = 'postgres') {
      const client = new pg.Client({ host, port, database, ...login });
      await client.connect();
      return client;
    },
    async stop() {
      await command('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * The master user as RDS makes it: no superuser, CREATEROLE and CREATEDB, a member of `rds_superuser`
 * (a plain role here: what RDS gives it beyond that is not what Stow relies on).
 */
export async function createRdsLikeMaster(server: PostgresServer, user = 'stow_admin'): Promise<Login> {
  const login = { user, password: randomBytes(18).toString('base64url') };
  const client = await server.connect(server.superuser);
  try {
    await client.query('CREATE ROLE rds_superuser NOLOGIN');
    await client.query(
      `CREATE ROLE ${pg.escapeIdentifier(user)} LOGIN CREATEROLE CREATEDB IN ROLE rds_superuser PASSWORD ${pg.escapeLiteral(login.password)}`,
    );
  } finally {
    await client.end();
  }
  return login;
}
