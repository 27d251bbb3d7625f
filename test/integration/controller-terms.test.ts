import t from 'tap';
import { microTime } from '../../src/kube/leader-election.js';
import { pathOf } from '../../src/kube/paths.js';
import { type Lease, LEASES } from '../../src/kube/types.js';
import { type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';

// A replica keeps its caches between terms of leadership (ADR 0030): it watches while another
// replica leads, queues nothing then, and when it leads again reconciles what changed meanwhile
// from those caches, without listing anything again.

const LEASE = pathOf(LEASES, 'default', 'stow-controller');
let h: Harness;

t.before(async () => {
  h = await startHarness();
});
t.teardown(() => h?.stop());

t.test('a replica that loses the Lease and wins it again reconciles from the caches it kept', async (t) => {
  const lists: string[] = [];
  const controller = await h.start({
    observeKubeRequest: (method, path) => {
      // A collection read (a list); watches are observed as WATCH.
      if (method === 'GET' && path.endsWith('/postgresdbs')) lists.push(path);
    },
  });
  await h.waitFor('the Lease', async () => controller.isLeader());
  await h.apply([postgresDB('first-term')]);
  await h.waitFor('first-term Ready', async () => isReady(await h.get('first-term')));
  const listedInFirstTerm = lists.length;
  t.ok(listedInFirstTerm >= 1, 'the PostgresDBs were listed once the replica started');

  // Another holder shows up: the replica steps down at its next renewal.
  const lease = await h.client.request<Lease>('GET', LEASE);
  await h.client.request('PUT', LEASE, {
    body: {
      ...lease,
      spec: { ...lease.spec, holderIdentity: 'another-replica', renewTime: microTime(new Date()) },
    },
  });
  await h.waitFor('stepped down', async () => !controller.isLeader(), 15_000);
  await h.apply([postgresDB('while-away')]);
  t.equal((await h.get('while-away'))?.status, undefined, 'nothing reconciled while another leads');

  // The other holder never renews: once its Lease expires, the replica leads again.
  await h.waitFor('leading again', async () => controller.isLeader(), 30_000);
  await h.waitFor('while-away Ready', async () => isReady(await h.get('while-away')), 30_000);
  t.pass('what was created while another replica led is reconciled in the next term');
  t.equal(lists.length, listedInFirstTerm, 'from the caches kept: no list of PostgresDBs again');

  await h.apply([postgresDB('second-term')]);
  await h.waitFor('second-term Ready', async () => isReady(await h.get('second-term')), 30_000);
  t.pass('and what is created after, as in the first term');
});
