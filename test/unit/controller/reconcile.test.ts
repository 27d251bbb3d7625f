import t from 'tap';
import { ANNOTATION_IDENTIFIER, FINALIZER, TAG_MANAGED_BY } from '../../../src/api/constants.js';
import type { PostgresDBSnapshot } from '../../../src/api/postgres-db-snapshot.js';
import type { PostgresDB } from '../../../src/api/v1beta1.js';
import { RdsError } from '../../../src/aws/errors.js';
import type {
  CreateInstanceInput,
  CreateSnapshotInput,
  DeleteInstanceInput,
  InstanceModifications,
  PointInTime,
  RdsGateway,
  RdsInstance,
  RdsSnapshot,
  RestoreInstanceInput,
} from '../../../src/aws/types.js';
import type { OperatorConfig } from '../../../src/config/schema.js';
import type { AccessVerdict, AccessVerdicts } from '../../../src/controller/access-check.js';
import { decodeSecretData } from '../../../src/controller/connection-secret.js';
import type { KubeOps, ReconcilerContext } from '../../../src/controller/context.js';
import type { EventSink } from '../../../src/controller/context.js';
import { reconcileDeletion } from '../../../src/controller/deletion.js';
import { instanceIdentifier, ownershipTags } from '../../../src/controller/ownership.js';
import { KubeApiError } from '../../../src/kube/client.js';
import type { Secret, Service } from '../../../src/kube/types.js';
import { StaleObservation } from '../../../src/controller/reconcile-error.js';
import { reconcileLive } from '../../../src/controller/reconciler.js';
import { loadConfig } from '../../../src/config/load.js';
import { NO_POLICIES, type PolicySource, staticPolicies } from '../../../src/policy/store.js';
import { silentLogger } from '../../../src/util/logger.js';

const config: OperatorConfig = { ...loadConfig(), clusterName: 'unit' };

/** An in-memory RDS with the behaviour the reconciler relies on; every call is logged. */
class FakeRds implements RdsGateway {
  readonly instances = new Map<string, RdsInstance>();
  readonly passwords = new Map<string, string>();
  readonly snapshots = new Map<string, RdsSnapshot>();
  readonly calls: string[] = [];
  readonly deletions: DeleteInstanceInput[] = [];
  /** The next create takes effect but its answer is lost. */
  loseNextCreateResponse = false;

  async describeInstance(id: string) {
    this.calls.push('describe');
    const instance = this.instances.get(id);
    return instance && structuredClone(instance);
  }
  async listInstancesPage() {
    this.calls.push('list');
    return { instances: [...this.instances.values()].map((i) => structuredClone(i)) };
  }
  async createInstance(input: CreateInstanceInput) {
    this.calls.push('create');
    if (this.instances.has(input.identifier))
      throw new RdsError('AlreadyExists', 'DBInstanceAlreadyExists', 'exists');
    const instance: RdsInstance = {
      identifier: input.identifier,
      arn: `arn:aws:rds:us-east-1:1:db:${input.identifier}`,
      status: 'creating',
      instanceClass: input.instanceClass,
      engineVersion: `${input.engineVersion}.4`,
      allocatedStorageGiB: input.allocatedStorageGiB,
      storageType: input.storageType,
      multiAZ: input.multiAZ,
      masterUsername: input.masterUsername,
      databaseName: input.databaseName,
      backupRetentionDays: input.backupRetentionDays,
      deletionProtection: input.deletionProtection,
      publiclyAccessible: input.publiclyAccessible,
      storageEncrypted: true,
      securityGroupIds: input.securityGroupIds ?? [],
      pending: {},
      tags: { ...input.tags },
    };
    this.instances.set(input.identifier, instance);
    this.passwords.set(input.identifier, input.masterUserPassword);
    if (this.loseNextCreateResponse) {
      this.loseNextCreateResponse = false;
      throw new RdsError('Transient', 'TimeoutError', 'socket hang up');
    }
    return structuredClone(instance);
  }
  async modifyInstance(id: string, changes: InstanceModifications) {
    this.calls.push('modify');
    const instance = this.instances.get(id)!;
    if (changes.masterUserPassword) this.passwords.set(id, changes.masterUserPassword);
    if (changes.instanceClass) instance.pending.instanceClass = changes.instanceClass;
    if (changes.allocatedStorageGiB) instance.pending.allocatedStorageGiB = changes.allocatedStorageGiB;
    if (changes.deletionProtection !== undefined) instance.deletionProtection = changes.deletionProtection;
    return structuredClone(instance);
  }
  async deleteInstance(id: string, input: DeleteInstanceInput) {
    this.deletions.push(input);
    this.calls.push(
      input.finalSnapshotIdentifier ? `delete+snapshot:${input.finalSnapshotIdentifier}` : 'delete',
    );
    const instance = this.instances.get(id)!;
    instance.status = 'deleting';
    if (input.finalSnapshotIdentifier) {
      const name = input.finalSnapshotIdentifier;
      this.snapshots.set(name, { identifier: name, instanceIdentifier: id, status: 'available', arn: name });
    }
    return structuredClone(instance);
  }
  async createSnapshot(input: CreateSnapshotInput) {
    this.calls.push(`createSnapshot:${input.snapshotIdentifier}`);
    const snapshot: RdsSnapshot = {
      identifier: input.snapshotIdentifier,
      instanceIdentifier: input.instanceIdentifier,
      status: 'creating',
      arn: input.snapshotIdentifier,
    };
    this.snapshots.set(input.snapshotIdentifier, snapshot);
    return { ...snapshot };
  }
  async describeSnapshot(id: string) {
    this.calls.push('describeSnapshot');
    return this.snapshots.get(id);
  }
  async listSnapshotsPage() {
    return { snapshots: [...this.snapshots.values()] };
  }
  async deleteSnapshot(id: string) {
    this.calls.push(`deleteSnapshot:${id}`);
    const snapshot = this.snapshots.get(id)!;
    this.snapshots.delete(id);
    return snapshot;
  }
  async restoreFromSnapshot(snapshotIdentifier: string, input: RestoreInstanceInput) {
    this.calls.push(`restore:${snapshotIdentifier}`);
    return this.restored(input);
  }
  async restoreToPointInTime(source: PointInTime, input: RestoreInstanceInput) {
    this.calls.push(`restoreToPointInTime:${source.sourceInstanceIdentifier}@${source.time ?? 'latest'}`);
    return this.restored(input);
  }
  /** A restored instance: the source's master user and password (here, fixed ones). */
  private restored(input: RestoreInstanceInput) {
    if (this.instances.has(input.identifier))
      throw new RdsError('AlreadyExists', 'DBInstanceAlreadyExists', 'exists');
    const instance: RdsInstance = {
      ...input,
      arn: `arn:aws:rds:us-east-1:1:db:${input.identifier}`,
      status: 'creating',
      engineVersion: '15.7',
      masterUsername: 'source_admin',
      databaseName: 'source',
      storageEncrypted: true,
      securityGroupIds: input.securityGroupIds ?? [],
      pending: {},
      tags: { ...input.tags },
    };
    this.instances.set(input.identifier, instance);
    this.passwords.set(input.identifier, 'the-source-password');
    return structuredClone(instance);
  }
  async addTags(arn: string, tags: Record<string, string>) {
    this.calls.push('addTags');
    const instance = [...this.instances.values()].find((i) => i.arn === arn)!;
    Object.assign(instance.tags, tags);
  }
  async removeTags(arn: string, keys: string[]) {
    this.calls.push('removeTags');
    const instance = [...this.instances.values()].find((i) => i.arn === arn)!;
    for (const key of keys) delete instance.tags[key];
  }
  async listTags(arn: string) {
    return [...this.instances.values()].find((i) => i.arn === arn)?.tags ?? {};
  }
  becomeAvailable(id: string) {
    const instance = this.instances.get(id)!;
    instance.status = 'available';
    instance.endpoint = { address: `${id}.abc.us-east-1.rds.amazonaws.com`, port: 5432 };
  }
  mutatingCalls() {
    return this.calls.filter((c) => !['describe', 'list', 'describeSnapshot'].includes(c));
  }
}

function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>) {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (
      typeof value === 'object' &&
      !Array.isArray(value) &&
      typeof target[key] === 'object' &&
      target[key]
    ) {
      mergeInto(target[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else target[key] = structuredClone(value);
  }
}

/** An in-memory API server for one namespace; counts writes. */
class FakeKube implements KubeOps {
  readonly objects = new Map<string, PostgresDB>();
  readonly secrets = new Map<string, Secret>();
  readonly services = new Map<string, Service>();
  readonly snapshots = new Map<string, PostgresDBSnapshot>();
  readonly writes: string[] = [];
  private rv = 1;

  async patchPostgresDB(_ns: string, name: string, patch: unknown) {
    this.writes.push('patch postgresdb');
    const object = this.objects.get(name)!;
    const p = patch as { metadata: { resourceVersion?: string } };
    if (p.metadata.resourceVersion && p.metadata.resourceVersion !== object.metadata.resourceVersion) {
      throw new KubeApiError(409, 'Conflict', 'conflict');
    }
    const { resourceVersion: _, ...metadata } = p.metadata;
    mergeInto(object as unknown as Record<string, unknown>, { metadata });
    object.metadata.resourceVersion = String(++this.rv);
    return structuredClone(object);
  }
  async patchPostgresDBStatus(_ns: string, name: string, patch: unknown) {
    this.writes.push('patch status');
    const object = this.objects.get(name)!;
    mergeInto(object as unknown as Record<string, unknown>, patch as Record<string, unknown>);
    return structuredClone(object);
  }
  async getSecret(_ns: string, name: string) {
    return structuredClone(this.secrets.get(name));
  }
  async createSecret(secret: Secret) {
    this.writes.push('create secret');
    if (this.secrets.has(secret.metadata.name)) throw new KubeApiError(409, 'AlreadyExists', 'exists');
    this.secrets.set(secret.metadata.name, structuredClone(secret));
    return structuredClone(secret);
  }
  async patchSecret(_ns: string, name: string, patch: unknown) {
    this.writes.push('patch secret');
    const secret = this.secrets.get(name)!;
    mergeInto(secret as unknown as Record<string, unknown>, patch as Record<string, unknown>);
    return structuredClone(secret);
  }
  async getService(_ns: string, name: string) {
    return structuredClone(this.services.get(name));
  }
  async createService(service: Service) {
    this.writes.push('create service');
    this.services.set(service.metadata.name, structuredClone(service));
    return structuredClone(service);
  }
  async getPostgresDB(_ns: string, name: string) {
    return structuredClone(this.objects.get(name));
  }
  async getPostgresDBSnapshot(_ns: string, name: string) {
    return structuredClone(this.snapshots.get(name));
  }
  async createPostgresDBSnapshot(object: PostgresDBSnapshot) {
    this.writes.push('create postgresdbsnapshot');
    const name = object.metadata.name!;
    if (this.snapshots.has(name)) throw new KubeApiError(409, 'AlreadyExists', 'exists');
    this.snapshots.set(
      name,
      structuredClone({ ...object, metadata: { ...object.metadata, uid: `uid-${name}` } }),
    );
    return structuredClone(this.snapshots.get(name)!);
  }
  async patchService(_ns: string, name: string, patch: unknown) {
    this.writes.push('patch service');
    mergeInto(
      this.services.get(name) as unknown as Record<string, unknown>,
      patch as Record<string, unknown>,
    );
    return structuredClone(this.services.get(name)!);
  }
}

interface RecordedEvent {
  type: string;
  reason: string;
  message: string;
}

function setup(options: { policies?: PolicySource; access?: AccessVerdicts } = {}) {
  const rds = new FakeRds();
  const kube = new FakeKube();
  const events: RecordedEvent[] = [];
  const sink: EventSink = {
    async record(_object, type, reason, message) {
      events.push({ type, reason, message });
    },
  };
  const context: ReconcilerContext = {
    config,
    rds,
    kube,
    secrets: {
      get: async (_namespace, name) => kube.secrets.get(name),
      seen: (_namespace, name) => kube.secrets.has(name),
    },
    services: { get: (key) => kube.services.get(key.split('/')[1]!) },
    events: sink,
    policies: options.policies ?? NO_POLICIES,
    logger: silentLogger(),
    pollIntervalMs: 1000,
    ...(options.access ? { access: options.access } : {}),
    now: () => new Date('2025-01-01T00:00:00Z'),
  };
  const signal = new AbortController().signal;
  const add = (
    name: string,
    spec: Partial<PostgresDB['spec']> = {},
    annotations?: Record<string, string>,
  ) => {
    const object: PostgresDB = {
      apiVersion: 'stow.dev/v1beta1',
      kind: 'PostgresDB',
      metadata: {
        name,
        namespace: 'shop',
        uid: `uid-${name}`,
        generation: 1,
        resourceVersion: '1',
        ...(annotations ? { annotations } : {}),
      },
      spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 }, ...spec },
    };
    kube.objects.set(name, object);
    return object;
  };
  const live = (name: string, listed?: RdsInstance) =>
    reconcileLive(
      context,
      structuredClone(kube.objects.get(name)!),
      listed ? { signal, listed } : { signal },
    );
  const deletion = (name: string) =>
    reconcileDeletion(context, structuredClone(kube.objects.get(name)!), { signal });
  const identifier = (name: string) =>
    instanceIdentifier(config.identifierPrefix, {
      clusterName: config.clusterName,
      namespace: 'shop',
      name,
      uid: `uid-${name}`,
    });
  return { rds, kube, events, context, add, live, deletion, identifier };
}

function condition(object: PostgresDB | undefined, type: string) {
  return object?.status?.conditions?.find((c) => c.type === type);
}

t.test('create: finalizer, Secret with the password before the instance, then Ready', async (t) => {
  const { rds, kube, events, add, live, identifier } = setup();
  add('orders');
  const first = await live('orders');
  t.same(first, { requeueAfterMs: 1000 }, 'polls while creating');
  t.same(kube.writes.slice(0, 2), ['patch postgresdb', 'create secret'], 'finalizer, then Secret');
  t.same(
    rds.calls,
    ['create'],
    'a new resource is not looked up: CreateDBInstance says if the name is taken',
  );
  const id = identifier('orders');
  const secret = decodeSecretData(kube.secrets.get('orders'));
  t.equal(rds.passwords.get(id), secret.password, 'instance got the Secret password');
  t.notOk(secret.host, 'no connection keys before the endpoint');
  t.ok(kube.objects.get('orders')!.metadata.finalizers?.includes(FINALIZER));
  t.equal(kube.objects.get('orders')!.status, undefined, 'the status waits for a first look');
  t.same(await live('orders'), { requeueAfterMs: 1000 }, 'the first look: still creating');
  t.same(rds.calls, ['create', 'describe'], 'looked up: its Secret says it may exist');
  const object = kube.objects.get('orders')!;
  t.match(object.status, {
    phase: 'Provisioning',
    rdsStatus: 'creating',
    dbInstanceIdentifier: id,
    secretName: 'orders',
  });
  t.match(condition(object, 'Ready'), { status: 'False', reason: 'Creating' });
  t.match(
    events.map((e) => e.reason),
    ['Creating'],
  );

  rds.becomeAvailable(id);
  t.same(await live('orders'), {}, 'settled: no requeue');
  const ready = kube.objects.get('orders')!;
  t.match(ready.status, { phase: 'Available', serviceName: 'orders', endpoint: { port: 5432 } });
  t.match(condition(ready, 'Ready'), { status: 'True' });
  const data = decodeSecretData(kube.secrets.get('orders'));
  t.equal(data.DB_HOST, `${id}.abc.us-east-1.rds.amazonaws.com`);
  t.equal(data.password, secret.password, 'password unchanged');
  t.equal(kube.services.get('orders')?.spec?.externalName, data.host);
  t.match(
    events.map((e) => e.reason),
    ['Creating', 'Ready'],
  );

  const writesBefore = kube.writes.length;
  const rdsBefore = rds.mutatingCalls().length;
  await live('orders');
  await live('orders', structuredClone(rds.instances.get(id)!));
  t.equal(kube.writes.length, writesBefore, 'steady state: no Kubernetes write');
  t.equal(rds.mutatingCalls().length, rdsBefore, 'steady state: no RDS write');
  t.equal(events.length, 2, 'no new event');
});

t.test('a new instance available at the first look: one status write, Ready', async (t) => {
  const { rds, kube, events, add, live, identifier } = setup();
  add('orders');
  kube.objects.get('orders')!.metadata.finalizers = [FINALIZER];
  await live('orders');
  rds.becomeAvailable(identifier('orders'));
  t.same(await live('orders'), {}, 'settled');
  t.same(
    kube.writes,
    ['create secret', 'patch secret', 'create service', 'patch status'],
    'with the finalizer set at admission: the Secret, its connection keys, the Service and one status',
  );
  t.match(kube.objects.get('orders')!.status, { phase: 'Available' });
  t.same(
    events.map((e) => e.reason),
    ['Creating', 'Ready'],
    'every Event',
  );
  t.same(rds.calls, ['create', 'describe'], 'two RDS calls');
});

t.test('a Secret the cache has not seen yet: its password is kept, never reset', async (t) => {
  const { rds, kube, events, context, add, live, identifier } = setup();
  add('orders');
  await live('orders');
  const id = identifier('orders');
  const password = rds.passwords.get(id);
  // A new leader whose Secret informer has not listed yet: the Secret exists, unseen.
  context.secrets = { ...context.secrets, seen: () => false };
  await live('orders');
  t.equal(rds.instances.size, 1, 'no second instance');
  t.equal(decodeSecretData(kube.secrets.get('orders')).password, password, 'the same password');
  t.notOk(kube.secrets.get('orders')?.metadata.annotations?.['stow.dev/password-reset'], 'no reset');
  t.notOk(
    events.some((event) => event.reason === 'SecretRecreated'),
    'nothing recreated',
  );
  t.equal(rds.passwords.get(id), password, 'the instance keeps its password');
});

/** Answers every check with `verdict` at once, and records what was asked. */
function fixedVerdicts(verdict: AccessVerdict | undefined) {
  const asked: Array<{ key: string; password: string; address: string; wait: boolean }> = [];
  const access: AccessVerdicts = {
    async verdict(key, target, _generation, { wait }) {
      asked.push({ key, password: target.password, address: target.address, wait });
      return verdict;
    },
  };
  return { access, asked };
}

t.test('access check: once Ready, its verdict lands in the same status write', async (t) => {
  const { access, asked } = fixedVerdicts({ status: 'True', reason: 'Connected', message: 'Connected' });
  const { rds, kube, events, add, live, identifier } = setup({ access });
  add('orders');
  await live('orders');
  t.same(asked, [], 'not while the instance is creating');
  t.notOk(condition(kube.objects.get('orders'), 'Connectable'));

  const id = identifier('orders');
  rds.becomeAvailable(id);
  const statusWrites = () => kube.writes.filter((w) => w === 'patch status').length;
  const before = statusWrites();
  await live('orders');
  t.equal(statusWrites(), before + 1, 'Ready and Connectable in one write');
  const ready = kube.objects.get('orders')!;
  t.match(condition(ready, 'Ready'), { status: 'True' });
  t.match(condition(ready, 'Connectable'), { status: 'True', reason: 'Connected', observedGeneration: 1 });
  const secret = decodeSecretData(kube.secrets.get('orders'));
  t.match(asked, [{ key: 'shop/orders', password: secret.password, address: secret.host, wait: true }]);

  const writes = kube.writes.length;
  await live('orders');
  t.equal(kube.writes.length, writes, 'the same verdict again: nothing written');
  t.equal(asked.at(-1)?.wait, false, 'with a condition in status, no reconcile waits for a check');
  t.notOk(events.some((e) => e.reason === 'NotConnectable'));
});

t.test('access check: False gives one Warning per reason; checking keeps the last verdict', async (t) => {
  const failed = { status: 'False', reason: 'AuthenticationFailed', message: 'refused' } as const;
  const checks = fixedVerdicts(failed);
  const { rds, kube, events, add, live, identifier } = setup({ access: checks.access });
  add('orders');
  await live('orders');
  rds.becomeAvailable(identifier('orders'));
  await live('orders');
  await live('orders');
  t.match(condition(kube.objects.get('orders'), 'Connectable'), failed);
  const warnings = events.filter((e) => e.reason === 'NotConnectable');
  t.match(warnings, [{ type: 'Warning', message: 'AuthenticationFailed: refused' }], 'once');
  t.match(condition(kube.objects.get('orders'), 'Ready'), { status: 'True' }, 'Ready is about RDS only');

  const pending = setup({ access: fixedVerdicts(undefined).access });
  pending.add('fresh');
  await pending.live('fresh');
  pending.rds.becomeAvailable(pending.identifier('fresh'));
  await pending.live('fresh');
  t.match(
    condition(pending.kube.objects.get('fresh'), 'Connectable'),
    { status: 'Unknown', reason: 'Checking' },
    'a first check still running: Unknown',
  );
});

t.test('access check off: no condition, and a condition left from before is removed', async (t) => {
  const { rds, kube, add, live, identifier } = setup();
  add('orders');
  await live('orders');
  rds.becomeAvailable(identifier('orders'));
  await live('orders');
  const object = kube.objects.get('orders')!;
  t.notOk(condition(object, 'Connectable'));
  object.status!.conditions!.push({
    type: 'Connectable',
    status: 'True',
    reason: 'Connected',
    message: 'Connected',
    lastTransitionTime: '2025-01-01T00:00:00Z',
  });
  await live('orders');
  t.notOk(condition(kube.objects.get('orders'), 'Connectable'));
});

t.test(
  'tags: a key removed from spec.tags leaves the instance; tags Stow never put there stay',
  async (t) => {
    const { rds, kube, add, live, identifier } = setup();
    add('tagged', { tags: { team: 'payments', env: 'prod' } });
    await live('tagged');
    const id = identifier('tagged');
    rds.becomeAvailable(id);
    await live('tagged');
    t.same(kube.objects.get('tagged')?.status?.tagKeys, ['env', 'team'], 'applied keys recorded');
    rds.instances.get(id)!.tags['cost-center'] = '42'; // added outside Stow

    const object = kube.objects.get('tagged')!;
    object.spec.tags = { team: 'payments' };
    object.metadata.generation = 2;
    const callsBefore = rds.calls.length;
    await live('tagged');
    t.same(
      rds.calls.slice(callsBefore).filter((c) => c.endsWith('Tags')),
      ['removeTags'],
      'one removal',
    );
    const tags = rds.instances.get(id)!.tags;
    t.notOk('env' in tags, 'env removed');
    t.equal(tags.team, 'payments', 'team kept');
    t.equal(tags['cost-center'], '42', 'a tag Stow never put there stays');
    t.equal(tags['stow.dev/uid'], 'uid-tagged', 'ownership tags stay');
    t.same(kube.objects.get('tagged')?.status?.tagKeys, ['team']);

    const rdsBefore = rds.mutatingCalls().length;
    const writesBefore = kube.writes.length;
    await live('tagged');
    t.equal(rds.mutatingCalls().length, rdsBefore, 'then no RDS write');
    t.equal(kube.writes.length, writesBefore, 'and no Kubernetes write');
  },
);

t.test('a lost CreateDBInstance answer never leads to a second instance', async (t) => {
  const { rds, kube, add, live, identifier } = setup();
  add('orders');
  rds.loseNextCreateResponse = true;
  await t.rejects(live('orders'), 'the lost answer fails the reconcile (backoff)');
  await live('orders');
  t.equal(rds.instances.size, 1);
  t.equal(rds.calls.filter((c) => c === 'create').length, 1);
  t.equal(rds.passwords.get(identifier('orders')), decodeSecretData(kube.secrets.get('orders')).password);
});

t.test('DBInstanceAlreadyExists: own instance taken, another one refused', async (t) => {
  const { rds, kube, add, live, identifier, events } = setup();
  const object = add('orders');
  const id = identifier('orders');
  // A new resource is not looked up first (or a lookup missed it): create then collides.
  await rds.createInstance({
    ...baseInput(id),
    tags: ownershipTags({
      clusterName: 'unit',
      namespace: 'shop',
      name: 'orders',
      uid: object.metadata.uid!,
    }),
  });
  t.same(await live('orders'), { requeueAfterMs: 1000 });
  t.match(kube.objects.get('orders')?.status, { dbInstanceIdentifier: id });

  add('billing');
  const billingId = identifier('billing');
  await rds.createInstance({
    ...baseInput(billingId),
    tags: { 'stow.dev/managed-by': 'stow', 'stow.dev/uid': 'intruder', 'stow.dev/cluster': 'unit' },
  });
  await live('billing');
  t.match(condition(kube.objects.get('billing'), 'Synced'), { status: 'False', reason: 'AdoptionRefused' });
  t.ok(events.some((e) => e.type === 'Warning' && e.reason === 'AdoptionRefused'));
  t.match(condition(kube.objects.get('billing'), 'Synced')?.message, /belongs to/);

  add('ledger');
  await rds.createInstance({ ...baseInput(identifier('ledger')), tags: {} });
  await live('ledger');
  t.match(
    condition(kube.objects.get('ledger'), 'Synced'),
    { status: 'False', reason: 'AdoptionRefused', message: /not managed by stow; to adopt it/ },
    'an instance Stow does not manage is named as such, with how to adopt it',
  );
});

function baseInput(identifier: string): CreateInstanceInput {
  return {
    identifier,
    instanceClass: 'db.t3.small',
    engineVersion: '16',
    allocatedStorageGiB: 20,
    storageType: 'gp3',
    multiAZ: false,
    masterUsername: 'stow_admin',
    masterUserPassword: 'original-password',
    databaseName: 'orders',
    backupRetentionDays: 7,
    deletionProtection: false,
    publiclyAccessible: false,
    tags: {},
  };
}

t.test('an invalid spec: Synced=False with the reasons, and no AWS call', async (t) => {
  const { rds, kube, add, live, events } = setup();
  add('bad', { instanceClass: 'large', storage: { sizeGiB: 5, type: 'io1' } });
  t.same(await live('bad'), {});
  t.same(rds.calls, []);
  const synced = condition(kube.objects.get('bad'), 'Synced');
  t.match(synced, { status: 'False', reason: 'InvalidSpec' });
  t.match(synced?.message, /spec\.instanceClass/);
  t.match(synced?.message, /spec\.storage\.sizeGiB/);
  t.equal(kube.objects.get('bad')?.status?.phase, 'Failed');
  t.ok(events.some((e) => e.reason === 'InvalidSpec'));
  t.notOk(kube.objects.get('bad')?.metadata.finalizers, 'no finalizer: nothing to clean up');
});

const adoptionAllowed = staticPolicies(
  [
    {
      apiVersion: 'stow.dev/v1beta1',
      kind: 'PostgresDBPolicy',
      metadata: { name: 'legacy' },
      spec: { adoption: { enabled: true, identifiers: ['legacy-*'] }, allowPublicAccess: true },
    },
  ],
  {},
);

/** An instance set up by hand, far from Stow's defaults. */
function handMadeInput(identifier: string): CreateInstanceInput {
  return {
    ...baseInput(identifier),
    engineVersion: '14.10',
    multiAZ: true,
    backupRetentionDays: 30,
    deletionProtection: true,
    publiclyAccessible: true,
    securityGroupIds: ['sg-0123456789abcdef0'],
    masterUsername: 'postgres',
    tags: { team: 'old' },
  };
}

t.test('adoption with a minimal spec changes nothing on the instance; status reflects it', async (t) => {
  const { rds, kube, add, live } = setup({ policies: adoptionAllowed });
  await rds.createInstance(handMadeInput('legacy-db'));
  rds.becomeAvailable('legacy-db');
  kube.secrets.set('legacy-credentials', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'legacy-credentials', namespace: 'shop', resourceVersion: '1' },
    data: { password: Buffer.from('original-password').toString('base64') },
  });
  add(
    'legacy',
    {},
    { [ANNOTATION_IDENTIFIER]: 'legacy-db', 'stow.dev/credentials-secret': 'legacy-credentials' },
  );
  for (let run = 0; run < 3; run++) await live('legacy');
  t.notOk(rds.calls.includes('modify'), `no ModifyDBInstance: ${rds.calls.join(',')}`);
  const instance = rds.instances.get('legacy-db')!;
  t.match(instance, {
    engineVersion: '14.10',
    multiAZ: true,
    backupRetentionDays: 30,
    deletionProtection: true,
    publiclyAccessible: true,
  });
  t.equal(instance.tags['stow.dev/uid'], 'uid-legacy', 'claimed by tags');
  t.equal(rds.passwords.get('legacy-db'), 'original-password', 'password untouched');
  const secret = kube.secrets.get('legacy')!;
  t.match(decodeSecretData(secret), { password: 'original-password', username: 'postgres' });
  t.same(
    kube.secrets.get('legacy-credentials')?.metadata,
    { name: 'legacy-credentials', namespace: 'shop', resourceVersion: '1' },
    'the named Secret is only read',
  );
  t.match(kube.objects.get('legacy')?.status, { dbInstanceIdentifier: 'legacy-db', phase: 'Available' });
  t.match(condition(kube.objects.get('legacy'), 'PolicyCompliant'), { status: 'True' });
});

t.test('adoption: the master password is reset only when asked', async (t) => {
  const { rds, kube, add, live } = setup({ policies: adoptionAllowed });
  await rds.createInstance({ ...baseInput('legacy-db'), tags: { team: 'old' } });
  rds.becomeAvailable('legacy-db');
  add('legacy', {}, { [ANNOTATION_IDENTIFIER]: 'legacy-db' });
  await live('legacy');
  t.match(condition(kube.objects.get('legacy'), 'Synced'), {
    status: 'False',
    reason: 'AdoptionNeedsCredentials',
  });
  t.notOk(kube.secrets.has('legacy'), 'no Secret without a known password');
  t.equal(rds.passwords.get('legacy-db'), 'original-password');
  t.notOk(rds.calls.includes('modify'));

  add('legacy', {}, { [ANNOTATION_IDENTIFIER]: 'legacy-db', 'stow.dev/reset-master-password': 'true' });
  await live('legacy');
  const secret = kube.secrets.get('legacy')!;
  t.equal(
    rds.passwords.get('legacy-db'),
    decodeSecretData(secret).password,
    'new password set on the instance',
  );
  t.not(decodeSecretData(secret).password, 'original-password');
  t.notOk(secret.metadata.annotations?.['stow.dev/password-reset'], 'reset marker removed');
});

t.test('adoption: refused without a policy allowing it, and never takes over a Secret', async (t) => {
  const noPolicy = setup();
  await noPolicy.rds.createInstance(baseInput('legacy-db'));
  noPolicy.rds.becomeAvailable('legacy-db');
  noPolicy.add(
    'legacy',
    {},
    { [ANNOTATION_IDENTIFIER]: 'legacy-db', 'stow.dev/reset-master-password': 'true' },
  );
  await noPolicy.live('legacy');
  t.match(condition(noPolicy.kube.objects.get('legacy'), 'Synced'), {
    status: 'False',
    reason: 'AdoptionRefused',
  });
  t.same(noPolicy.rds.mutatingCalls(), ['create'], 'no tag, no modify');

  const { rds, kube, add, live } = setup({ policies: adoptionAllowed });
  await rds.createInstance(baseInput('legacy-db'));
  rds.becomeAvailable('legacy-db');
  const foreign = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'legacy', namespace: 'shop', resourceVersion: '1' },
    data: { password: Buffer.from('somebody-elses').toString('base64') },
  } as const;
  kube.secrets.set('legacy', structuredClone(foreign) as Secret);
  add('legacy', {}, { [ANNOTATION_IDENTIFIER]: 'legacy-db', 'stow.dev/reset-master-password': 'true' });
  await live('legacy');
  t.match(condition(kube.objects.get('legacy'), 'Synced'), { status: 'False', reason: 'SecretConflict' });
  t.same(kube.secrets.get('legacy'), foreign, 'the Secret is left as it was');
  t.equal(rds.passwords.get('legacy-db'), 'original-password');
});

t.test('adoption refused for an instance released by another namespace or cluster', async (t) => {
  for (const [title, clusterName, namespace] of [
    ['another namespace', config.clusterName, 'other'],
    ['another cluster', 'elsewhere', 'shop'],
  ] as const) {
    const { rds, kube, add, live } = setup({ policies: adoptionAllowed });
    const tags = {
      ...ownershipTags({ clusterName, namespace, name: 'owner', uid: 'uid-owner' }),
      [TAG_MANAGED_BY]: 'retained',
    };
    await rds.createInstance({ ...baseInput('legacy-db'), tags });
    rds.becomeAvailable('legacy-db');
    add('legacy', {}, { [ANNOTATION_IDENTIFIER]: 'legacy-db', 'stow.dev/reset-master-password': 'true' });
    await live('legacy');
    t.match(
      condition(kube.objects.get('legacy'), 'Synced'),
      { status: 'False', reason: 'AdoptionRefused' },
      title,
    );
    t.same(rds.mutatingCalls(), ['create'], `${title}: no tag, no modify`);
  }
});

t.test('policies: a violating instance is not created; a violating change is not applied', async (t) => {
  const policies = staticPolicies([
    {
      apiVersion: 'stow.dev/v1beta1',
      kind: 'PostgresDBPolicy',
      metadata: { name: 'tenants' },
      spec: { instanceClasses: ['db.t3.*'], storage: { maxSizeGiB: 100 } },
    },
  ]);
  const { rds, kube, add, live, events, identifier } = setup({ policies });
  add('big', { storage: { sizeGiB: 500 } });
  await live('big');
  t.same(rds.mutatingCalls(), [], 'no AWS write');
  const synced = condition(kube.objects.get('big'), 'Synced');
  t.match(synced, { status: 'False', reason: 'PolicyViolation' });
  t.match(
    synced?.message,
    /spec\.storage\.sizeGiB: must be at most 100 under PostgresDBPolicy "tenants" \(got 500\)/,
  );

  add('orders');
  await live('orders');
  rds.becomeAvailable(identifier('orders'));
  await live('orders');
  t.match(condition(kube.objects.get('orders'), 'PolicyCompliant'), { status: 'True' });
  kube.objects.get('orders')!.spec.instanceClass = 'db.r6g.large';
  kube.objects.get('orders')!.spec.deletionProtection = true;
  await live('orders');
  const instance = rds.instances.get(identifier('orders'))!;
  t.equal(instance.instanceClass, 'db.t3.small', 'the violating class is not applied');
  t.equal(instance.deletionProtection, true, 'the allowed change is');
  t.match(condition(kube.objects.get('orders'), 'PolicyCompliant'), {
    status: 'False',
    reason: 'PolicyViolation',
    message: /spec\.instanceClass: not allowed by PostgresDBPolicy "tenants"/,
  });
  t.ok(
    events.some((e) => e.reason === 'PolicyViolation' && /instanceClass/.test(e.message)),
    'an Event says why',
  );
});

t.test('adoption refused when another resource owns the instance', async (t) => {
  const { rds, kube, add, live } = setup();
  await rds.createInstance({
    ...baseInput('taken-db'),
    tags: ownershipTags({ clusterName: 'unit', namespace: 'other', name: 'owner', uid: 'uid-owner' }),
  });
  add('thief', {}, { [ANNOTATION_IDENTIFIER]: 'taken-db' });
  await live('thief');
  t.same(rds.mutatingCalls(), ['create'], 'no tag, no modify');
  const status = kube.objects.get('thief')?.status;
  t.match(condition(kube.objects.get('thief'), 'Synced'), { status: 'False', reason: 'AdoptionRefused' });
  t.match(condition(kube.objects.get('thief'), 'Synced')?.message, /other\/owner/);
  t.notOk(status?.endpoint);
  t.notOk(kube.secrets.has('thief'), 'no Secret for a refused instance');
});

t.test('a listed observation only confirms; any write reads afresh', async (t) => {
  const { rds, add, live, identifier } = setup();
  add('orders');
  await live('orders');
  const id = identifier('orders');
  rds.becomeAvailable(id);
  const stale = structuredClone(rds.instances.get(id)!);
  await t.rejects(live('orders', stale), StaleObservation, 'Ready is new: a write is due');
});

t.test('deletion policies', async (t) => {
  for (const [policy, keepAfterDeletion, deletesBackups] of [
    ['Delete', undefined, true],
    ['Delete', true, false],
    ['Snapshot', undefined, false],
    ['Snapshot', false, true],
  ] as const) {
    const { rds, kube, add, live, deletion, identifier, events } = setup();
    add('orders', {
      deletionPolicy: policy,
      ...(keepAfterDeletion === undefined ? {} : { backup: { keepAfterDeletion } }),
    });
    await live('orders');
    const id = identifier('orders');
    rds.becomeAvailable(id);
    await live('orders');
    kube.objects.get('orders')!.metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
    if (policy === 'Snapshot') {
      // What the PostgresDBSnapshot controller does with the object the deletion creates.
      t.same(await deletion('orders'), { requeueAfterMs: 1000 }, 'Snapshot: waits for the final snapshot');
      t.notOk(
        rds.calls.some((c) => c.startsWith('delete')),
        'nothing deleted before the snapshot',
      );
      const final = kube.snapshots.get('orders-final-uidorder');
      t.equal(final?.spec.deletionPolicy, 'Retain', 'the final snapshot is a PostgresDBSnapshot, kept');
      t.equal(final?.metadata.annotations?.['stow.dev/identifier'], `${id}-final-uidorder`);
      t.ok(events.some((e) => e.reason === 'FinalSnapshot'));
      await rds.createSnapshot({
        instanceIdentifier: id,
        snapshotIdentifier: `${id}-final-uidorder`,
        tags: {},
      });
      t.same(await deletion('orders'), { requeueAfterMs: 1000 }, 'Snapshot: waits while it is creating');
      t.match(condition(kube.objects.get('orders'), 'Ready')?.message, /Waiting for the final snapshot/);
      t.notOk(
        rds.calls.some((c) => c.startsWith('delete')),
        'nothing deleted while it is creating',
      );
      rds.snapshots.get(`${id}-final-uidorder`)!.status = 'available';
    }
    t.same(await deletion('orders'), { requeueAfterMs: 1000 }, `${policy}: polls while deleting`);
    t.ok(rds.calls.includes('delete'), `${policy}: ${rds.calls.join(',')}`);
    t.ok(
      kube.objects.get('orders')?.metadata.finalizers?.includes(FINALIZER),
      'finalizer kept while RDS deletes',
    );
    t.equal(kube.objects.get('orders')?.status?.phase, 'Deleting');
    await deletion('orders');
    t.equal(rds.calls.filter((c) => c.startsWith('delete')).length, 1, 'delete asked once');
    t.equal(
      rds.deletions[0]?.finalSnapshotIdentifier,
      undefined,
      'RDS is never asked for its own final snapshot',
    );
    t.equal(
      rds.deletions[0]?.deleteAutomatedBackups,
      deletesBackups,
      `${policy}, keepAfterDeletion ${keepAfterDeletion}: automated backups ${deletesBackups ? 'deleted' : 'kept'}`,
    );
    t.match(
      events.find((e) => e.reason === 'Deleting')?.message,
      deletesBackups ? /automated backups deleted too/ : /automated backups kept/,
    );
    rds.instances.delete(id);
    t.same(await deletion('orders'), {});
    t.notOk(
      kube.objects.get('orders')?.metadata.finalizers?.includes(FINALIZER),
      'finalizer removed once gone',
    );
    if (policy === 'Snapshot') t.ok(events.some((e) => e.reason === 'SnapshotTaken'));
    t.ok(events.some((e) => e.reason === 'Deleted'));
  }
});

t.test('a failed final snapshot keeps the instance and the resource, and says why once', async (t) => {
  const { rds, kube, add, live, deletion, identifier, events } = setup();
  add('orders', { deletionPolicy: 'Snapshot' });
  await live('orders');
  const id = identifier('orders');
  rds.becomeAvailable(id);
  await live('orders');
  kube.objects.get('orders')!.metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
  await deletion('orders');
  await rds.createSnapshot({ instanceIdentifier: id, snapshotIdentifier: `${id}-final-uidorder`, tags: {} });
  rds.snapshots.get(`${id}-final-uidorder`)!.status = 'failed';
  for (let poll = 0; poll < 3; poll++)
    t.same(await deletion('orders'), { requeueAfterMs: 1000 }, 'polled: a retry is noticed');
  t.notOk(
    rds.calls.some((c) => c.startsWith('delete')),
    'the instance is not deleted',
  );
  t.ok(kube.objects.get('orders')?.metadata.finalizers?.includes(FINALIZER), 'the resource stays');
  const synced = condition(kube.objects.get('orders'), 'Synced');
  t.match(synced, { status: 'False', reason: 'FinalSnapshotFailed' });
  t.match(synced?.message, /is failed, so the instance is not deleted/);
  t.match(synced?.message, /Delete PostgresDBSnapshot orders-final-uidorder/);
  t.equal(events.filter((e) => e.reason === 'FinalSnapshotFailed').length, 1, 'one Warning, not one a poll');
});

t.test('Retain leaves the instance and releases it', async (t) => {
  const { rds, kube, add, live, deletion, identifier } = setup();
  add('orders', { deletionPolicy: 'Retain' });
  await live('orders');
  kube.objects.get('orders')!.metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
  t.same(await deletion('orders'), {});
  const instance = rds.instances.get(identifier('orders'))!;
  t.equal(instance.status, 'creating', 'not deleted');
  t.equal(instance.tags[TAG_MANAGED_BY], 'retained');
  t.notOk(kube.objects.get('orders')?.metadata.finalizers?.includes(FINALIZER));
});

t.test('a foreign instance is never deleted', async (t) => {
  const { rds, kube, add, live, deletion } = setup();
  await rds.createInstance({
    ...baseInput('taken-db'),
    tags: ownershipTags({ clusterName: 'unit', namespace: 'other', name: 'owner', uid: 'uid-owner' }),
  });
  add('thief', { deletionPolicy: 'Delete' }, { [ANNOTATION_IDENTIFIER]: 'taken-db' });
  kube.objects.get('thief')!.metadata.finalizers = [FINALIZER];
  await live('thief');
  kube.objects.get('thief')!.metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
  await deletion('thief');
  t.equal(rds.instances.get('taken-db')?.status, 'creating');
  t.notOk(rds.calls.some((c) => c.startsWith('delete')));
});

t.test('Secret deleted under a live instance: refused, never regenerated', async (t) => {
  const { rds, kube, add, live, identifier } = setup();
  add('orders');
  await live('orders');
  await live('orders');
  t.match(kube.objects.get('orders')!.status, { dbInstanceIdentifier: identifier('orders') }, 'recorded');
  const password = rds.passwords.get(identifier('orders'));
  kube.secrets.delete('orders');
  await live('orders');
  t.match(condition(kube.objects.get('orders'), 'Synced'), { status: 'False', reason: 'SecretMissing' });
  t.notOk(kube.secrets.has('orders'));
  t.equal(rds.passwords.get(identifier('orders')), password);
});

t.test('Secret deleted before the new instance was first recorded: its new password is set', async (t) => {
  const { rds, kube, events, add, live, identifier } = setup();
  add('orders');
  await live('orders');
  const id = identifier('orders');
  const first = rds.passwords.get(id);
  kube.secrets.delete('orders');
  await live('orders');
  t.equal(rds.instances.size, 1, 'no second instance');
  const secret = kube.secrets.get('orders');
  const password = decodeSecretData(secret).password;
  t.not(password, first, 'a new Secret, a new password');
  t.equal(secret?.metadata.annotations?.['stow.dev/password-reset'], 'pending', 'to be set on the instance');
  t.match(events.at(-1), { type: 'Warning', reason: 'SecretRecreated' });
  rds.becomeAvailable(id);
  await live('orders');
  t.equal(rds.passwords.get(id), password, "the instance has the Secret's password");
  t.notOk(kube.secrets.get('orders')?.metadata.annotations?.['stow.dev/password-reset'], 'done');
});

t.test('no secret value in events, status or errors', async (t) => {
  const { rds, kube, add, live, events, identifier } = setup();
  add('orders');
  await live('orders');
  rds.becomeAvailable(identifier('orders'));
  await live('orders');
  const password = decodeSecretData(kube.secrets.get('orders')).password!;
  const visible = JSON.stringify({ events, status: kube.objects.get('orders')?.status });
  t.notOk(visible.includes(password));
});

/** A PostgresDB `orders` Ready on an available instance, its password, and the setup. */
async function readyOrders() {
  const setupResult = setup();
  const { rds, kube, add, live, identifier } = setupResult;
  add('orders');
  await live('orders');
  const id = identifier('orders');
  rds.becomeAvailable(id);
  await live('orders');
  const password = decodeSecretData(kube.secrets.get('orders')).password!;
  const askRotation = (value: string) => {
    kube.objects.get('orders')!.metadata.annotations = { 'stow.dev/rotate-password': value };
  };
  return { ...setupResult, id, password, askRotation };
}

t.test(
  'master rotation: the new password is pending in the Secret, set through RDS, then promoted',
  async (t) => {
    const { rds, kube, events, live, id, password, askRotation } = await readyOrders();
    askRotation('2026-01-01T00:00:00Z');
    t.same(await live('orders'), {}, 'the fake RDS stays available');
    let data = decodeSecretData(kube.secrets.get('orders'));
    const pending = data['pending-password']!;
    t.equal(data.password, password, 'the Secret keeps the current password');
    t.equal(rds.passwords.get(id), pending, 'RDS was sent the pending one');
    t.equal(kube.secrets.get('orders')?.metadata.annotations?.['stow.dev/password-rotation'], 'sent');

    rds.instances.get(id)!.pending.masterUserPassword = true;
    await live('orders');
    t.equal(decodeSecretData(kube.secrets.get('orders')).password, password, 'not while RDS applies it');

    delete rds.instances.get(id)!.pending.masterUserPassword;
    await live('orders');
    data = decodeSecretData(kube.secrets.get('orders'));
    t.equal(data.password, pending, 'promoted once RDS has applied it');
    t.equal(data.DB_PASSWORD, pending);
    t.match(data.uri, `:${pending}@`);
    t.notOk(data['pending-password']);
    t.match(kube.secrets.get('orders')?.metadata.annotations, {
      'stow.dev/password-rotation-request': '2026-01-01T00:00:00Z',
      'stow.dev/password-rotated-at': '2025-01-01T00:00:00.000Z',
    });
    t.notOk(kube.secrets.get('orders')?.metadata.annotations?.['stow.dev/password-rotation']);
    t.same(
      events.map((event) => event.reason).filter((reason) => reason.startsWith('Password')),
      ['PasswordRotating', 'PasswordRotated'],
    );
    const modifies = rds.calls.filter((call) => call === 'modify').length;
    await live('orders');
    t.equal(
      rds.calls.filter((call) => call === 'modify').length,
      modifies,
      'the same request: no new rotation',
    );
    t.notOk(JSON.stringify({ events, status: kube.objects.get('orders')?.status }).includes(pending));
  },
);

t.test('master rotation: a crash after ModifyDBInstance sends the same password again', async (t) => {
  const { rds, kube, live, id, password, askRotation } = await readyOrders();
  askRotation('r1');
  const patchSecret = kube.patchSecret.bind(kube);
  kube.patchSecret = async (namespace, name, patch) => {
    if (JSON.stringify(patch).includes('"sent"')) throw new KubeApiError(503, 'ServiceUnavailable', 'gone');
    return patchSecret(namespace, name, patch);
  };
  await t.rejects(live('orders'), /gone/, 'the mark could not be written');
  const pending = decodeSecretData(kube.secrets.get('orders'))['pending-password']!;
  t.equal(rds.passwords.get(id), pending);
  t.equal(
    decodeSecretData(kube.secrets.get('orders')).password,
    password,
    'a working pair: pending is RDS’s',
  );
  kube.patchSecret = patchSecret;
  await live('orders');
  t.equal(rds.passwords.get(id), pending, 'sent again: the same password');
  await live('orders');
  t.equal(decodeSecretData(kube.secrets.get('orders')).password, pending);
});

t.test('master rotation on schedule: everyDays after the last one', async (t) => {
  const { rds, kube, context, live, id, password } = await readyOrders();
  kube.objects.get('orders')!.spec.passwordRotation = { everyDays: 30 };
  t.equal(
    kube.secrets.get('orders')?.metadata.annotations?.['stow.dev/password-rotated-at'],
    '2025-01-01T00:00:00.000Z',
    'a new Secret records when its password was set',
  );
  context.now = () => new Date('2025-01-30T00:00:00Z');
  await live('orders');
  t.equal(rds.passwords.get(id), password, 'not due after 29 days');
  context.now = () => new Date('2025-01-31T00:00:00Z');
  await live('orders');
  await live('orders');
  const data = decodeSecretData(kube.secrets.get('orders'));
  t.not(data.password, password);
  t.equal(rds.passwords.get(id), data.password);
  t.equal(
    kube.secrets.get('orders')?.metadata.annotations?.['stow.dev/password-rotated-at'],
    '2025-01-31T00:00:00.000Z',
  );
});

function availableSnapshot(name: string, identifier: string, sizeGiB = 20): PostgresDBSnapshot {
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDBSnapshot',
    metadata: { name, namespace: 'shop', uid: `uid-${name}` },
    spec: { postgresDBRef: { name: 'orders' }, deletionPolicy: 'Retain' },
    status: { phase: 'Available', snapshotIdentifier: identifier, sizeGiB },
  };
}

t.test(
  'restore from a PostgresDBSnapshot: restored, not created; a new Secret; the new password set first',
  async (t) => {
    const { rds, kube, add, live, identifier, events } = setup();
    kube.snapshots.set('before', availableSnapshot('before', 'stow-shop-before-12345678'));
    add('copy', { restoreFrom: { snapshot: { name: 'before' } }, backup: { retentionDays: 3 } });
    await live('copy');
    const id = identifier('copy');
    t.same(rds.mutatingCalls(), ['restore:stow-shop-before-12345678'], 'restored, never created');
    t.match(
      events.find((e) => e.reason === 'Restoring')?.message,
      /from snapshot stow-shop-before-12345678 \(PostgresDBSnapshot shop\/before\)/,
    );
    const secret = kube.secrets.get('copy')!;
    t.equal(
      secret.metadata.annotations?.['stow.dev/password-reset'],
      'pending',
      'the new password waits for the instance',
    );
    t.equal(rds.instances.get(id)?.tags['stow.dev/uid'], 'uid-copy', 'tagged for the new PostgresDB');
    t.equal(rds.passwords.get(id), 'the-source-password');
    rds.becomeAvailable(id);
    await live('copy');
    const password = decodeSecretData(kube.secrets.get('copy')).password;
    t.equal(rds.passwords.get(id), password, 'the new password is on the instance');
    t.not(password, 'the-source-password');
    t.notOk(kube.secrets.get('copy')?.metadata.annotations?.['stow.dev/password-reset'], 'marker removed');
    t.match(events.find((e) => e.reason === 'PasswordSet')?.message, /restored RDS instance/);
    const data = decodeSecretData(kube.secrets.get('copy'));
    t.equal(data.username, 'source_admin', 'the master user comes from the source');
    t.equal(data.dbname, 'source', 'and the database');
    t.equal(rds.calls.filter((c) => c === 'modify').length, 1, 'the password in one ModifyDBInstance');
  },
);

t.test('a restore looked at before its Secret was seen: Ready only with the new password', async (t) => {
  const { rds, kube, context, add, live, identifier } = setup();
  kube.snapshots.set('before', availableSnapshot('before', 'stow-shop-before-12345678'));
  add('copy', { restoreFrom: { snapshot: { name: 'before' } } });
  await live('copy');
  const id = identifier('copy');
  // The Secret informer lags: no status, no Secret seen, so the next reconcile restores again and
  // finds the instance (DBInstanceAlreadyExists), by then connectable.
  context.secrets = { get: async () => undefined, seen: () => false };
  rds.becomeAvailable(id);
  await live('copy');
  const password = decodeSecretData(kube.secrets.get('copy')).password;
  t.equal(rds.passwords.get(id), password, 'the new password is set in that reconcile');
  t.notOk(kube.secrets.get('copy')?.metadata.annotations?.['stow.dev/password-reset'], 'marker removed');
  t.equal(rds.instances.size, 1, 'no second instance');
});

t.test('restore waits for its snapshot, and refuses what it may not read or cannot fit', async (t) => {
  const pending = setup();
  pending.kube.snapshots.set('before', {
    ...availableSnapshot('before', 'stow-shop-before-12345678'),
    status: { phase: 'Creating' },
  });
  pending.add('copy', { restoreFrom: { snapshot: { name: 'before' } } });
  t.same(await pending.live('copy'), { requeueAfterMs: 1000 }, 'polled');
  t.match(condition(pending.kube.objects.get('copy'), 'Synced'), { reason: 'RestoreSourceNotReady' });
  t.same(pending.rds.mutatingCalls(), [], 'nothing restored yet');

  const small = setup();
  small.kube.snapshots.set('big', availableSnapshot('big', 'stow-shop-big-12345678', 100));
  small.add('copy', { restoreFrom: { snapshot: { name: 'big' } } });
  await small.live('copy');
  t.match(condition(small.kube.objects.get('copy'), 'Synced'), { reason: 'RestoreStorageTooSmall' });
  t.match(
    condition(small.kube.objects.get('copy'), 'Synced')?.message,
    /sizeGiB 20 is smaller than the 100 GiB/,
  );

  const foreign = setup();
  foreign.add('copy', { restoreFrom: { snapshot: { name: 'theirs', namespace: 'other' } } });
  await foreign.live('copy');
  t.match(condition(foreign.kube.objects.get('copy'), 'Synced'), {
    status: 'False',
    reason: 'RestoreRefused',
  });
  t.match(
    condition(foreign.kube.objects.get('copy'), 'Synced')?.message,
    /no PostgresDBPolicy shares the snapshots/,
  );
  t.same(foreign.rds.mutatingCalls(), []);

  const byIdentifier = setup();
  byIdentifier.add('copy', { restoreFrom: { rdsSnapshotIdentifier: 'prod-orders-2026' } });
  await byIdentifier.live('copy');
  t.match(
    condition(byIdentifier.kube.objects.get('copy'), 'Synced')?.message,
    /restoring from RDS snapshots is off/,
  );

  const policies = staticPolicies([
    {
      apiVersion: 'stow.dev/v1beta1',
      kind: 'PostgresDBPolicy',
      metadata: { name: 'restores' },
      spec: { rdsSnapshotRestore: { enabled: true, identifiers: ['prod-*'] } },
    },
  ]);
  const tagged = setup({ policies });
  tagged.rds.snapshots.set('prod-orders-2026', {
    identifier: 'prod-orders-2026',
    instanceIdentifier: 'x',
    status: 'available',
    arn: 'prod-orders-2026',
    tags: ownershipTags({ clusterName: 'unit', namespace: 'team-b', name: 'theirs', uid: 'u' }),
  });
  tagged.add('copy', { restoreFrom: { rdsSnapshotIdentifier: 'prod-orders-2026' } });
  await tagged.live('copy');
  t.match(condition(tagged.kube.objects.get('copy'), 'Synced'), { reason: 'RestoreRefused' });
  t.match(condition(tagged.kube.objects.get('copy'), 'Synced')?.message, /taken for team-b\/theirs/);
  t.same(tagged.rds.mutatingCalls(), [], 'another namespace’s data is not restored by identifier');
});

t.test('restore to a point in time: the latest, or a time, of a PostgresDB of the namespace', async (t) => {
  for (const [title, pointInTime, call] of [
    ['latest', { latest: true }, 'latest'],
    ['a time', { time: '2025-01-01T10:00:00Z' }, '2025-01-01T10:00:00Z'],
  ] as const) {
    const { rds, add, live, identifier } = setup();
    add('orders');
    await live('orders');
    rds.becomeAvailable(identifier('orders'));
    await live('orders');
    rds.instances.get(identifier('orders'))!.createdAt = '2024-12-01T00:00:00Z';
    add('copy', { restoreFrom: { pointInTime: { postgresDBRef: { name: 'orders' }, ...pointInTime } } });
    await live('copy');
    t.ok(
      rds.calls.includes(`restoreToPointInTime:${identifier('orders')}@${call}`),
      `${title}: ${rds.calls.join(',')}`,
    );
    t.ok(rds.instances.has(identifier('copy')), `${title}: a new instance`);
  }
});
