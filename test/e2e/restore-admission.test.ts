import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { kubectlOrThrow } from '../support/kubectl.js';
import type { PostgresDBSnapshot } from '../../src/api/postgres-db-snapshot.js';
import type { PostgresDB } from '../../src/api/v1beta1.js';
import { type LocalEnvironment, startLocalEnvironment } from '../../src/dev/local/environment.js';
import { waitFor } from '../support/wait.js';

// Issue 14: restores through the webhooks of a running operator, against the real API server and the
// RDS emulator. A restore from another namespace's PostgresDBSnapshot is denied at admission unless a
// PostgresDBPolicy of that namespace shares its snapshots; a missing source is denied with the field
// and the value; restoreFrom is immutable; and once allowed, the controller restores.

// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary JSON
type Manifest = Record<string, any>;

let env: LocalEnvironment;
let workDir: string;

const db = (name: string, spec: Manifest = {}): Manifest => ({
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDB',
  metadata: { name },
  spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 }, deletionPolicy: 'Delete', ...spec },
});

const apply = (namespace: string, manifest: Manifest) =>
  env.kubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify(manifest));

async function get<T>(kind: string, namespace: string, name: string): Promise<T | undefined> {
  const result = await env.kubectl(['get', kind, name, '-n', namespace, '-o', 'json']);
  return result.code === 0 ? (JSON.parse(result.stdout) as T) : undefined;
}

const ready = (namespace: string, name: string) =>
  waitFor(`${namespace}/${name} Ready`, async () => {
    const object = await get<PostgresDB>('postgresdb', namespace, name);
    return object?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && object;
  });

t.before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'stow-restore-'));
  const configFile = join(workDir, 'operator.yaml');
  await writeFile(configFile, 'clusterName: e2e\nresyncPeriodSeconds: 3600\n');
  env = await startLocalEnvironment({
    crdVersions: ['v1beta1'],
    rdsEmulator: { delays: { creating: 100, backingUp: 50, modifying: 100, deleting: 100 } },
    operatorFlags: { config: configFile },
  });
  for (const [namespace, team] of [
    ['team-a', 'a'],
    ['team-b', 'b'],
  ]) {
    await kubectlOrThrow(env.controlPlane, ['create', 'namespace', namespace!]);
    await env.kubectl(['label', 'namespace', namespace!, `team=${team}`]);
  }
  const applied = await apply('team-a', db('orders'));
  if (applied.code !== 0) throw new Error(applied.stderr);
  await ready('team-a', 'orders');
  const snapshot = await apply('team-a', {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDBSnapshot',
    metadata: { name: 'orders-before' },
    spec: { postgresDBRef: { name: 'orders' } },
  });
  if (snapshot.code !== 0) throw new Error(snapshot.stderr);
});
t.teardown(async () => {
  await env?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

t.test('a PostgresDBSnapshot is defaulted to Retain by the webhook and taken', async (t) => {
  const taken = await waitFor('orders-before Available', async () => {
    const object = await get<PostgresDBSnapshot>('postgresdbsnapshot', 'team-a', 'orders-before');
    return object?.status?.phase === 'Available' && object;
  });
  t.equal(taken.spec.deletionPolicy, 'Retain');
  const moved = await env.kubectl([
    'patch',
    'postgresdbsnapshot',
    'orders-before',
    '-n',
    'team-a',
    '--type',
    'merge',
    '-p',
    '{"spec":{"postgresDBRef":{"name":"billing"}}}',
  ]);
  t.not(moved.code, 0);
  t.match(moved.stderr, /spec\.postgresDBRef\.name: is immutable/);
});

t.test(
  'restores denied at admission: another namespace’s snapshot without a policy, a missing source',
  async (t) => {
    const foreign = await apply(
      'team-b',
      db('copy', { restoreFrom: { snapshot: { name: 'orders-before', namespace: 'team-a' } } }),
    );
    t.not(foreign.code, 0, 'kubectl apply fails');
    t.match(foreign.stderr, /denied the request/);
    t.match(
      foreign.stderr,
      /spec\.restoreFrom\.snapshot\.namespace: no PostgresDBPolicy shares the snapshots of this namespace with namespace "team-b"/,
    );
    t.notOk(await get('postgresdb', 'team-b', 'copy'), 'nothing stored');
    const missing = await apply(
      'team-a',
      db('copy', { restoreFrom: { snapshot: { name: 'orders-after' } } }),
    );
    t.match(
      missing.stderr,
      /spec\.restoreFrom\.snapshot\.name: no PostgresDBSnapshot of that name in namespace "team-a" \(got "orders-after"\)/,
    );
    const rds = await apply(
      'team-a',
      db('copy', { restoreFrom: { rdsSnapshotIdentifier: 'somebody-elses' } }),
    );
    t.match(rds.stderr, /spec\.restoreFrom\.rdsSnapshotIdentifier: restoring from RDS snapshots is off/);
    const mine = await apply(
      'team-a',
      db('copy', { restoreFrom: { pointInTime: { postgresDBRef: { name: 'nobody' }, latest: true } } }),
    );
    t.match(mine.stderr, /spec\.restoreFrom\.pointInTime\.postgresDBRef\.name: no PostgresDB of that name/);
  },
);

t.test(
  'allowed once a policy of the snapshot’s namespace shares it; restored; restoreFrom immutable',
  async (t) => {
    const policy = await env.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'stow.dev/v1beta1',
        kind: 'PostgresDBPolicy',
        metadata: { name: 'team-a-shares-snapshots' },
        spec: {
          namespaceSelector: { matchLabels: { team: 'a' } },
          snapshotSharing: { namespaceSelector: { matchLabels: { team: 'b' } }, snapshots: ['orders-*'] },
        },
      }),
    );
    t.equal(policy.code, 0, policy.stderr);
    const manifest = db('copy', {
      restoreFrom: { snapshot: { name: 'orders-before', namespace: 'team-a' } },
    });
    await waitFor('the policy in force', async () => (await apply('team-b', manifest)).code === 0);
    const stored = await get<PostgresDB>('postgresdb', 'team-b', 'copy');
    t.equal(stored?.spec.masterUsername, undefined, 'no master user defaulted: it comes with the data');
    t.equal(stored?.spec.backup?.retentionDays, 7, 'other defaults as usual');
    const copy = await ready('team-b', 'copy');
    const calls = env
      .emulator!.calls()
      .recent.filter((call) => call.resource === copy.status?.dbInstanceIdentifier);
    t.ok(
      calls.some((call) => call.action === 'RestoreDBInstanceFromDBSnapshot'),
      'restored',
    );
    const changed = await env.kubectl([
      'patch',
      'postgresdb',
      'copy',
      '-n',
      'team-b',
      '--type',
      'merge',
      '-p',
      '{"spec":{"restoreFrom":{"snapshot":{"name":"orders-other"}}}}',
    ]);
    t.not(changed.code, 0);
    t.match(changed.stderr, /spec\.restoreFrom: is immutable \(set only when the PostgresDB is created\)/);
  },
);
