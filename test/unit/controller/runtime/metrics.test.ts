import { setTimeout as sleep } from 'node:timers/promises';
import { type MetricValue, Registry } from 'prom-client';
import t from 'tap';
import { runtimeMetrics } from '../../../../src/controller/runtime/metrics.js';

// controller-runtime's families, as its dashboards read them: names, labels, the series it creates up
// front, and the in-progress gauges computed at scrape time.

/** The samples of one family; a histogram's say which series (`_bucket`, `_sum`, `_count`) they are. */
async function values(registry: Registry, name: string) {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  return (await metric.get()).values as Array<MetricValue<string> & { metricName?: string }>;
}

t.test('every series of a controller exists before its first reconcile', async (t) => {
  const registry = new Registry();
  runtimeMetrics(registry).controller('widget', 3);
  const totals = await values(registry, 'controller_runtime_reconcile_total');
  t.same(totals.map((v) => `${v.labels.controller} ${v.labels.result} ${v.value}`).sort(), [
    'widget error 0',
    'widget requeue 0',
    'widget requeue_after 0',
    'widget success 0',
  ]);
  t.same((await values(registry, 'controller_runtime_reconcile_errors_total'))[0]?.labels, {
    controller: 'widget',
  });
  t.equal((await values(registry, 'controller_runtime_max_concurrent_reconciles'))[0]?.value, 3);
  t.equal((await values(registry, 'controller_runtime_active_workers'))[0]?.value, 0);
  for (const name of ['workqueue_adds_total', 'workqueue_retries_total', 'workqueue_depth']) {
    t.same(
      (await values(registry, name)).map((v) => ({ ...v.labels, value: v.value })),
      [{ name: 'widget', controller: 'widget', value: 0 }],
      name,
    );
  }
});

t.test('a reconcile is counted by result, timed, and holds a worker while it runs', async (t) => {
  const registry = new Registry();
  const metrics = runtimeMetrics(registry);
  const widget = metrics.controller('widget', 2);
  const finish = widget.reconcileStarted();
  t.equal((await values(registry, 'controller_runtime_active_workers'))[0]?.value, 1, 'one worker busy');
  finish('error');
  widget.reconcileStarted()('requeue_after');
  widget.reconcileStarted()('success');
  t.equal((await values(registry, 'controller_runtime_active_workers'))[0]?.value, 0);
  const totals = await values(registry, 'controller_runtime_reconcile_total');
  const byResult = Object.fromEntries(totals.map((v) => [v.labels.result, v.value]));
  t.same(byResult, { success: 1, error: 1, requeue: 0, requeue_after: 1 });
  t.equal((await values(registry, 'controller_runtime_reconcile_errors_total'))[0]?.value, 1);
  const count = (await values(registry, 'controller_runtime_reconcile_time_seconds')).find(
    (v) => v.metricName === 'controller_runtime_reconcile_time_seconds_count',
  );
  t.same(count?.labels, { controller: 'widget' });
  t.equal(count?.value, 3);

  t.equal(metrics.controller('widget', 4), widget, 'made again for a new term: the same metrics');
  t.equal((await values(registry, 'controller_runtime_max_concurrent_reconciles'))[0]?.value, 4);
  metrics.controller('gadget', 1);
  t.same(
    (await values(registry, 'controller_runtime_active_workers')).map((v) => v.labels.controller).sort(),
    ['gadget', 'widget'],
    'a label value per controller',
  );
});

t.test('the queue: adds, depth, latency, work duration, retries and the work in progress', async (t) => {
  const registry = new Registry();
  const queue = runtimeMetrics(registry).controller('widget', 2).queue;
  queue.added();
  queue.added();
  queue.depth(2);
  queue.retried();
  const first = queue.started(0.5);
  queue.started(0.002);
  await sleep(60);
  const unfinished = (await values(registry, 'workqueue_unfinished_work_seconds'))[0];
  const longest = (await values(registry, 'workqueue_longest_running_processor_seconds'))[0];
  t.same(unfinished?.labels, { name: 'widget', controller: 'widget' });
  t.ok(unfinished!.value >= 0.1 && unfinished!.value < 5, `two workers for 60 ms: ${unfinished?.value} s`);
  t.ok(longest!.value >= 0.05 && longest!.value < 5, `longest ${longest?.value} s`);
  first();
  const latency = await values(registry, 'workqueue_queue_duration_seconds');
  const sum = latency.find((v) => v.metricName === 'workqueue_queue_duration_seconds_sum');
  t.ok(Math.abs(sum!.value - 0.502) < 1e-9, `the waits: ${sum?.value}`);
  const done = (await values(registry, 'workqueue_work_duration_seconds')).find(
    (v) => v.metricName === 'workqueue_work_duration_seconds_count',
  );
  t.equal(done?.value, 1, 'one piece of work done');
  t.equal((await values(registry, 'workqueue_adds_total'))[0]?.value, 2);
  t.equal((await values(registry, 'workqueue_retries_total'))[0]?.value, 1);
  t.equal((await values(registry, 'workqueue_depth'))[0]?.value, 2);
});
