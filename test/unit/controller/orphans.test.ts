// Orphans: the pure judgement of every listed RDS instance (which writes it may lead to, for any
// tags, status, configuration and time), the cleanup steps, the snapshot's name and tags, the
// reminder throttle, and the handler's calls against an in-memory RDS.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import {
  MANAGED_BY_VALUE,
  TAG_CLUSTER,
  TAG_MANAGED_BY,
  TAG_NAME,
  TAG_NAMESPACE,
  TAG_ORPHANED_AT,
  TAG_UID,
} from '../../../src/api/constants.js';
import type { PostgresDB } from '../../../src/api/v1beta1.js';
import { RdsError } from '../../../src/aws/errors.js';
import type {
  CreateSnapshotInput,
  DeleteInstanceInput,
  RdsGateway,
  RdsInstance,
  RdsSnapshot,
} from '../../../src/aws/types.js';
import { loadConfig } from '../../../src/config/load.js';
import type { ObjectReference } from '../../../src/kube/types.js';
import { Notices, OrphanHandler } from '../../../src/controller/orphan-handler.js';
import {
  cleanupStep,
  judgeInstance,
  type OrphanScene,
  orphanScene,
  orphanSnapshotIdentifier,
  orphanSnapshotTags,
  validMark,
} from '../../../src/controller/orphans.js';
import { silentLogger } from '../../../src/util/logger.js';
import { rdsInstance } from '../../support/rds-instance.js';

const NOW = new Date('2026-11-21T12:00:00.000Z');
const HOUR = 3_600_000;

function instance(overrides: Partial<RdsInstance> = {}, tags: Record<string, string> = {}): RdsInstance {
  const { endpoint: _endpoint, ...withoutEndpoint } = rdsInstance();
  return {
    ...withoutEndpoint,
    identifier: 'stow-apps-orders-1a2b3c4d',
    arn: 'arn:aws:rds:us-east-1:123456789012:db:stow-apps-orders-1a2b3c4d',
    resourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    createdAt: '2026-01-01T00:00:00.000Z',
    engineVersion: '16.8',
    masterUsername: 'stow_admin',
    ...overrides,
    tags: {
      [TAG_CLUSTER]: 'itest',
      [TAG_MANAGED_BY]: MANAGED_BY_VALUE,
      [TAG_NAMESPACE]: 'apps',
      [TAG_NAME]: 'orders',
      [TAG_UID]: '6f1c9a52-8d0e-4b6a-9a57-1f2e3d4c5b6a',
      ...tags,
    },
  };
}

function scene(overrides: Partial<OrphanScene> = {}): OrphanScene {
  return {
    clusterName: 'itest',
    bound: new Set(),
    resources: new Set(),
    watchNamespaces: [],
    action: 'snapshotAndDelete',
    graceMs: 24 * HOUR,
    now: NOW,
    ...overrides,
  };
}

const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

t.test('examples: what each kind of instance gets', async (t) => {
  const orphan = instance();
  t.same(judgeInstance(orphan, scene({ action: 'report' })), {
    kind: 'orphan',
    plan: { step: 'report', reason: 'configured', clearMark: false },
  });
  t.same(judgeInstance(orphan, scene()), {
    kind: 'orphan',
    plan: { step: 'mark', markedAt: NOW.toISOString(), dueAt: new Date(at(24 * HOUR)) },
  });
  const marked = instance({}, { [TAG_ORPHANED_AT]: at(-2 * HOUR) });
  t.same(judgeInstance(marked, scene()), {
    kind: 'orphan',
    plan: { step: 'wait', markedAt: at(-2 * HOUR), dueAt: new Date(at(22 * HOUR)) },
  });
  const overdue = instance({}, { [TAG_ORPHANED_AT]: at(-25 * HOUR) });
  t.same(judgeInstance(overdue, scene()), {
    kind: 'orphan',
    plan: {
      step: 'cleanup',
      markedAt: at(-25 * HOUR),
      snapshotIdentifier: 'stow-apps-orders-1a2b3c4d-orphan-db-abcdefghijklmnopqrstuvwxyz',
    },
  });
  t.same(judgeInstance(overdue, scene({ action: 'report' })).kind, 'orphan');
  t.same(
    judgeInstance(overdue, scene({ action: 'report' })),
    { kind: 'orphan', plan: { step: 'report', reason: 'configured', clearMark: true } },
    'report: a mark left by snapshotAndDelete goes, so switching back starts a full grace period',
  );
  t.same(
    judgeInstance(instance({ deletionProtection: true }, { [TAG_ORPHANED_AT]: at(-25 * HOUR) }), scene()),
    { kind: 'orphan', plan: { step: 'report', reason: 'deletionProtection', clearMark: false } },
    'deletion protection: reported, never touched',
  );
  t.same(
    judgeInstance(overdue, scene({ resources: new Set(['apps/orders']) })),
    { kind: 'orphan', plan: { step: 'report', reason: 'namesake', clearMark: true } },
    'a PostgresDB of that name bound elsewhere: a person decides',
  );
  t.same(judgeInstance(overdue, scene({ bound: new Set([overdue.identifier]) })), {
    kind: 'claimed',
    clearMark: true,
  });
  t.same(judgeInstance(orphan, scene({ bound: new Set([orphan.identifier]) })), {
    kind: 'claimed',
    clearMark: false,
  });
  for (const [what, other] of [
    ['another cluster', instance({}, { [TAG_CLUSTER]: 'other' })],
    ['released by Retain', instance({}, { [TAG_MANAGED_BY]: 'retained' })],
    ['never managed', instance({}, { [TAG_MANAGED_BY]: 'terraform' })],
    ['being deleted', instance({ status: 'deleting' }, { [TAG_ORPHANED_AT]: at(-25 * HOUR) })],
  ] as const) {
    t.same(judgeInstance(other, scene()), { kind: 'ignore' }, what);
  }
  t.same(
    judgeInstance(overdue, scene({ watchNamespaces: ['team-b'] })),
    { kind: 'ignore' },
    'a namespace this controller does not watch (another release may)',
  );
  t.equal(judgeInstance(overdue, scene({ watchNamespaces: ['apps'] })).kind, 'orphan');
});

t.test('marks: a time of this very instance, else a new grace period', async (t) => {
  t.equal(validMark(instance({}, { [TAG_ORPHANED_AT]: '2026-11-20T10:00:00Z' })), '2026-11-20T10:00:00Z');
  t.equal(validMark(instance({}, { [TAG_ORPHANED_AT]: at(-HOUR) })), at(-HOUR));
  for (const bad of [
    '',
    'yesterday',
    '2026-11-20',
    '2026-13-45T99:00:00Z',
    '1',
    '2026-11-20T10:00:00+01:00',
  ]) {
    t.equal(validMark(instance({}, { [TAG_ORPHANED_AT]: bad })), undefined, JSON.stringify(bad));
  }
  const restored = instance({ createdAt: at(-HOUR) }, { [TAG_ORPHANED_AT]: at(-30 * HOUR) });
  t.equal(validMark(restored), undefined, 'older than the instance: copied from a snapshot, not its own');
  t.equal(judgeInstance(restored, scene()).kind, 'orphan');
  t.match(judgeInstance(restored, scene()), { plan: { step: 'mark' } });
});

// ---- property tests ----

/** Runs the property and reports the shrunk counterexample, if any, as one failed assertion. */
function holds<Ts extends [unknown, ...unknown[]]>(t: Test, property: fc.IProperty<Ts>, numRuns: number) {
  const details = fc.check(property, { numRuns });
  t.notOk(
    details.failed,
    details.failed ? (fc.defaultReportMessage(details) ?? 'failed') : `${numRuns} runs`,
  );
}

const identifiers = ['db-a', 'db-b', 'db-c'];
const anyTime = fc.integer({ min: -60 * 24 * HOUR, max: 60 * 24 * HOUR }).map(at);
const arbitraryInstance = fc
  .record({
    identifier: fc.constantFrom(...identifiers),
    resourceId: fc.option(fc.stringMatching(/^db-[A-Z0-9]{4,26}$/), { nil: undefined }),
    createdAt: fc.option(anyTime, { nil: undefined }),
    status: fc.constantFrom('available', 'creating', 'backing-up', 'modifying', 'deleting', 'stopped'),
    deletionProtection: fc.boolean(),
    cluster: fc.option(fc.constantFrom('itest', 'other', ''), { nil: undefined }),
    managedBy: fc.option(fc.constantFrom(MANAGED_BY_VALUE, 'retained', 'terraform'), { nil: undefined }),
    namespace: fc.option(fc.constantFrom('apps', 'team-b'), { nil: undefined }),
    name: fc.constantFrom('orders', 'payments'),
    mark: fc.option(fc.oneof(anyTime, fc.constantFrom('garbage', '')), { nil: undefined }),
  })
  .map((r) => {
    const tags: Record<string, string> = { [TAG_NAME]: r.name, [TAG_UID]: 'uid-1' };
    if (r.cluster !== undefined) tags[TAG_CLUSTER] = r.cluster;
    if (r.managedBy !== undefined) tags[TAG_MANAGED_BY] = r.managedBy;
    if (r.namespace !== undefined) tags[TAG_NAMESPACE] = r.namespace;
    if (r.mark !== undefined) tags[TAG_ORPHANED_AT] = r.mark;
    const base = instance({
      identifier: r.identifier,
      status: r.status,
      deletionProtection: r.deletionProtection,
    });
    const { resourceId: _r, createdAt: _c, ...rest } = base;
    return {
      ...rest,
      ...(r.resourceId === undefined ? {} : { resourceId: r.resourceId }),
      ...(r.createdAt === undefined ? {} : { createdAt: r.createdAt }),
      tags,
    } as RdsInstance;
  });
const arbitraryScene = fc
  .record({
    bound: fc.subarray(identifiers),
    resources: fc.subarray(['apps/orders', 'apps/payments', 'team-b/orders']),
    watchNamespaces: fc.constantFrom([], ['apps'], ['team-b', 'apps']),
    action: fc.constantFrom('report', 'snapshotAndDelete') as fc.Arbitrary<OrphanScene['action']>,
    graceMs: fc.integer({ min: 0, max: 3 * 24 * HOUR }),
  })
  .map((r) => scene({ ...r, bound: new Set(r.bound), resources: new Set(r.resources) }));

t.test('no write ever reaches an instance that is not an unbound orphan of this cluster', async (t) => {
  holds(
    t,
    fc.property(arbitraryInstance, arbitraryScene, (i, s) => {
      const verdict = judgeInstance(i, s);
      const writes =
        (verdict.kind === 'claimed' && verdict.clearMark) ||
        (verdict.kind === 'orphan' &&
          (verdict.plan.step === 'mark' ||
            verdict.plan.step === 'cleanup' ||
            (verdict.plan.step === 'report' && verdict.plan.clearMark)));
      const ours = i.tags[TAG_CLUSTER] === 'itest' && i.tags[TAG_MANAGED_BY] === MANAGED_BY_VALUE;
      if (writes && (!ours || i.status === 'deleting')) return false;
      if (verdict.kind === 'claimed' && !s.bound.has(i.identifier)) return false;
      if (verdict.kind === 'orphan') {
        if (s.bound.has(i.identifier) || !ours) return false;
        const watched =
          s.watchNamespaces.length === 0 || s.watchNamespaces.includes(i.tags[TAG_NAMESPACE] ?? '');
        if (!watched) return false;
        const { plan } = verdict;
        if (plan.step === 'report' && plan.clearMark && i.deletionProtection) return false;
        if (plan.step !== 'report') {
          if (s.action !== 'snapshotAndDelete' || i.deletionProtection) return false;
          if (s.resources.has(`${i.tags[TAG_NAMESPACE]}/${i.tags[TAG_NAME]}`)) return false;
        }
        if (plan.step === 'cleanup') {
          const mark = validMark(i);
          if (mark === undefined || Date.parse(mark) + s.graceMs > s.now.getTime()) return false;
        }
      }
      return true;
    }),
    5000,
  );
});

t.test('marking is idempotent and the grace period counts from the tag alone', async (t) => {
  holds(
    t,
    fc.property(
      arbitraryInstance,
      arbitraryScene,
      fc.integer({ min: 0, max: 4 * 24 * HOUR }),
      (i, s, later) => {
        const verdict = judgeInstance(i, s);
        if (verdict.kind !== 'orphan' || verdict.plan.step !== 'mark') return true;
        // What the controller writes, read back by any replica (or after a restart), at any later time.
        const marked = { ...i, tags: { ...i.tags, [TAG_ORPHANED_AT]: verdict.plan.markedAt } };
        const afterwards = judgeInstance(marked, { ...s, now: new Date(s.now.getTime() + later) });
        if (afterwards.kind !== 'orphan') return false;
        const markedAt = Date.parse(verdict.plan.markedAt);
        const expected = s.now.getTime() + later >= markedAt + s.graceMs ? 'cleanup' : 'wait';
        return markedAt >= s.now.getTime() && afterwards.plan.step === expected;
      },
    ),
    5000,
  );
});

t.test('the snapshot name is deterministic, a valid RDS snapshot identifier, one per instance', async (t) => {
  const rdsInstanceId = fc.stringMatching(/^[a-z](-?[a-z0-9]){0,62}$/);
  const resourceId = fc.option(fc.stringMatching(/^db-[A-Z0-9]{1,26}$/), { nil: undefined });
  holds(
    t,
    fc.property(rdsInstanceId, resourceId, resourceId, (identifier, a, b) => {
      const one = instance({ identifier, ...(a === undefined ? {} : { resourceId: a }) });
      const { resourceId: _r, ...withoutId } = one;
      const first = orphanSnapshotIdentifier(a === undefined ? { ...withoutId } : one);
      const again = orphanSnapshotIdentifier(a === undefined ? { ...withoutId } : one);
      const valid =
        /^[a-z][a-z0-9-]*$/.test(first) &&
        !first.includes('--') &&
        !first.endsWith('-') &&
        first.length <= 255;
      const other = orphanSnapshotIdentifier({ ...one, resourceId: b ?? '' });
      const distinct =
        a === undefined || b === undefined || a.toLowerCase() === b.toLowerCase() || other !== first;
      return first === again && valid && distinct;
    }),
    2000,
  );
});

t.test('the snapshot is released: an instance restored from it is no orphan', async (t) => {
  const marked = instance({}, { [TAG_ORPHANED_AT]: at(-25 * HOUR), team: 'payments' });
  const tags = orphanSnapshotTags(marked);
  t.notOk(TAG_ORPHANED_AT in tags, 'no mark');
  t.equal(tags[TAG_MANAGED_BY], 'retained');
  t.equal(tags.team, 'payments', 'other tags kept');
  t.equal(tags[TAG_UID], marked.tags[TAG_UID], 'provenance kept');
  const restored = instance({ identifier: 'restored', createdAt: at(HOUR) }, tags);
  t.same(judgeInstance(restored, scene({ now: new Date(at(2 * HOUR)) })), { kind: 'ignore' });
});

t.test('cleanup steps: snapshot first, delete only once it is available', async (t) => {
  const i = instance();
  const snapshot = (status: string, of = i.identifier): RdsSnapshot => ({
    identifier: 's',
    instanceIdentifier: of,
    status,
    arn: 'arn:s',
  });
  t.equal(cleanupStep(i, undefined), 'createSnapshot');
  t.equal(cleanupStep({ ...i, status: 'modifying' }, undefined), 'awaitInstance');
  t.equal(cleanupStep({ ...i, status: 'stopped' }, undefined), 'awaitInstance');
  t.equal(cleanupStep({ ...i, status: 'backing-up' }, snapshot('creating')), 'awaitSnapshot');
  t.equal(cleanupStep(i, snapshot('available')), 'deleteInstance');
  t.equal(cleanupStep(i, snapshot('failed')), 'snapshotUnusable');
  t.equal(cleanupStep(i, snapshot('available', 'someone-else')), 'snapshotUnusable');
});

t.test('notices: once, then again after the interval or when the message changes', async (t) => {
  const notices = new Notices(HOUR);
  t.ok(notices.take('a', 'R', 'm', 0), 'first');
  t.notOk(notices.isDue('a', 'R', 'm', HOUR - 1));
  t.notOk(notices.take('a', 'R', 'm', HOUR - 1), 'within the interval');
  t.ok(notices.isDue('a', 'R', 'changed', 1), 'a new message');
  t.ok(notices.take('b', 'R', 'm', 1), 'another instance');
  t.ok(notices.take('a', 'R', 'm', HOUR), 'reminder');
  notices.keepOnly(new Set(['b']));
  t.ok(notices.take('a', 'R', 'm', HOUR + 1), 'forgotten once no longer an orphan');
  t.notOk(notices.take('b', 'R', 'm', HOUR), 'kept');
});

t.test('orphanScene: bound identifiers and names from the resources and the configuration', async (t) => {
  const config = { ...loadConfig(), clusterName: 'itest' };
  const resource = (name: string, status?: string): PostgresDB => ({
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata: { name, namespace: 'apps', uid: `uid-${name}` },
    spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 } },
    ...(status ? { status: { dbInstanceIdentifier: status } } : {}),
  });
  const s = orphanScene([resource('a', 'bound-a'), resource('b')], config, NOW);
  t.ok(s.bound.has('bound-a'));
  t.equal(s.bound.size, 2);
  t.same([...s.resources], ['apps/a', 'apps/b']);
  t.equal(s.action, 'report', 'report unless configured');
  t.equal(s.graceMs, 86_400_000);
});

// ---- the handler against an in-memory RDS ----

class MemoryRds {
  readonly instances = new Map<string, RdsInstance>();
  readonly snapshots = new Map<string, RdsSnapshot>();
  readonly calls: string[] = [];
  async describeInstance(id: string) {
    this.calls.push(`describe ${id}`);
    const found = this.instances.get(id);
    return found && structuredClone(found);
  }
  async describeSnapshot(id: string) {
    this.calls.push(`describeSnapshot ${id}`);
    return this.snapshots.get(id);
  }
  async createSnapshot(input: CreateSnapshotInput) {
    this.calls.push(`createSnapshot ${input.snapshotIdentifier}`);
    if (this.snapshots.has(input.snapshotIdentifier))
      throw new RdsError('AlreadyExists', 'DBSnapshotAlreadyExists', 'exists');
    const snapshot = {
      identifier: input.snapshotIdentifier,
      instanceIdentifier: input.instanceIdentifier,
      status: 'creating',
      arn: 'arn',
    };
    this.snapshots.set(snapshot.identifier, snapshot);
    return snapshot;
  }
  async deleteInstance(id: string, input: DeleteInstanceInput) {
    this.calls.push(`delete ${id} ${JSON.stringify(input)}`);
    const found = this.instances.get(id)!;
    found.status = 'deleting';
    return structuredClone(found);
  }
  async addTags(arn: string, tags: Record<string, string>) {
    this.calls.push(`addTags ${Object.keys(tags).join(',')}`);
    Object.assign([...this.instances.values()].find((i) => i.arn === arn)!.tags, tags);
  }
  async removeTags(arn: string, keys: string[]) {
    this.calls.push(`removeTags ${keys.join(',')}`);
    const found = [...this.instances.values()].find((i) => i.arn === arn)!;
    for (const key of keys) delete found.tags[key];
  }
  writes() {
    return this.calls.filter((c) => !c.startsWith('describe'));
  }
}

function handlerSetup(action: OrphanScene['action'], graceMs = 0) {
  const rds = new MemoryRds();
  const events: Array<{ type: string; reason: string; message: string; regarding: string }> = [];
  const lease: ObjectReference = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    name: 'stow-controller',
    namespace: 'stow-system',
    uid: 'lease-uid',
  };
  const state = { bound: new Set<string>(), now: NOW };
  const handler = new OrphanHandler({
    rds: rds as unknown as RdsGateway,
    events: {
      async record(regarding, type, reason, message) {
        events.push({
          type,
          reason,
          message,
          regarding: `${regarding.kind}/${regarding.namespace}/${regarding.name}`,
        });
      },
    },
    regarding: () => lease,
    logger: silentLogger(),
    scene: () => scene({ action, graceMs, bound: state.bound, now: state.now }),
  });
  const review = () =>
    handler.review(
      [...rds.instances.values()].map((i) => structuredClone(i)),
      new AbortController().signal,
    );
  return { rds, events, state, review };
}

t.test('handler, report: one Warning on the Lease per orphan, none per resync, no AWS write', async (t) => {
  const { rds, events, review } = handlerSetup('report');
  const orphan = instance();
  rds.instances.set(orphan.identifier, orphan);
  const protectedOne = instance({ identifier: 'protected', arn: 'arn:protected', deletionProtection: true });
  rds.instances.set('protected', protectedOne);
  const foreign = instance({ identifier: 'foreign', arn: 'arn:foreign' }, { [TAG_CLUSTER]: 'other' });
  rds.instances.set('foreign', foreign);
  t.same((await review()).sort(), ['protected', orphan.identifier].sort());
  await review();
  await review();
  t.same(
    events.map((e) => [e.type, e.reason, e.regarding]),
    [
      ['Warning', 'OrphanedInstance', 'Lease/stow-system/stow-controller'],
      ['Warning', 'OrphanedInstance', 'Lease/stow-system/stow-controller'],
    ],
  );
  t.match(
    events[0]!.message,
    /belongs to PostgresDB apps\/orders \(uid .*\) in cluster itest, which does not exist/,
  );
  t.same(rds.writes(), [], 'report touches nothing');
});

t.test('handler, snapshotAndDelete: mark, snapshot once, delete once available', async (t) => {
  const { rds, events, state, review } = handlerSetup('snapshotAndDelete', HOUR);
  const orphan = instance();
  rds.instances.set(orphan.identifier, orphan);
  const protectedOne = instance({ identifier: 'protected', arn: 'arn:protected', deletionProtection: true });
  rds.instances.set('protected', protectedOne);
  await review();
  t.equal(orphan.tags[TAG_ORPHANED_AT], NOW.toISOString(), 'marked with the time first seen');
  t.notOk(protectedOne.tags[TAG_ORPHANED_AT], 'a protected orphan is not marked');
  await review();
  t.same(rds.writes(), [`addTags ${TAG_ORPHANED_AT}`], 'waiting writes nothing more');

  state.now = new Date(NOW.getTime() + HOUR);
  await review();
  const snapshotId = orphanSnapshotIdentifier(orphan);
  await review();
  await review();
  t.same(
    rds.writes().filter((c) => c.startsWith('createSnapshot')),
    [`createSnapshot ${snapshotId}`],
    'one snapshot however many resyncs',
  );
  t.notOk(
    rds.writes().some((c) => c.startsWith('delete')),
    'no delete before the snapshot is available',
  );
  rds.snapshots.get(snapshotId)!.status = 'available';
  await review();
  await review();
  t.same(
    rds.writes().filter((c) => c.startsWith('delete')),
    [`delete ${orphan.identifier} {"deleteAutomatedBackups":false}`],
    'deleted once, automated backups kept',
  );
  t.same(
    events.map((e) => `${e.type} ${e.reason}`),
    [
      'Warning OrphanedInstance',
      'Warning OrphanedInstance',
      'Normal OrphanSnapshotting',
      'Warning OrphanDeleting',
    ],
  );
  t.match(events.find((e) => e.message.includes('protected'))?.message, /deletion protection/);
  t.equal(protectedOne.status, 'available');
  t.notOk(rds.calls.some((c) => c.includes('protected') && !c.startsWith('describe')));
});

t.test(
  'handler: a PostgresDB binding the instance again removes the mark; the fresh look wins',
  async (t) => {
    const { rds, events, state, review } = handlerSetup('snapshotAndDelete', HOUR);
    const orphan = instance({}, { [TAG_ORPHANED_AT]: at(-2 * HOUR) });
    rds.instances.set(orphan.identifier, orphan);
    // The listing shows an overdue orphan; by the time the handler looks again, a PostgresDB binds it.
    const listing = [structuredClone(orphan)];
    const bindingMeanwhile = new OrphanHandler({
      rds: rds as unknown as RdsGateway,
      events: {
        async record(_regarding, type, reason, message) {
          events.push({ type, reason, message, regarding: '' });
        },
      },
      regarding: () => undefined,
      logger: silentLogger(),
      scene: () => {
        const current = scene({ graceMs: HOUR, bound: state.bound });
        state.bound = new Set([orphan.identifier]);
        return current;
      },
    });
    t.same(await bindingMeanwhile.review(listing, new AbortController().signal), [orphan.identifier]);
    t.notOk(orphan.tags[TAG_ORPHANED_AT], 'mark removed');
    t.notOk(rds.calls.some((c) => c.startsWith('createSnapshot') || c.startsWith('delete ')));
    t.same(
      events.map((e) => e.reason),
      [],
      'no Event without a Lease to hang it on (logged instead)',
    );

    await review();
    t.same(rds.writes(), [`removeTags ${TAG_ORPHANED_AT}`], 'bound: nothing more');
  },
);
