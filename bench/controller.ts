import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathOf } from '../src/kube/paths.js';
import type { List } from '../src/kube/types.js';
import { type PostgresDB, POSTGRESDBS } from '../src/api/v1beta1.js';
import { createLogger } from '../src/util/logger.js';
import { isReady, postgresDB, startHarness } from '../test/support/harness.js';

// 1,000 PostgresDBs from apply to all Ready against the RDS emulator with zero delays and the real
// API server; then one resync of the 1,000 Ready resources. Prints time, Kubernetes requests and RDS
// calls per resource, peak RSS, and the cost of the resync (targets: ≤ 15 RDS calls, 0 writes).

// The emulator runs no servers here, so the access check (off in tests) has nothing to reach;
// STOW_BENCH_ACCESS_CHECK=1 turns it on anyway, to measure what it costs when every check fails.
const ACCESS_CHECK = process.env.STOW_BENCH_ACCESS_CHECK === '1';
const RESOURCES = Number(process.env.STOW_BENCH_RESOURCES ?? 1000);
const CONCURRENCY = Number(process.env.STOW_BENCH_CONCURRENCY ?? 4);
const APPLY_PARALLELISM = 16;

/** `POST events`, `PATCH postgresdbs/status`, …: what each write was, counted. */
function writesByKind(writes: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const write of writes) {
    const [method, path = ''] = write.split(' ');
    const parts = path.split('?')[0]!.split('/');
    const plural = parts[parts.indexOf('namespaces') + 2] ?? parts.at(-1);
    const subresource = parts.length > parts.indexOf('namespaces') + 4 ? `/${parts.at(-1)}` : '';
    const kind = `${method} ${plural}${subresource}`;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

let peakRss = process.memoryUsage().rss;
const rssSampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

const h = await startHarness({
  emulatorDelays: { delays: { creating: 0, backingUp: 0, modifying: 0, deleting: 0 } },
});
try {
  h.config.accessCheck = { ...h.config.accessCheck, enabled: ACCESS_CHECK };
  const baselineRss = process.memoryUsage().rss;
  const controller = await h.start({
    resyncPeriodSeconds: 3600,
    pollIntervalSeconds: 0.5,
    concurrency: CONCURRENCY,
    logger: createLogger({ level: 'warn' }),
  });
  await h.waitFor('leadership', async () => controller.isLeader(), 15_000);
  h.counter.reset();
  h.emulator.resetCalls();

  const started = performance.now();
  const names = Array.from({ length: RESOURCES }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += APPLY_PARALLELISM) {
    await Promise.all(
      names.slice(i, i + APPLY_PARALLELISM).map((name) =>
        h.client.request('POST', pathOf(POSTGRESDBS, h.namespace), {
          body: { ...postgresDB(name), metadata: { name, namespace: h.namespace } },
        }),
      ),
    );
  }
  const applied = performance.now();
  let ready = 0;
  while (ready < RESOURCES) {
    await sleep(500);
    const list = await h.client.request<List<PostgresDB>>('GET', pathOf(POSTGRESDBS, h.namespace));
    ready = list.items.filter(isReady).length;
  }
  const allReady = performance.now();
  await controller.waitIdle();
  const createCalls = h.emulator.calls();
  const createRequests = {
    reads: h.counter.reads,
    writes: h.counter.writes.length,
    lease: h.counter.leaseWrites,
    byKind: writesByKind(h.counter.writes),
  };

  h.counter.reset();
  h.emulator.resetCalls();
  const resyncStarted = performance.now();
  const report = await controller.resyncNow();
  const resyncMs = performance.now() - resyncStarted;
  const resyncCalls = h.emulator.calls();
  const resyncWrites = h.counter.writes.length;
  const resyncReads = h.counter.reads;
  clearInterval(rssSampler);

  const perResource = (n: number) => (n / RESOURCES).toFixed(2);
  const row = (label: string, value: string) => console.log(`  ${label.padEnd(36)} ${value}`);
  console.log(
    `controller bench: ${RESOURCES} PostgresDBs, reconcile concurrency ${CONCURRENCY}, emulator delays 0, no servers, access check ${ACCESS_CHECK ? 'on' : 'off'}`,
  );
  row(`apply (POST x${RESOURCES})`, `${((applied - started) / 1000).toFixed(1)} s`);
  row('apply → all Ready', `${((allReady - started) / 1000).toFixed(1)} s`);
  row(
    'Kubernetes requests per resource',
    `${perResource(createRequests.reads + createRequests.writes)} (${perResource(createRequests.writes)} writes, ${perResource(createRequests.reads)} reads; Lease writes ${createRequests.lease} in all)`,
  );
  row(
    'Kubernetes writes per resource, by kind',
    Object.entries(createRequests.byKind)
      .map(([kind, count]) => `${kind} ${perResource(count)}`)
      .join(', '),
  );
  row('RDS calls per resource', `${perResource(createCalls.total)} ${JSON.stringify(createCalls.byAction)}`);
  row('peak RSS (controller + emulator)', `${megabytes(peakRss)} (before start: ${megabytes(baselineRss)})`);
  console.log(`resync of ${RESOURCES} Ready resources: ${resyncMs.toFixed(0)} ms, ${report?.pages} pages`);
  row('RDS calls', `${resyncCalls.total} (target ≤ 15) ${JSON.stringify(resyncCalls.byAction)}`);
  row('Kubernetes writes', `${resyncWrites} (target 0)`);
  row('Kubernetes reads', `${resyncReads}`);
} finally {
  clearInterval(rssSampler);
  await h.stop();
}
