import t from 'tap';
import { runScale } from '../../bench/lib/scale.js';
import { formatScaleReport } from '../../bench/lib/scale-report.js';

// bench/scale at a size the suite can afford, to keep its harness working: every figure is there and
// sane. How fast anything is, is for the benchmark to say (docs/benchmarks.md), never asserted here.
const RESOURCES = 300;
const WEBHOOK_RESOURCES = 100;

t.test('the scale bench runs end to end and reports every figure', async (t) => {
  const report = await runScale({
    resources: RESOURCES,
    webhookResources: WEBHOOK_RESOURCES,
    cpuProfileDir: t.testdir(),
    log: (line) => t.comment(`${new Date().toISOString()} ${line}`),
  });
  const { create, memory, coldStart, webhooks } = report;

  t.ok(create.applySeconds > 0 && create.applySeconds <= create.readySeconds, 'apply, then all Ready');
  t.equal(create.rds.byAction.CreateDBInstance, RESOURCES, 'one instance created per resource');
  t.ok(create.rds.total > RESOURCES, 'and more RDS calls than creates');
  t.ok(
    (create.kube.byRequest['PATCH postgresdbs/status'] ?? 0) >= RESOURCES,
    'every resource had its status written',
  );
  t.ok(create.kube.events > 0, 'Events counted apart');
  t.ok(create.kube.leases > 0, 'Lease writes counted apart');
  t.ok(Object.keys(create.apiServerWrites).length > 0, "the API server's own count is read");
  for (const name of ['kube-apiserver', 'etcd', 'operator', 'rds emulator', 'bench'])
    t.ok((create.cpuSeconds[name] ?? 0) > 0, `CPU time of ${name} read`);
  t.ok(create.profile && create.profile.busyMs > 0, "the operator's CPU profile summarized");
  t.ok(
    create.profile?.byOrigin.some(({ origin }) => origin.startsWith('src/')),
    "with Stow's own code among the origins",
  );

  t.same(
    memory.points.map((point) => point.resources),
    [RESOURCES / 10, RESOURCES / 2, RESOURCES],
    'heap after GC at N/10, N/2 and N',
  );
  for (const point of memory.points) {
    t.ok(
      point.heapUsed > 0 && point.heapUsed < point.rss,
      `heap within the resident set at ${point.resources}`,
    );
    t.ok(memory.peakRssBytes >= point.rss, `the peak is at least the resident set at ${point.resources}`);
  }
  t.ok(Number.isFinite(memory.slopeBytesPerResource), 'a slope');

  t.equal(coldStart.resync.instances, RESOURCES, "the new leader's resync listed every instance");
  t.ok(coldStart.rds.byAction.DescribeDBInstances, 'with DescribeDBInstances');
  t.ok(coldStart.kube.reads > 0, 'and read what it caches');
  t.ok(coldStart.cachesFilledSeconds > 0, 'the standby filled its caches before the leader died');
  t.ok(coldStart.leaderSeconds > 0, 'it became leader');
  t.ok(coldStart.changedReconciledSeconds >= 0, 'the changed resource was reconciled after that');
  t.ok(coldStart.caughtUpSeconds >= 0, 'and every resource');

  for (const [mode, window] of [
    ['controller on', webhooks.controllerOn],
    ['controller off', webhooks.controllerOff],
  ] as const) {
    const { sent, errors, p50ms, p99ms, windowSeconds } = window;
    t.ok(sent >= windowSeconds * webhooks.rate * 0.5, `${mode}: the load was sent (${sent} requests)`);
    t.equal(errors, 0, `${mode}: every review answered`);
    t.equal(window.created, WEBHOOK_RESOURCES, `${mode}: while PostgresDBs were created`);
    t.ok(p50ms > 0 && p99ms >= p50ms, `${mode}: percentiles`);
  }

  const printed = formatScaleReport(report).join('\n');
  t.match(printed, /acceptance/);
  t.notMatch(printed, /NaN|undefined/, 'every figure printed');
});
