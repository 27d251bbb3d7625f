import t from 'tap';
import { condition, type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';
import {
  getSnapshot,
  postgresDBSnapshot,
  removeSnapshot,
  snapshotCondition,
  snapshotInPhase,
} from '../support/postgresdb-snapshot.js';

// PostgresDBSnapshot against the real API server and the RDS emulator: taken once its PostgresDB's
// instance is available, tagged like an instance, Events for start, completion and failure, Delete
// and Retain, a failed snapshot, and the RDS snapshots no PostgresDBSnapshot binds.

let h: Harness;

t.before(async () => {
  h = await startHarness();
  // A short resync period: orphaned snapshots are reviewed every period.
  await h.start({ resyncPeriodSeconds: 2 });
});
t.teardown(() => h?.stop());

const rdsSnapshot = (identifier: string) => h.emulator.control.state.getSnapshot(identifier);

async function readyDB(name: string, deletionPolicy: 'Delete' | 'Snapshot' = 'Delete') {
  await h.apply([postgresDB(name, { deletionPolicy })]);
  return h.waitFor(`${name} Ready`, async () => {
    const object = await h.get(name);
    return isReady(object) && object;
  });
}

async function eventsOf(name: string) {
  return (await h.events())
    .filter(
      (event) => event.involvedObject.kind === 'PostgresDBSnapshot' && event.involvedObject.name === name,
    )
    .map((event) => `${event.type}:${event.reason}`);
}

t.test(
  'taken once the instance is available: status, tags like an instance, Events for start and completion',
  async (t) => {
    // The snapshot is asked for before its PostgresDB exists: it waits, then is taken.
    await h.apply([postgresDBSnapshot('before-migration', 'orders')]);
    const waiting = await h.waitFor('the snapshot waits', async () => {
      const object = await getSnapshot(h, 'before-migration');
      return object?.status?.phase && object;
    });
    t.equal(snapshotCondition(waiting, 'Synced')?.reason, 'SourceNotFound', 'no PostgresDB orders yet');
    const db = await readyDB('orders');
    const taken = await snapshotInPhase(h, 'before-migration', 'Available');
    const status = taken.status!;
    t.match(status.snapshotIdentifier, /^stow-apps-before-migration-[0-9a-f]{8}$/);
    t.equal(status.dbInstanceIdentifier, db.status?.dbInstanceIdentifier);
    t.equal(status.sizeGiB, 20);
    t.match(status.engineVersion, /^16\./);
    t.ok(status.creationTime && !Number.isNaN(Date.parse(status.creationTime)), 'creation time');
    t.equal(status.rdsStatus, 'available');
    t.equal(status.observedGeneration, taken.metadata.generation);
    t.match(snapshotCondition(taken, 'Ready'), { status: 'True', reason: 'Available' });
    t.match(snapshotCondition(taken, 'Synced'), { status: 'True' });
    t.ok(taken.metadata.finalizers?.includes('stow.dev/finalizer'));

    const tags = Object.fromEntries(rdsSnapshot(status.snapshotIdentifier!)!.tags);
    t.same(tags, {
      'stow.dev/cluster': 'itest',
      'stow.dev/namespace': 'apps',
      'stow.dev/name': 'before-migration',
      'stow.dev/uid': taken.metadata.uid,
      'stow.dev/managed-by': 'stow',
      'stow.dev/kind': 'PostgresDBSnapshot',
    });
    // The Event follows the status write that made the snapshot Available: it is waited for.
    const events = await h.waitFor('the SnapshotAvailable Event', async () => {
      const reasons = await eventsOf('before-migration');
      return reasons.includes('Normal:SnapshotAvailable') && reasons;
    });
    t.ok(events.includes('Normal:SnapshotStarted'), events.join());
    t.equal(
      h.emulator.control.state
        .listSnapshots()
        .filter((s) => s.instanceIdentifier === db.status?.dbInstanceIdentifier).length,
      1,
      'one snapshot taken, however many reconciles',
    );
  },
);

t.test('deleting: Delete removes the RDS snapshot, Retain keeps it, released', async (t) => {
  await readyDB('billing');
  await h.apply([
    postgresDBSnapshot('billing-delete', 'billing', 'Delete'),
    postgresDBSnapshot('billing-keep', 'billing', 'Retain'),
  ]);
  const deleted = await snapshotInPhase(h, 'billing-delete', 'Available');
  const kept = await snapshotInPhase(h, 'billing-keep', 'Available');
  await removeSnapshot(h, 'billing-delete');
  await removeSnapshot(h, 'billing-keep');
  await h.waitFor(
    'both objects gone',
    async () => !(await getSnapshot(h, 'billing-delete')) && !(await getSnapshot(h, 'billing-keep')),
  );
  t.notOk(rdsSnapshot(deleted.status!.snapshotIdentifier!), 'Delete: the RDS snapshot is gone');
  const retained = rdsSnapshot(kept.status!.snapshotIdentifier!);
  t.equal(retained?.status, 'available', 'Retain: the RDS snapshot stays');
  t.equal(retained?.tags.get('stow.dev/managed-by'), 'retained', 'and is released (no orphan report)');
  t.ok((await eventsOf('billing-delete')).includes('Normal:SnapshotDeleting'));
  t.ok((await eventsOf('billing-delete')).includes('Normal:SnapshotDeleted'));
  t.ok((await eventsOf('billing-keep')).includes('Normal:SnapshotRetained'));
});

t.test('a snapshot that fails: Failed, a Warning Event; deleting it removes it though Retain', async (t) => {
  await readyDB('ledger');
  h.emulator.setFaults({ failSnapshots: true });
  t.teardown(() => void h.emulator.setFaults({ failSnapshots: false }));
  await h.apply([postgresDBSnapshot('ledger-doomed', 'ledger', 'Retain')]);
  const failed = await snapshotInPhase(h, 'ledger-doomed', 'Failed');
  h.emulator.setFaults({ failSnapshots: false });
  t.match(snapshotCondition(failed, 'Ready'), { status: 'False', reason: 'SnapshotFailed' });
  t.match(snapshotCondition(failed, 'Ready')?.message, /nothing can be restored from it/);
  t.ok(
    await h.waitFor('the SnapshotFailed Event', async () =>
      (await eventsOf('ledger-doomed')).includes('Warning:SnapshotFailed'),
    ),
  );
  const identifier = failed.status!.snapshotIdentifier!;
  t.equal(rdsSnapshot(identifier)?.status, 'failed');
  await removeSnapshot(h, 'ledger-doomed');
  await h.waitFor('object gone', async () => !(await getSnapshot(h, 'ledger-doomed')));
  t.notOk(rdsSnapshot(identifier), 'a failed snapshot holds nothing: removed whatever the policy');
});

t.test(
  'an RDS snapshot tagged for a PostgresDBSnapshot that does not exist is reported on the Lease',
  async (t) => {
    const db = await readyDB('reports');
    h.emulator.control.state.addSnapshot({
      ...rdsSnapshot(
        (await snapshotInPhase(h, 'before-migration', 'Available')).status!.snapshotIdentifier!,
      )!,
      identifier: 'stow-apps-gone-0badc0de',
      arn: 'arn:aws:rds:us-east-1:123456789012:snapshot:stow-apps-gone-0badc0de',
      instanceIdentifier: db.status!.dbInstanceIdentifier!,
      tags: new Map([
        ['stow.dev/cluster', 'itest'],
        ['stow.dev/namespace', 'apps'],
        ['stow.dev/name', 'gone'],
        ['stow.dev/uid', '00000000-0000-0000-0000-00000000dead'],
        ['stow.dev/managed-by', 'stow'],
        ['stow.dev/kind', 'PostgresDBSnapshot'],
      ]),
    });
    const reported = await h.waitFor('an OrphanedSnapshot Event', async () =>
      (await h.events('default')).find(
        (event) => event.reason === 'OrphanedSnapshot' && event.message?.includes('stow-apps-gone-0badc0de'),
      ),
    );
    t.equal(reported.type, 'Warning');
    t.equal(reported.involvedObject.kind, 'Lease');
    t.match(reported.message, /apps\/gone/);
    const bound = (await h.events('default')).filter(
      (event) => event.reason === 'OrphanedSnapshot' && !event.message?.includes('stow-apps-gone-0badc0de'),
    );
    t.same(bound, [], 'snapshots a PostgresDBSnapshot binds, and retained ones, are not reported');
    t.equal(condition(await h.get('reports'), 'Ready')?.status, 'True');
  },
);

t.test(
  'deleting with Snapshot: the instance goes only once its final snapshot is available, kept as a PostgresDBSnapshot',
  async (t) => {
    const db = await readyDB('archive', 'Snapshot');
    const instanceId = db.status!.dbInstanceIdentifier!;
    const finalId = `${instanceId}-final-${db.metadata.uid!.replace(/-/g, '').slice(0, 8)}`;
    h.delayUntilTeardown(t, { backingUp: 1500 });
    // Sampled all along: never an instance being deleted while its final snapshot is not available.
    const violations: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const instance = h.emulator.control.state.getInstance(instanceId);
        const snapshot = rdsSnapshot(finalId);
        if (instance?.status === 'deleting' && snapshot?.status !== 'available')
          violations.push(`instance deleting, snapshot ${snapshot?.status}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await h.remove('archive');
    const final = await h.waitFor('the final PostgresDBSnapshot', async () => {
      const object = await getSnapshot(h, `archive-final-${db.metadata.uid!.replace(/-/g, '').slice(0, 8)}`);
      return object?.status?.phase === 'Creating' && object;
    });
    const waiting = await h.get('archive');
    t.ok(waiting?.metadata.deletionTimestamp, 'the PostgresDB stays while the snapshot is taken');
    t.equal(
      h.emulator.control.state.getInstance(instanceId)?.status,
      'backing-up',
      'the instance is untouched',
    );
    await h.waitFor('archive gone', async () => (await h.get('archive')) === undefined, 20_000);
    sampling = false;
    await sampler;
    t.same(violations, [], 'the instance was deleted only after the snapshot was available');
    t.notOk(h.emulator.control.state.getInstance(instanceId), 'the instance is gone');
    t.equal(rdsSnapshot(finalId)?.status, 'available', 'the final snapshot stays');
    const kept = await snapshotInPhase(h, final.metadata.name!, 'Available');
    t.equal(kept.spec.deletionPolicy, 'Retain', 'visible as a PostgresDBSnapshot with Retain');
    t.equal(kept.spec.postgresDBRef.name, 'archive');
    t.equal(kept.status?.snapshotIdentifier, finalId);
    const reasons = (await h.events())
      .filter((e) => e.involvedObject.name === 'archive')
      .map((e) => e.reason);
    for (const reason of ['FinalSnapshot', 'Deleting', 'SnapshotTaken', 'Deleted'])
      t.ok(reasons.includes(reason), reason);
  },
);

t.test(
  'a final snapshot that fails: the PostgresDB and its instance stay, with a status that says why',
  async (t) => {
    const db = await readyDB('precious', 'Snapshot');
    const instanceId = db.status!.dbInstanceIdentifier!;
    const finalName = `precious-final-${db.metadata.uid!.replace(/-/g, '').slice(0, 8)}`;
    h.emulator.setFaults({ failSnapshots: true });
    await h.remove('precious');
    const blocked = await h.waitFor('FinalSnapshotFailed', async () => {
      const object = await h.get('precious');
      return condition(object, 'Synced')?.reason === 'FinalSnapshotFailed' && object;
    });
    h.emulator.setFaults({ failSnapshots: false });
    t.equal(blocked.status?.phase, 'Deleting');
    t.match(
      condition(blocked, 'Synced')?.message,
      /is failed, so the instance is not deleted and this PostgresDB stays/,
    );
    t.match(condition(blocked, 'Synced')?.message, new RegExp(`Delete PostgresDBSnapshot ${finalName}`));
    t.equal(
      h.emulator.control.state.getInstance(instanceId)?.status,
      'available',
      'the instance and its data stay',
    );
    t.notOk(
      h.emulator
        .calls()
        .recent.some((call) => call.action === 'DeleteDBInstance' && call.resource === instanceId),
      'DeleteDBInstance never sent for it',
    );
    // The Warning follows the status write that recorded the failure: it is waited for.
    const warning = await h.waitFor('the FinalSnapshotFailed Event', async () =>
      (await h.events()).find(
        (e) => e.involvedObject.name === 'precious' && e.reason === 'FinalSnapshotFailed',
      ),
    );
    t.equal(warning.type, 'Warning');

    // Deleting the failed snapshot's object has Stow take the final snapshot again.
    await removeSnapshot(h, finalName);
    await h.waitFor('precious gone', async () => (await h.get('precious')) === undefined, 30_000);
    t.notOk(h.emulator.control.state.getInstance(instanceId), 'deleted once a final snapshot was available');
    t.equal((await snapshotInPhase(h, finalName, 'Available')).spec.deletionPolicy, 'Retain');
  },
);
