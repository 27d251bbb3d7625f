// Orphans against the real API server and the RDS emulator: an RDS instance tagged for this cluster
// that no PostgresDB binds is reported as one Warning Event on the controller's Lease (not one per
// resync); with orphans.action snapshotAndDelete it is marked, and once the grace period recorded on
// the instance is over (across a restart), snapshotted and then deleted. Instances of other clusters,
// released ones, protected ones and bound ones are left alone.
import t from 'tap';
import type { RunningController } from '../../src/controller/index.js';
import type { CoreEvent } from '../../src/kube/types.js';
import type { CallRecord } from '../../src/dev/emulator/index.js';
import { type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';

let h: Harness;
t.before(async () => {
  h = await startHarness();
});
t.teardown(() => h?.stop());

const LEASE = { namespace: 'default', name: 'stow-controller' };
const ORPHANED_AT = 'stow.dev/orphaned-at';
const WRITES = new Set([
  'AddTagsToResource',
  'RemoveTagsFromResource',
  'CreateDBSnapshot',
  'DeleteDBInstance',
  'ModifyDBInstance',
]);

function seed(
  identifier: string,
  { cluster = 'itest', managedBy = 'stow', deletionProtection = false } = {},
) {
  return h.emulator.seedInstance({
    DBInstanceIdentifier: identifier,
    BackupRetentionPeriod: 7,
    CopyTagsToSnapshot: true,
    DeletionProtection: deletionProtection,
    Tags: [
      { Key: 'stow.dev/cluster', Value: cluster },
      { Key: 'stow.dev/managed-by', Value: managedBy },
      { Key: 'stow.dev/namespace', Value: 'apps' },
      { Key: 'stow.dev/name', Value: identifier },
      { Key: 'stow.dev/uid', Value: `uid-of-${identifier}` },
      { Key: 'team', Value: 'payments' },
    ],
  });
}

const instanceOf = (identifier: string) => h.emulator.state.getInstance(identifier);

async function leading(overrides: Parameters<Harness['start']>[0] = {}): Promise<RunningController> {
  const controller = await h.start(overrides);
  await h.waitFor('the first resync', async () => (await controller.resyncNow()) !== undefined, 30_000);
  return controller;
}

async function leaseEvents(): Promise<CoreEvent[]> {
  return (await h.events(LEASE.namespace)).filter(
    (e) => e.involvedObject.kind === 'Lease' && e.involvedObject.name === LEASE.name,
  );
}

/** Emulator calls that change something about one of these instances (by identifier or ARN). */
function writesTo(identifiers: string[], calls: CallRecord[] = h.emulator.calls().recent): string[] {
  return calls
    .filter((c) => WRITES.has(c.action) && c.httpStatus === 200)
    .filter((c) => identifiers.some((id) => c.resource === id || c.resource?.endsWith(`:db:${id}`)))
    .map((c) => `${c.action} ${c.resource}`);
}

/** The harness configuration with orphans.action snapshotAndDelete and an hour's grace. */
const snapshotAndDelete = () => ({
  config: { ...h.config, orphans: { action: 'snapshotAndDelete' as const, graceSeconds: 3600 } },
});

t.test(
  'report (the default): one Warning on the Lease per orphan, none per resync; nothing touched',
  async (t) => {
    await h.apply([postgresDB('bound-db')]);
    seed('orphan-reported');
    seed('other-cluster', { cluster: 'elsewhere' });
    seed('released', { managedBy: 'retained' });
    h.emulator.resetCalls();

    const controller = await leading();
    await h.waitFor('bound-db Ready', async () => isReady(await h.get('bound-db')), 30_000);
    const reports = [];
    for (let i = 0; i < 3; i++) reports.push(await controller.resyncNow());
    t.same(
      reports.map((r) => r?.orphans),
      [['orphan-reported'], ['orphan-reported'], ['orphan-reported']],
      'the bound, foreign and released instances are no orphans',
    );

    const events = await h.waitFor('the OrphanedInstance Event', async () => {
      const found = (await leaseEvents()).filter((e) => e.reason === 'OrphanedInstance');
      return found.length > 0 && found;
    });
    t.equal(events.length, 1, 'one Event for one orphan over four resyncs');
    const [event] = events;
    t.equal(event?.type, 'Warning');
    t.equal(event?.count, 1, 'not bumped on every resync either');
    t.equal(event?.metadata.namespace, LEASE.namespace, "in the operator's own namespace");
    t.match(event?.involvedObject, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...LEASE });
    t.ok(event?.involvedObject.uid, 'the Lease, by uid');
    t.match(event?.message, /RDS instance orphan-reported belongs to PostgresDB apps\/orphan-reported/);
    t.match(event?.message, /orphans\.action: report/);

    const described = await h.cp.kubectl(['describe', 'lease', '-n', LEASE.namespace, LEASE.name]);
    t.match(described.stdout, /Warning\s+OrphanedInstance/, 'kubectl describe lease shows it');

    t.same(writesTo(['orphan-reported', 'other-cluster', 'released']), [], 'report writes nothing to AWS');
    t.notOk(instanceOf('orphan-reported')?.tags.has(ORPHANED_AT), 'not even a mark');
    await controller.stop();
    h.emulator.control.removeInstance('orphan-reported');
  },
);

t.test(
  'snapshotAndDelete: marked; after the grace period (across a restart) snapshotted once, then deleted',
  async (t) => {
    const bound = (await h.get('bound-db'))!.status!.dbInstanceIdentifier!;
    // Left by an earlier absence of its PostgresDB: a binding removes it.
    instanceOf(bound)!.tags.set(ORPHANED_AT, '2026-01-01T00:00:00.000Z');
    seed('orphan-doomed');
    seed('orphan-protected', { deletionProtection: true });
    h.emulator.resetCalls();

    const first = await leading(snapshotAndDelete());
    const marked = instanceOf('orphan-doomed')?.tags.get(ORPHANED_AT);
    t.ok(marked && Math.abs(Date.parse(marked) - Date.now()) < 60_000, `marked when first seen: ${marked}`);
    t.notOk(instanceOf('orphan-protected')?.tags.has(ORPHANED_AT), 'a protected orphan is not marked');
    await h.waitFor(
      'the mark on the bound instance removed',
      async () => !instanceOf(bound)?.tags.has(ORPHANED_AT),
    );
    await first.resyncNow();
    t.equal(instanceOf('orphan-doomed')?.status, 'available', 'not deleted within the grace period');
    t.equal(h.emulator.calls().byAction.CreateDBSnapshot ?? 0, 0, 'no snapshot yet');
    const events = await h.waitFor('Events for both orphans and the claim', async () => {
      const found = await leaseEvents();
      const has = (reason: string, text: string) =>
        found.some((e) => e.reason === reason && e.message.includes(text));
      return (
        has('OrphanedInstance', 'orphan-doomed') &&
        has('OrphanedInstance', 'orphan-protected') &&
        has('OrphanClaimed', bound) &&
        found
      );
    });
    const doomedReport = events.find((e) => e.message.includes('RDS instance orphan-doomed'));
    t.match(doomedReport?.message, /takes a snapshot and deletes it after \d{4}-\d\d-\d\dT/);
    const protectedReport = events.find((e) => e.message.includes('RDS instance orphan-protected'));
    t.match(protectedReport?.message, /deletion protection, so Stow does not snapshot or delete it/);
    await first.stop();

    // Two hours later, in a new process: the grace period comes from the tag on the instance.
    const doomed = instanceOf('orphan-doomed')!;
    doomed.instanceCreateTime = new Date(Date.now() - 3 * 3_600_000);
    doomed.tags.set(ORPHANED_AT, new Date(Date.now() - 2 * 3_600_000).toISOString());
    h.delayUntilTeardown(t, { backingUp: 1500 });

    const second = await leading(snapshotAndDelete());
    const snapshotId = `orphan-doomed-orphan-${doomed.resourceId.toLowerCase()}`;
    const snapshot = await h.waitFor('the snapshot', async () => h.emulator.state.getSnapshot(snapshotId));
    t.equal(instanceOf('orphan-doomed')?.status, 'backing-up');
    await second.resyncNow();
    await second.resyncNow();
    t.equal(h.emulator.calls().byAction.CreateDBSnapshot, 1, 'one snapshot however many resyncs');
    t.equal(h.emulator.calls().byAction.DeleteDBInstance ?? 0, 0, 'no delete while the snapshot is creating');

    await h.waitFor('the snapshot available', async () => snapshot.status === 'available');
    await second.resyncNow();
    await h.waitFor('the orphan gone', async () => !instanceOf('orphan-doomed'), 20_000);
    t.equal(h.emulator.calls().byAction.DeleteDBInstance, 1);
    t.equal(h.emulator.calls().byAction.CreateDBSnapshot, 1);
    t.equal(
      snapshot.tags.get('stow.dev/managed-by'),
      'retained',
      'an instance restored from it is free to adopt',
    );
    t.notOk(snapshot.tags.has(ORPHANED_AT), 'the snapshot carries no mark');
    t.equal(snapshot.tags.get('team'), 'payments', 'other tags kept');
    t.ok(
      h.emulator.state.listRetainedBackups().some((b) => b.instanceIdentifier === 'orphan-doomed'),
      'its automated backups are kept',
    );
    const reasons = (await leaseEvents()).map((e) => `${e.type} ${e.reason}`);
    t.ok(reasons.includes('Normal OrphanSnapshotting'), reasons.join(', '));
    t.ok(reasons.includes('Warning OrphanDeleting'), reasons.join(', '));

    for (const id of ['orphan-protected', 'other-cluster', 'released', bound])
      t.equal(instanceOf(id)?.status, 'available', `${id} still there`);
    t.same(
      writesTo(['orphan-protected', 'other-cluster', 'released']),
      [],
      "no write to a protected orphan, another cluster's or a released instance",
    );
    t.same(
      writesTo([bound]),
      [`RemoveTagsFromResource ${instanceOf(bound)?.arn}`],
      'the bound instance: only its stale mark removed',
    );
    t.same(
      h.emulator.state
        .listSnapshots()
        .map((s) => s.instanceIdentifier)
        .filter((id) => id !== 'orphan-doomed'),
      [],
      'no other snapshot',
    );
    await second.stop();
  },
);
