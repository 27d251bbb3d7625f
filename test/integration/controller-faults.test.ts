import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import type { RunningController } from '../../src/controller/index.js';
import { condition, type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const RESOURCES = 50;
const RESYNC_SECONDS = 1;

let h: Harness;
let proxy: TcpProxy;
let controller: RunningController;

/** The controller reaches the API server through a proxy the test can cut or freeze. */
function kubeConfigThrough(proxyPort: number): KubeConfig {
  const cluster = h.kubeConfig.getCurrentCluster()!;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ ...cluster, server: `https://127.0.0.1:${proxyPort}` }],
    users: h.kubeConfig.users,
    contexts: h.kubeConfig.contexts,
    currentContext: h.kubeConfig.currentContext,
  });
  return kubeConfig;
}

t.before(async () => {
  h = await startHarness();
  proxy = await startTcpProxy('127.0.0.1', Number(new URL(h.cp.server).port));
  controller = await h.start({
    kubeConfig: kubeConfigThrough(proxy.port),
    resyncPeriodSeconds: RESYNC_SECONDS,
    watchdogSeconds: 3,
    requestTimeoutSeconds: 5,
    concurrency: 8,
  });
});
t.teardown(async () => {
  await h?.stop();
  await proxy?.close();
});

async function readyCount(prefix: string): Promise<number> {
  return (await h.list()).filter((o) => o.metadata.name?.startsWith(prefix) && isReady(o)).length;
}

t.test(
  `${RESOURCES} resources under 30% throttling and 10% 5xx: all Ready, exactly ${RESOURCES} instances`,
  async (t) => {
    h.emulator.setFaults({ throttleRate: 0.3, errorRate: 0.1 });
    const started = Date.now();
    await h.apply(
      Array.from({ length: RESOURCES }, (_, i) => postgresDB(`load-${String(i).padStart(3, '0')}`)),
    );
    await h.waitFor('all Ready', async () => (await readyCount('load-')) === RESOURCES, 150_000);
    const seconds = (Date.now() - started) / 1000;
    const calls = h.emulator.calls();
    h.emulator.setFaults({ throttleRate: 0, errorRate: 0 });
    t.comment(
      `all Ready after ${seconds.toFixed(1)} s; RDS calls ${calls.total}, errors ${JSON.stringify(calls.errorsByCode)}`,
    );
    t.ok(
      (calls.errorsByCode.Throttling ?? 0) > 0 && (calls.errorsByCode.InternalFailure ?? 0) > 0,
      'faults were injected',
    );
    const instances = h.emulator.control.state
      .listInstances()
      .filter((i) => i.tags.get('stow.dev/name')?.startsWith('load-'));
    t.equal(instances.length, RESOURCES, 'exactly one instance per resource');
    t.equal(new Set(instances.map((i) => i.tags.get('stow.dev/uid'))).size, RESOURCES);
    // Ready can stay True while a later reconcile failed under the faults; with them gone, every
    // resource converges to Synced as well.
    await h.waitFor(
      'all Synced without faults',
      async () =>
        (await h.list()).filter(
          (o) => o.metadata.name?.startsWith('load-') && condition(o, 'Synced')?.status === 'True',
        ).length === RESOURCES,
      30_000,
    );
    t.pass('all Synced once the faults stopped');
  },
);

t.test('steady state: 10 resync periods, zero Kubernetes writes, zero ModifyDBInstance', async (t) => {
  await sleep(2 * RESYNC_SECONDS * 1000);
  await controller.waitIdle();
  h.counter.reset();
  h.emulator.resetCalls();
  const before = await h.apiServerWrites();
  await sleep(10 * RESYNC_SECONDS * 1000 + 500);
  const after = await h.apiServerWrites();
  const calls = h.emulator.calls();
  const delta = Object.fromEntries(
    Object.entries(after.byResource)
      .map(([key, value]) => [key, value - (before.byResource[key] ?? 0)])
      .filter(([, value]) => value !== 0),
  );
  t.comment(
    `RDS calls in 10 periods: ${JSON.stringify(calls.byAction)}; controller reads: ${h.counter.reads}; lease writes: ${h.counter.leaseWrites}`,
  );
  t.same(h.counter.writes, [], 'the controller wrote nothing (Lease renewals aside)');
  t.same(delta, {}, 'the API server counted no write (leases aside)');
  t.equal(calls.byAction.ModifyDBInstance ?? 0, 0, 'no ModifyDBInstance');
  t.equal(calls.byAction.CreateDBInstance ?? 0, 0);
  const describes = calls.recent.filter((c) => c.action === 'DescribeDBInstances');
  t.ok(
    describes.every((c) => c.resource === undefined),
    'only paged lists, no describe per resource',
  );
  t.ok(describes.length >= 9 && describes.length <= 12, `${describes.length} pages listed (one per resync)`);
});

t.test('a cut watch connection: the controller recovers', async (t) => {
  const watchesBefore = h.counter.reads;
  t.ok(proxy.cut() > 0, 'connections cut');
  await h.apply([postgresDB('after-cut')]);
  await h.waitFor('Ready after the cut', async () => isReady(await h.get('after-cut')), 30_000);
  t.ok(h.counter.reads > watchesBefore, 'watches and lists made again');
});

t.test('a silent (frozen) connection: the watchdog reconnects', async (t) => {
  t.ok(proxy.freeze() > 0, 'connections frozen');
  await h.apply([postgresDB('after-freeze')]);
  await h.waitFor('Ready after the freeze', async () => isReady(await h.get('after-freeze')), 40_000);
  t.ok(
    h.logs.lines.some((line) => line.includes('watch silent; reconnecting')),
    'the watchdog fired',
  );
});
