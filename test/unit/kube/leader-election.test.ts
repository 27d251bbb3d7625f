import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { KubeApiError } from '../../../src/kube/client.js';
import type { KubeResources } from '../../../src/kube/resources.js';
import type { KubeObject, Lease } from '../../../src/kube/types.js';
import type { ResourceType } from '../../../src/api/resource-type.js';
import { LeaderElector, microTime } from '../../../src/kube/leader-election.js';
import { silentLogger } from '../../../src/util/logger.js';

/** One Lease with resourceVersion checks, like the API server; `down` makes every call fail. */
function leaseStore() {
  const store = { lease: undefined as Lease | undefined, rv: 0, down: false };
  const api = {
    async get() {
      if (store.down) throw new Error('connection refused');
      return structuredClone(store.lease);
    },
    async create(_type: unknown, lease: Lease) {
      if (store.down) throw new Error('connection refused');
      if (store.lease) throw new KubeApiError(409, 'AlreadyExists', 'exists');
      store.lease = {
        ...structuredClone(lease),
        metadata: { ...lease.metadata, resourceVersion: String(++store.rv) },
      };
      return structuredClone(store.lease);
    },
    async replace(_type: unknown, lease: Lease) {
      if (store.down) throw new Error('connection refused');
      if (lease.metadata.resourceVersion !== store.lease?.metadata.resourceVersion) {
        throw new KubeApiError(409, 'Conflict', 'conflict');
      }
      store.lease = {
        ...structuredClone(lease),
        metadata: { ...lease.metadata, resourceVersion: String(++store.rv) },
      };
      return structuredClone(store.lease);
    },
  };
  return { store, kube: api as unknown as KubeResources };
}

function elector(kube: KubeResources, identity: string, durationSeconds = 0.5) {
  const state = { started: 0, stopped: 0, signal: undefined as AbortSignal | undefined };
  const instance = new LeaderElector(
    kube,
    { namespace: 'ns', name: 'lease', identity, leaseDurationSeconds: durationSeconds },
    {
      async onStartedLeading(signal) {
        state.started++;
        state.signal = signal;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      },
      async onStoppedLeading() {
        state.stopped++;
      },
    },
    silentLogger(),
  );
  return { instance, state };
}

t.test('MicroTime has six fractional digits', async (t) => {
  t.equal(microTime(new Date('2025-01-02T03:04:05.678Z')), '2025-01-02T03:04:05.678000Z');
});

t.test('one of two candidates leads; the other takes over after a crash', async (t) => {
  const { store, kube } = leaseStore();
  const a = elector(kube, 'a');
  const b = elector(kube, 'b');
  a.instance.start();
  await sleep(50);
  b.instance.start();
  await sleep(300);
  t.ok(a.instance.isLeader());
  t.notOk(b.instance.isLeader(), 'b waits while a renews');
  t.equal(store.lease?.spec?.holderIdentity, 'a');

  // "Crash" a: its renewals stop reaching the store (it thinks the server is down).
  const realReplace = kube.replace.bind(kube);
  kube.replace = async <T extends KubeObject>(type: ResourceType<T>, object: T) => {
    if ((object as Lease).spec?.holderIdentity === 'a') throw new Error('a is gone');
    return realReplace(type, object);
  };
  const lastRenewedByA = Date.parse(store.lease!.spec!.renewTime!);
  while (!b.instance.isLeader()) await sleep(10);
  // Safety, which no delay of the machine's can break: b took over only once a's last renewal was
  // a whole Lease duration old. (How soon it takes over is for bench/scale's cold start to measure.)
  const acquiredByB = Date.parse(store.lease!.spec!.acquireTime!);
  t.ok(
    acquiredByB - lastRenewedByA >= 500,
    `b took over ${acquiredByB - lastRenewedByA} ms after a's last renewal (Lease: 500 ms)`,
  );
  t.equal(store.lease?.spec?.leaseTransitions, 1);
  await sleep(200);
  t.notOk(a.instance.isLeader(), 'a stepped down (another holder, or no renewal in time)');
  t.ok(a.state.signal?.aborted, "a's controller was stopped");
  await Promise.all([a.instance.stop(), b.instance.stop()]);
  t.notOk(store.lease?.spec?.holderIdentity, 'released on stop');
});

t.test('a leader that cannot renew steps down before the Lease expires', async (t) => {
  const { store, kube } = leaseStore();
  // Long enough that a busy machine's delays stay well inside the margin between the renew deadline
  // (two thirds) and the end of the Lease.
  const a = elector(kube, 'a', 3);
  a.instance.start();
  while (!a.instance.isLeader()) await sleep(10);
  store.down = true;
  const lastRenewed = Date.parse(store.lease!.spec!.renewTime!);
  while (a.instance.isLeader()) await sleep(10);
  const after = Date.now() - lastRenewed;
  t.ok(after < 3000, `stepped down ${after} ms after its last renewal, within the 3 s Lease`);
  t.equal(a.state.stopped, 1);
  store.down = false;
  await a.instance.stop();
});

t.test('graceful stop releases the Lease; a successor starts at once', async (t) => {
  const { kube } = leaseStore();
  const a = elector(kube, 'a', 5);
  const b = elector(kube, 'b', 5);
  a.instance.start();
  await sleep(50);
  b.instance.start();
  await sleep(50);
  await a.instance.stop();
  const stoppedAt = Date.now();
  while (!b.instance.isLeader()) await sleep(10);
  t.ok(Date.now() - stoppedAt < 2000, 'no waiting for the 5 s Lease to expire');
  await b.instance.stop();
});
