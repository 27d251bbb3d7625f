import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { PostgresDatabase } from '../../src/api/postgres-database.js';
import { runCommand } from '../../src/dev/control-plane/run-command.js';
import { type LocalEnvironment, startLocalEnvironment } from '../../src/dev/local/environment.js';
import { HOSTILE_NAMES } from '../support/postgres-database.js';

// Issue 13 acceptance, end to end: the operator as `stow run` starts it (webhooks and controller),
// the real API server, and the emulator with a real PostgreSQL server behind the instance. The
// example of docs/examples/shared-instance.yaml is applied as written.

const root = new URL('../../..', import.meta.url).pathname;
let env: LocalEnvironment;
let workDir: string;

t.before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'stow-pgdatabase-'));
  const configFile = join(workDir, 'operator.yaml');
  await writeFile(configFile, 'clusterName: e2e\n');
  env = await startLocalEnvironment({
    rdsEmulator: {
      servers: 'postgres',
      delays: { creating: 100, backingUp: 50, modifying: 100, deleting: 100 },
    },
    operatorFlags: { config: configFile },
  });
});
t.teardown(async () => {
  await env?.stop();
  await rm(workDir, { recursive: true, force: true });
});

async function getJson<T>(args: string[]): Promise<T | undefined> {
  const result = await env.kubectl([...args, '-o', 'json']);
  return result.code === 0 ? (JSON.parse(result.stdout) as T) : undefined;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

async function secretValue(namespace: string, name: string, key: string): Promise<string> {
  const secret = await getJson<{ data: Record<string, string> }>(['get', 'secret', name, '-n', namespace]);
  return Buffer.from(secret?.data[key] ?? '', 'base64').toString('utf8');
}

const psql = (uri: string, sql: string) => runCommand('psql', [uri, '-tAq', '-c', sql]);

t.test('the example: a team database on a shared instance, used with its Secrets', async (t) => {
  const applied = await env.kubectl(['apply', '-f', join(root, 'docs/examples/shared-instance.yaml')]);
  t.equal(applied.code, 0, applied.stderr);
  const ready = await waitFor('orders Ready', async () => {
    const object = await getJson<PostgresDatabase>(['get', 'pgdatabase', 'orders', '-n', 'team-a']);
    return object?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && object;
  });
  t.match(ready.status, { phase: 'Available', databaseName: 'orders', owner: 'orders' });
  const listed = await env.kubectl(['get', 'pgdatabase', '-n', 'team-a']);
  t.match(listed.stdout, /orders\s+shared\s+orders\s+Available\s+True/, 'the printer columns');

  const owner = await secretValue('team-a', 'orders', 'uri');
  const app = await secretValue('team-a', 'orders-orders-app', 'uri');
  const reports = await secretValue('team-a', 'orders-orders-reports', 'uri');
  const created = await psql(owner, 'create table items (id int primary key, name text)');
  t.equal(created.code, 0, created.stderr);
  const written = await psql(app, "insert into items values (1, 'written by the app') returning name");
  t.equal(written.stdout.trim(), 'written by the app', written.stderr);
  t.equal((await psql(reports, 'select name from items')).stdout.trim(), 'written by the app');
  const refused = await psql(reports, "insert into items values (2, 'no')");
  t.not(refused.code, 0);
  t.match(refused.stderr, /permission denied for table items/);
  t.equal((await psql(app, 'select current_user')).stdout.trim(), 'orders_app');
  t.equal(
    (await psql(owner, "select extname from pg_extension where extname = 'pgcrypto'")).stdout.trim(),
    'pgcrypto',
  );
});

const database = (namespace: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDatabase',
  metadata: { name, namespace },
  spec: { instanceRef: { namespace: 'databases', name: 'shared' }, ...spec },
});

t.test('hostile names are denied at kubectl apply, each naming the field and the value', async (t) => {
  const admissible = HOSTILE_NAMES.filter(([, name]) => !name.includes('\u0000') && name.length < 1000);
  for (const [title, name] of admissible) {
    for (const field of ['databaseName', 'owner'] as const) {
      const result = await env.kubectl(
        ['apply', '-f', '-'],
        JSON.stringify(database('team-a', 'hostile', { [field]: name })),
      );
      t.not(result.code, 0, `${field}: ${title}`);
      // The API server itself refuses the empty string, naming the field.
      t.match(result.stderr, name ? /denied the request/ : /is invalid/, `${field}: ${title}`);
      t.ok(result.stderr.includes(`spec.${field}`), `${field}: ${title}: ${result.stderr}`);
    }
  }
  const user = await env.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify(
      database('team-a', 'hostile', { users: [{ name: 'x"; drop table items; --', access: 'readOnly' }] }),
    ),
  );
  t.match(user.stderr, /spec\.users\[0\]\.name/);
  const long = await env.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify(database('team-a', 'hostile', { databaseName: 'b'.repeat(100_000) })),
  );
  t.not(long.code, 0, 'a name of 100,000 characters');
  t.notOk(await getJson(['get', 'pgdatabase', 'hostile', '-n', 'team-a']), 'nothing was created');
  t.equal(
    (await psql(await secretValue('team-a', 'orders', 'uri'), 'select count(*) from items')).stdout.trim(),
    '1',
  );
});

t.test('a namespace no policy shares the instance with is denied', async (t) => {
  await env.kubectl(['create', 'namespace', 'team-c']);
  const result = await env.kubectl(['apply', '-f', '-'], JSON.stringify(database('team-c', 'sneaky', {})));
  t.not(result.code, 0);
  t.match(
    result.stderr,
    /spec\.instanceRef\.namespace: no PostgresDBPolicy shares the instances of this namespace with namespace "team-c"/,
  );
});
