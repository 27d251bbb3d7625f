import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type PostgresDB, POSTGRESDBS } from '../src/api/v1beta1.js';
import { pathOf } from '../src/kube/paths.js';
import type { List } from '../src/kube/types.js';
import { instanceIdentifier } from '../src/controller/ownership.js';
import { createLogger } from '../src/util/logger.js';
import { isReady, postgresDB, startHarness } from '../test/support/harness.js';

// The RDS call budget under throttling (issue 16): N creates (default 1,000) against the emulator
// with zero delays answering `Throttling` to a share of all calls (default 50 %), beside one resource
// whose every call fails (InternalFailure). Prints the RDS calls of every 10 s window against the
// budget, the time to all Ready, and what the failing resource took of the budget. With
// STOW_BENCH_BASELINE=1 the same creates run first without the failing resource, for comparison.

const RESOURCES = Number(process.env.STOW_BENCH_RESOURCES ?? 1000);
const THROTTLE_RATE = Number(process.env.STOW_BENCH_THROTTLE_RATE ?? 0.5);
const RATE = Number(process.env.STOW_BENCH_BUDGET_RATE ?? 20);
const BURST = Number(process.env.STOW_BENCH_BUDGET_BURST ?? 40);
const BASELINE = process.env.STOW_BENCH_BASELINE === '1';
const WINDOW_MS = 10_000;
const APPLY_PARALLELISM = 16;

interface Phase {
  title: string;
  readyMs: number;
  calls: number;
  throttled: number;
  windows: number[];
  doomedCalls: number;
}

const h = await startHarness({
  emulatorDelays: {
    delays: { creating: 0, backingUp: 0, modifying: 0, deleting: 0 },
    faults: { throttleRate: THROTTLE_RATE },
    callLogLimit: 10_000_000,
  },
});

async function phase(title: string, namespace: string, doomed: boolean): Promise<Phase> {
  await h.client.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
  });
  const doomedPrefix = instanceIdentifier(h.config.identifierPrefix, {
    clusterName: h.config.clusterName,
    namespace,
    name: 'doomed',
    uid: '',
  }).replace(/-[^-]+$/, '');
  await fetch(`${h.emulator.url}/_emulator/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ failingResourcePrefixes: doomed ? [doomedPrefix] : [] }),
  });
  h.emulator.resetCalls();
  const started = performance.now();
  const names = Array.from({ length: RESOURCES }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const create = (name: string) =>
    h.client.request('POST', pathOf(POSTGRESDBS, namespace), {
      body: { ...postgresDB(name), metadata: { name, namespace } },
    });
  if (doomed) await create('doomed');
  for (let i = 0; i < names.length; i += APPLY_PARALLELISM)
    await Promise.all(names.slice(i, i + APPLY_PARALLELISM).map(create));
  let ready = 0;
  while (ready < RESOURCES) {
    await sleep(500);
    const list = await h.client.request<List<PostgresDB>>('GET', pathOf(POSTGRESDBS, namespace));
    ready = list.items.filter((item) => item.metadata.name !== 'doomed' && isReady(item)).length;
  }
  const readyMs = performance.now() - started;
  const report = h.emulator.calls();
  const startedAt = Date.now() - readyMs;
  const windows: number[] = [];
  for (const call of report.recent) {
    const index = Math.floor((Date.parse(call.time) - startedAt) / WINDOW_MS);
    if (index >= 0) windows[index] = (windows[index] ?? 0) + 1;
  }
  return {
    title,
    readyMs,
    calls: report.total,
    throttled: report.errorsByCode.Throttling ?? 0,
    windows: Array.from(windows, (count) => count ?? 0),
    doomedCalls: report.recent.filter((call) => call.resource?.includes(doomedPrefix)).length,
  };
}

try {
  h.config.awsCallBudget = { ratePerSecond: RATE, burst: BURST };
  await h.start({
    resyncPeriodSeconds: 3600,
    pollIntervalSeconds: 0.5,
    logger: createLogger({ level: 'error' }),
  });
  const phases = [
    ...(BASELINE ? [await phase('without a failing resource', 'budget-a', false)] : []),
    await phase('with one resource whose calls always fail', 'budget-b', true),
  ];
  const withDoomed = phases.at(-1)!;

  const budgetPerWindow = (RATE * WINDOW_MS) / 1000;
  console.log(
    `budget bench: ${RESOURCES} creates, emulator throttling ${THROTTLE_RATE * 100}% of calls, budget ${RATE}/s burst ${BURST}`,
  );
  for (const p of phases) {
    // The first window may also spend the burst the bucket starts with.
    const over = p.windows.filter(
      (count, index) => count > (budgetPerWindow + (index === 0 ? BURST : 0)) * 1.1,
    );
    console.log(`  ${p.title}:`);
    console.log(
      `    all Ready in ${(p.readyMs / 1000).toFixed(1)} s; ${p.calls} RDS calls, ${p.throttled} throttled`,
    );
    console.log(
      `    calls per 10 s window (budget ${budgetPerWindow}, +10% allowed): ${p.windows.join(' ')}; max ${Math.max(...p.windows)}; ${over.length} windows over`,
    );
  }
  // Served in turn, the failing resource takes one turn a round; each of its calls is one budget
  // interval taken from the others, spread over the N of them.
  const intervalsPerOther = withDoomed.doomedCalls / RESOURCES;
  console.log(
    `  the failing resource made ${withDoomed.doomedCalls} of ${withDoomed.calls} calls (${((100 * withDoomed.doomedCalls) / withDoomed.calls).toFixed(1)}%): ` +
      `${intervalsPerOther.toFixed(2)} budget intervals per other resource (target ≤ 1)`,
  );
  if (BASELINE) {
    const [without] = phases;
    console.log(
      `  all Ready ${((withDoomed.readyMs - without!.readyMs) / 1000).toFixed(1)} s later with it than without it (throttling is random: runs vary)`,
    );
  }
} finally {
  await h.stop();
}
