import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import type { PostgresDB } from '../../src/api/v1beta1.js';
import { runCommand } from '../../src/dev/control-plane/run-command.js';
import { type LocalEnvironment, startLocalEnvironment } from '../../src/dev/local/environment.js';
import { waitFor } from '../support/wait.js';

// Issue 11 acceptance: tenants (non-admin users authenticated by token, bound with the chart's RBAC)
// against the real API server, the operator (webhooks + controller) and the RDS emulator.

const root = new URL('../../..', import.meta.url).pathname;
const CLUSTER = 'e2e';
const SG_ALLOWED = 'sg-0aaaaaaaaaaaaaaa1';
const SG_CUSTOM = 'sg-0cccccccccccccccc';

// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary JSON
type Manifest = Record<string, any>;

const policy = (name: string, spec: Manifest): Manifest => ({
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDBPolicy',
  metadata: { name },
  spec,
});

const POLICIES = [
  policy('tenants', {
    namespaceSelector: { matchLabels: { 'stow.dev/tenant': 'true' } },
    instanceClasses: ['db.t3.*', 'db.t4g.*'],
    storage: { types: ['gp3'], maxSizeGiB: 200 },
    allowPublicAccess: false,
    securityGroups: { allowed: [SG_ALLOWED] },
    kmsKeys: { allowed: ['alias/tenants', 'alias/aws/rds'] },
    deletionPolicies: ['Delete', 'Snapshot'],
  }),
  policy('team-a', {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } },
    adoption: { enabled: true, identifiers: ['team-a-*'] },
  }),
  policy('team-b', {
    namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['b'] }] },
    adoption: { enabled: true, identifiers: ['team-b-*'] },
  }),
];

function db(name: string, spec: Manifest = {}, annotations?: Record<string, string>): Manifest {
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 }, securityGroupIds: [SG_ALLOWED], ...spec },
  };
}

let env: LocalEnvironment;
let workDir: string;

async function as(user: 'alice' | 'bob' | 'admin', args: string[], input?: string) {
  const token = user === 'admin' ? env.controlPlane.token : env.controlPlane.tokens[user];
  return env.controlPlane.kubectl(args, { ...(token ? { token } : {}), ...(input ? { input } : {}) });
}

async function applyAs(user: 'alice' | 'bob' | 'admin', namespace: string, manifest: Manifest) {
  return as(user, ['apply', '-n', namespace, '-f', '-'], JSON.stringify(manifest));
}

async function getJson<T = Manifest>(args: string[]): Promise<T | undefined> {
  const result = await as('admin', [...args, '-o', 'json']);
  return result.code === 0 ? (JSON.parse(result.stdout) as T) : undefined;
}

const getDb = (namespace: string, name: string) =>
  getJson<PostgresDB>(['get', 'postgresdb', name, '-n', namespace]);
const condition = (object: PostgresDB | undefined, type: string) =>
  object?.status?.conditions?.find((c) => c.type === type);

/** The people-facing ClusterRoles of the chart, as `helm template` renders them. */
async function chartPeopleRoles(): Promise<Manifest[]> {
  const rendered = await runCommand(
    'bash',
    [
      join(root, 'scripts/helm.sh'),
      'template',
      'stow',
      join(root, 'helm/stow'),
      '--show-only',
      'templates/rbac.yaml',
    ],
    undefined,
    { cwd: root },
  );
  if (rendered.code !== 0) throw new Error(`helm template: ${rendered.stderr}`);
  const objects = parseAllDocuments(rendered.stdout)
    .map((document) => document.toJS() as Manifest)
    .filter(Boolean);
  return objects.filter(
    (object) =>
      object.kind === 'ClusterRole' &&
      /-(postgresdb-(edit|view|adopt)|policy-view)$/.test(object.metadata.name),
  );
}

function instance(id: string) {
  return env.emulator!.state.getInstance(id);
}

t.before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'stow-tenancy-'));
  const configFile = join(workDir, 'operator.yaml');
  await writeFile(configFile, `clusterName: ${CLUSTER}\nresyncPeriodSeconds: 3600\n`);
  env = await startLocalEnvironment({
    users: [{ name: 'alice' }, { name: 'bob' }],
    rdsEmulator: { delays: { creating: 100, backingUp: 50, modifying: 100, deleting: 100 } },
    operatorFlags: { config: configFile },
  });
  const roles = await chartPeopleRoles();
  const applied = await as(
    'admin',
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: roles }),
  );
  if (applied.code !== 0) throw new Error(applied.stderr);
  for (const [namespace, user, labels] of [
    ['team-a', 'alice', ['stow.dev/tenant=true']],
    ['team-b', 'bob', ['stow.dev/tenant=true', 'team=b']],
  ] as const) {
    for (const args of [
      ['create', 'namespace', namespace],
      ['label', 'namespace', namespace, ...labels, `kubernetes.io/metadata.name=${namespace}`],
      ['create', 'rolebinding', `${user}-edit`, '--clusterrole=edit', `--user=${user}`, '-n', namespace],
    ]) {
      const result = await as('admin', args);
      if (result.code !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
    }
    // The chart's edit rules reach `edit` through the aggregation controller.
    await waitFor(`${user} may create postgresdbs`, async () => {
      const result = await as(user, ['auth', 'can-i', 'create', 'postgresdbs.stow.dev', '-n', namespace]);
      return result.stdout.trim() === 'yes';
    });
  }
  for (const item of POLICIES) {
    const result = await applyAs('admin', 'default', item);
    if (result.code !== 0) throw new Error(result.stderr);
  }
  // The webhooks see the policies through a watch: wait until a violation is refused.
  await waitFor('the policies to be in force', async () => {
    const probe = await applyAs('alice', 'team-a', db('probe', { instanceClass: 'db.r6g.large' }));
    if (probe.code === 0)
      await as('admin', ['delete', 'postgresdb', 'probe', '-n', 'team-a', '--wait=false']);
    return probe.code !== 0 && /PostgresDBPolicy "tenants"/.test(probe.stderr);
  });
});

t.teardown(async () => {
  await env?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

t.test('tenants may not write platform policies', async (t) => {
  const result = await applyAs('alice', 'default', policy('mine', { allowPublicAccess: true }));
  t.not(result.code, 0);
  t.match(result.stderr, /forbidden/i);
  const listed = await as('admin', ['get', 'postgresdbpolicies']);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, /NAME\s+NAMESPACES\s+CLASSES\s+PUBLIC\s+ADOPTION\s+DELETION\s+AGE/);
  t.match(listed.stdout, /tenants\s+.*db\.t3\.\*.*false/, 'kubectl get shows the limits');
  // The API server publishes a new CRD's OpenAPI schema a little after the CRD is Established.
  let explained = await as('admin', ['explain', 'postgresdbpolicy.spec']);
  for (let tries = 0; tries < 60 && !explained.stdout.includes('requireDeletionProtection'); tries++) {
    await sleep(500);
    explained = await as('admin', ['explain', 'postgresdbpolicy.spec']);
  }
  for (const field of [
    'instanceClasses',
    'allowPublicAccess',
    'securityGroups',
    'kmsKeys',
    'adoption',
    'requireDeletionProtection',
  ])
    t.match(explained.stdout, field, `kubectl explain documents ${field}`);
});

t.test('a tenant cannot set public access, or a network, class or KMS key that is not allowed', async (t) => {
  const result = await applyAs(
    'alice',
    'team-a',
    db('loud', {
      instanceClass: 'db.r6g.large',
      publiclyAccessible: true,
      securityGroupIds: ['sg-0bbbbbbbbbbbbbbbb'],
      encryption: { kmsKeyId: 'alias/payroll' },
      deletionPolicy: 'Retain',
    }),
  );
  t.not(result.code, 0, 'denied at once');
  for (const expected of [
    'spec.instanceClass: not allowed by PostgresDBPolicy "tenants"; allowed: db.t3.*, db.t4g.* (got "db.r6g.large")',
    'spec.publiclyAccessible: not allowed by PostgresDBPolicy "tenants" (got true)',
    'spec.securityGroupIds[0]: not allowed by PostgresDBPolicy "tenants"; allowed: sg-0aaaaaaaaaaaaaaa1 (got "sg-0bbbbbbbbbbbbbbbb")',
    'spec.encryption.kmsKeyId: not allowed by PostgresDBPolicy "tenants"; allowed: alias/tenants, alias/aws/rds (got "alias/payroll")',
    'spec.deletionPolicy: not allowed by PostgresDBPolicy "tenants"; allowed: Delete, Snapshot (got "Retain")',
  ])
    t.ok(result.stderr.includes(expected), expected);
  t.equal(await getDb('team-a', 'loud'), undefined, 'nothing stored');
  t.equal(env.emulator!.state.listInstances().length, 0, 'no instance');
});

t.test(
  'a tenant cannot adopt without the adopt verb, nor an identifier the policy does not allow',
  async (t) => {
    env.emulator!.seedInstance({ DBInstanceIdentifier: 'team-a-orders' });
    env.emulator!.seedInstance({ DBInstanceIdentifier: 'prod-billing' });
    const withoutVerb = await applyAs(
      'alice',
      'team-a',
      db('orders', {}, { 'stow.dev/identifier': 'team-a-orders', 'stow.dev/reset-master-password': 'true' }),
    );
    t.not(withoutVerb.code, 0);
    t.match(
      withoutVerb.stderr,
      /metadata\.annotations\[stow\.dev\/identifier\]: cannot adopt: user "alice" may not "adopt" postgresdbs\.stow\.dev in namespace "team-a"/,
    );
    const foreign = await applyAs(
      'alice',
      'team-a',
      db('billing', {}, { 'stow.dev/identifier': 'prod-billing', 'stow.dev/reset-master-password': 'true' }),
    );
    t.not(foreign.code, 0);
    t.match(
      foreign.stderr,
      /metadata\.annotations\[stow\.dev\/identifier\]: not allowed by PostgresDBPolicy "team-a"; allowed: team-a-\* \(got "prod-billing"\)/,
    );
    const unlabelled = await as('admin', ['create', 'namespace', 'sandbox']);
    t.equal(unlabelled.code, 0);
    const noPolicy = await applyAs(
      'admin',
      'sandbox',
      db('x', {}, { 'stow.dev/identifier': 'prod-billing' }),
    );
    t.match(
      noPolicy.stderr,
      /adoption is off: no PostgresDBPolicy selecting namespace "sandbox" enables it/,
      'even for an admin, without a policy',
    );
    t.same([...(instance('prod-billing')?.tags ?? new Map())], [], 'the instance was not touched');
  },
);

t.test('a user granted the verb adopts with a minimal spec: 0 ModifyDBInstance over 3 resyncs', async (t) => {
  const granted = await as('admin', [
    'create',
    'rolebinding',
    'alice-adopt',
    '--clusterrole=stow-postgresdb-adopt',
    '--user=alice',
    '-n',
    'team-a',
  ]);
  t.equal(granted.code, 0, granted.stderr);
  const seeded = env.emulator!.seedInstance({
    DBInstanceIdentifier: 'team-a-legacy',
    DBInstanceClass: 'db.t3.medium',
    AllocatedStorage: 50,
    EngineVersion: '14',
    MultiAZ: true,
    BackupRetentionPeriod: 30,
    DeletionProtection: true,
    VpcSecurityGroupIds: [SG_CUSTOM],
    PubliclyAccessible: true,
    MasterUsername: 'legacy_admin',
  });
  const password = seeded.masterUserPassword;
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'legacy-credentials' },
    stringData: { password },
  };
  t.equal((await applyAs('alice', 'team-a', secret)).code, 0);
  env.emulator!.resetCalls();
  const adopted = await applyAs('alice', 'team-a', {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata: {
      name: 'legacy',
      annotations: {
        'stow.dev/identifier': 'team-a-legacy',
        'stow.dev/credentials-secret': 'legacy-credentials',
      },
    },
    spec: { instanceClass: 'db.t3.medium', storage: { sizeGiB: 50 } },
  });
  t.equal(adopted.code, 0, adopted.stderr);
  let last: PostgresDB | undefined;
  const ready = await waitFor('legacy Ready and Synced', async () => {
    last = await getDb('team-a', 'legacy');
    return (
      condition(last, 'Ready')?.status === 'True' && condition(last, 'Synced')?.status === 'True' && last
    );
  }).catch((error) => {
    throw new Error(`${error.message}: ${JSON.stringify(last?.status?.conditions)}`);
  });
  for (let i = 0; i < 3; i++) await env.operator!.controller!.resyncNow();
  const calls = env.emulator!.calls();
  t.equal(calls.byAction.ModifyDBInstance ?? 0, 0, `no ModifyDBInstance (${JSON.stringify(calls.byAction)})`);
  t.ok((calls.byAction.DescribeDBInstances ?? 0) >= 3, 'three resyncs listed the instances');
  const after = instance('team-a-legacy')!;
  t.match(after, {
    engineVersion: /^14\./,
    multiAZ: true,
    backupRetentionPeriod: 30,
    deletionProtection: true,
    publiclyAccessible: true,
    masterUserPassword: password,
  });
  t.same(after.vpcSecurityGroupIds, [SG_CUSTOM], 'security groups unchanged');
  t.match(ready.status, {
    phase: 'Available',
    dbInstanceIdentifier: 'team-a-legacy',
    endpoint: { address: /^team-a-legacy\./, port: 5432 },
  });
  const policyCondition = condition(await getDb('team-a', 'legacy'), 'PolicyCompliant');
  t.match(
    policyCondition,
    { status: 'False', reason: 'PolicyViolation' },
    'the instance as it is breaks the tenants policy',
  );
  t.match(policyCondition?.message, /spec\.publiclyAccessible: not allowed by PostgresDBPolicy "tenants"/);
  const stowSecret = await getJson(['get', 'secret', 'legacy', '-n', 'team-a']);
  t.ok(
    stowSecret?.data,
    `Stow's Secret: ${JSON.stringify(stowSecret?.metadata)} ${(await as('admin', ['get', 'secrets', '-n', 'team-a'])).stdout}`,
  );
  t.equal(
    Buffer.from(stowSecret?.data.password, 'base64').toString(),
    password,
    'the named password is used',
  );
  t.equal(Buffer.from(stowSecret?.data.username, 'base64').toString(), 'legacy_admin');
  const named = await getJson(['get', 'secret', 'legacy-credentials', '-n', 'team-a']);
  t.notOk(named?.metadata.ownerReferences, 'the named Secret is not taken over');
});

t.test('Stow never takes over, rewrites or garbage-collects a tenant Secret', async (t) => {
  const own = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'orders' },
    stringData: { password: 'the-team-s-own-password', note: 'keep me' },
  };
  t.equal((await applyAs('alice', 'team-a', own)).code, 0);
  const before = await getJson(['get', 'secret', 'orders', '-n', 'team-a']);
  const created = await applyAs(
    'alice',
    'team-a',
    db(
      'orders',
      { deletionPolicy: 'Delete' },
      { 'stow.dev/identifier': 'team-a-orders', 'stow.dev/reset-master-password': 'true' },
    ),
  );
  t.equal(created.code, 0, created.stderr);
  const refused = await waitFor('SecretConflict', async () => {
    const object = await getDb('team-a', 'orders');
    return condition(object, 'Synced')?.reason === 'SecretConflict' && object;
  });
  t.match(
    condition(refused, 'Synced')?.message,
    /Secret orders exists and does not belong to this PostgresDB/,
  );
  const after = await getJson(['get', 'secret', 'orders', '-n', 'team-a']);
  t.same(after?.data, before?.data, 'data unchanged');
  t.notOk(after?.metadata.ownerReferences, 'no owner reference');
  t.equal(after?.metadata.resourceVersion, before?.metadata.resourceVersion, 'not written at all');
  t.not(instance('team-a-orders')?.masterUserPassword, undefined);
  t.equal((await as('alice', ['delete', 'postgresdb', 'orders', '-n', 'team-a', '--timeout=60s'])).code, 0);
  await sleep(1000);
  t.ok(await getJson(['get', 'secret', 'orders', '-n', 'team-a']), 'the Secret outlives the PostgresDB');
});

t.test(
  "a tenant cannot adopt another namespace's or another cluster's instance, nor delete it",
  async (t) => {
    const granted = await as('admin', [
      'create',
      'rolebinding',
      'bob-adopt',
      '--clusterrole=stow-postgresdb-adopt',
      '--user=bob',
      '-n',
      'team-b',
    ]);
    t.equal(granted.code, 0, granted.stderr);
    const released = {
      'stow.dev/cluster': CLUSTER,
      'stow.dev/namespace': 'team-a',
      'stow.dev/name': 'payroll',
      'stow.dev/uid': '11111111-2222-3333-4444-555555555555',
      'stow.dev/managed-by': 'retained',
    };
    const elsewhere = {
      ...released,
      'stow.dev/cluster': 'prod-eu',
      'stow.dev/namespace': 'team-b',
      'stow.dev/managed-by': 'stow',
    };
    for (const [id, tags] of [
      ['team-b-payroll', released],
      ['team-b-far', elsewhere],
    ] as const) {
      env.emulator!.seedInstance({
        DBInstanceIdentifier: id,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      });
      const password = instance(id)!.masterUserPassword;
      const name = id.replace('team-b-', 'grab-');
      const applied = await applyAs(
        'bob',
        'team-b',
        db(
          name,
          { deletionPolicy: 'Delete' },
          { 'stow.dev/identifier': id, 'stow.dev/reset-master-password': 'true' },
        ),
      );
      t.equal(
        applied.code,
        0,
        `${id}: the webhook cannot see tags; the controller refuses (${applied.stderr})`,
      );
      const refused = await waitFor(`${id} refused`, async () => {
        const object = await getDb('team-b', name);
        return condition(object, 'Synced')?.reason === 'AdoptionRefused' && object;
      });
      t.match(
        condition(refused, 'Synced')?.message,
        new RegExp(`RDS instance ${id} was not taken over: it belongs to`),
      );
      t.equal((await as('bob', ['delete', 'postgresdb', name, '-n', 'team-b', '--timeout=60s'])).code, 0);
      const still = instance(id);
      t.ok(still && still.status !== 'deleting', `${id} is not deleted`);
      t.equal(still?.masterUserPassword, password, `${id}: password unchanged`);
      t.same(Object.fromEntries(still?.tags ?? []), tags, `${id}: tags unchanged`);
    }
  },
);

t.test('the count quota (ResourceQuota count/postgresdbs.stow.dev) limits a namespace', async (t) => {
  const quota = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'databases' },
    spec: { hard: { 'count/postgresdbs.stow.dev': '1' } },
  };
  t.equal((await applyAs('admin', 'team-b', quota)).code, 0);
  // Admission refuses with "status unknown for quota" until the quota controller has counted. It
  // counts once its monitors of every discovered resource have synced, which a busy machine delays.
  await waitFor(
    'quota status',
    async () => {
      const current = await getJson(['get', 'resourcequota', 'databases', '-n', 'team-b']);
      return current?.status?.used?.['count/postgresdbs.stow.dev'] !== undefined;
    },
    180_000,
  );
  const first = await applyAs('bob', 'team-b', db('first', { deletionPolicy: 'Delete' }));
  t.equal(first.code, 0, first.stderr);
  const second = await applyAs('bob', 'team-b', db('second', { deletionPolicy: 'Delete' }));
  t.not(second.code, 0);
  t.match(second.stderr, /exceeded quota: databases, requested: count\/postgresdbs\.stow\.dev=1/);
});

t.test('tightening a policy never blocks an unrelated edit, and status names the policy', async (t) => {
  const created = await applyAs('alice', 'team-a', db('steady', { deletionPolicy: 'Delete' }));
  t.equal(created.code, 0, created.stderr);
  await waitFor(
    'steady Ready',
    async () => condition(await getDb('team-a', 'steady'), 'Ready')?.status === 'True',
  );
  const tightened = await applyAs('admin', 'default', {
    ...POLICIES[0],
    spec: { ...POLICIES[0]!.spec, instanceClasses: ['db.t4g.*'] },
  });
  t.equal(tightened.code, 0, tightened.stderr);
  await waitFor('status naming the policy', async () => {
    await env.operator!.controller!.resyncNow();
    const found = condition(await getDb('team-a', 'steady'), 'PolicyCompliant');
    return (
      found?.status === 'False' &&
      /spec\.instanceClass: not allowed by PostgresDBPolicy "tenants"/.test(found.message)
    );
  });
  const labelled = await as('alice', ['label', 'postgresdb', 'steady', '-n', 'team-a', 'tier=gold']);
  t.equal(labelled.code, 0, `a label: ${labelled.stderr}`);
  const unrelated = await as('alice', [
    'patch',
    'postgresdb',
    'steady',
    '-n',
    'team-a',
    '--type=merge',
    '-p',
    '{"spec":{"multiAZ":true}}',
  ]);
  t.equal(unrelated.code, 0, `an unrelated spec edit: ${unrelated.stderr}`);
  const reclassed = await as('alice', [
    'patch',
    'postgresdb',
    'steady',
    '-n',
    'team-a',
    '--type=merge',
    '-p',
    '{"spec":{"instanceClass":"db.t3.medium"}}',
  ]);
  t.not(reclassed.code, 0, 'the violating field cannot change but to an allowed value');
  t.match(
    reclassed.stderr,
    /spec\.instanceClass: not allowed by PostgresDBPolicy "tenants"; allowed: db\.t4g\.\*/,
  );
  await applyAs('admin', 'default', POLICIES[0]!);
});
