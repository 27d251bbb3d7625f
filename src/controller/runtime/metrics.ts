import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WorkQueueObserver } from '../../kube/work-queue.js';

/**
 * How a reconcile ended, as controller-runtime's `result` label says it: `requeue_after` when it
 * asked to run again after a while (polling), `requeue` for a rate-limited requeue without error.
 */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';

const RESULTS: readonly ReconcileResult[] = ['success', 'error', 'requeue', 'requeue_after'];

/** controller-runtime's buckets (pkg/internal/controller/metrics), so its dashboards' panels line up. */
const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's work-queue buckets: 10 ns to 1000 s, by tens. */
const WORK_QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

/** One kind's controller: its reconciles, its workers and its queue. */
export interface KindMetrics {
  /** A worker started a reconcile; the function returned records how it ended. */
  reconcileStarted(): (result: ReconcileResult) => void;
  queue: WorkQueueObserver;
}

export interface RuntimeMetrics {
  /** The metrics of the controller `name` (the queue has the same name), reconciling `workers` keys at once. */
  controller(name: string, workers: number): KindMetrics;
}

/**
 * The metric families of controller-runtime and of its client-go work queue, with their names,
 * labels and buckets, so the dashboards and alerts written for Go operators read Stow's (ADR 0022).
 * Registered once per registry; a controller made again (a new term of leadership) reuses its own.
 */
export function runtimeMetrics(registry: Registry): RuntimeMetrics {
  const registers = [registry];
  const reconciles = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller',
    labelNames: ['controller', 'result'] as const,
    registers,
  });
  const errors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller',
    labelNames: ['controller'] as const,
    registers,
  });
  const time = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'] as const,
    buckets: RECONCILE_TIME_BUCKETS,
    registers,
  });
  const maxWorkers = new Gauge({
    name: 'controller_runtime_max_concurrent_reconciles',
    help: 'Maximum number of concurrent reconciles per controller',
    labelNames: ['controller'] as const,
    registers,
  });
  const activeWorkers = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Number of currently used workers per controller',
    labelNames: ['controller'] as const,
    registers,
  });
  const queues = workQueueMetrics(registry);
  const made = new Map<string, KindMetrics>();

  return {
    controller(name, workers) {
      maxWorkers.set({ controller: name }, workers);
      const existing = made.get(name);
      if (existing) return existing;
      // As controller-runtime does: every series exists from the start, so rate() sees the first one.
      for (const result of RESULTS) reconciles.inc({ controller: name, result }, 0);
      errors.inc({ controller: name }, 0);
      activeWorkers.set({ controller: name }, 0);
      const labels = { controller: name };
      const metrics: KindMetrics = {
        reconcileStarted() {
          const started = performance.now();
          activeWorkers.inc(labels);
          return (result) => {
            activeWorkers.dec(labels);
            reconciles.inc({ controller: name, result });
            if (result === 'error') errors.inc(labels);
            time.observe(labels, (performance.now() - started) / 1000);
          };
        },
        queue: queues.queue(name),
      };
      made.set(name, metrics);
      return metrics;
    },
  };
}

/** client-go's work-queue metrics as controller-runtime registers them: `name` and `controller` both the controller's name. */
function workQueueMetrics(registry: Registry) {
  const registers = [registry];
  const labelNames = ['name', 'controller'] as const;
  const depth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue by workqueue',
    labelNames,
    registers,
  });
  const adds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue',
    labelNames,
    registers,
  });
  const latency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested',
    labelNames,
    buckets: WORK_QUEUE_BUCKETS,
    registers,
  });
  const workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes.',
    labelNames,
    buckets: WORK_QUEUE_BUCKETS,
    registers,
  });
  const retries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of items added to the workqueue with a delay (backoff after an error, or a requested requeue)',
    labelNames,
    registers,
  });
  /** The start (performance.now()) of every key being worked on, per queue. */
  const inProgress = new Map<string, Set<{ since: number }>>();
  const eachQueue = (gauge: Gauge<'name' | 'controller'>, value: (running: number[]) => number) => {
    const now = performance.now();
    for (const [name, running] of inProgress) {
      const seconds = [...running].map(({ since }) => (now - since) / 1000);
      gauge.set({ name, controller: name }, value(seconds));
    }
  };
  new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help:
      "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. " +
      'Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.',
    labelNames,
    registers,
    collect() {
      eachQueue(this, (seconds) => seconds.reduce((sum, s) => sum + s, 0));
    },
  });
  new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'How many seconds has the longest running processor for workqueue been running.',
    labelNames,
    registers,
    collect() {
      eachQueue(this, (seconds) => Math.max(0, ...seconds));
    },
  });

  return {
    queue(name: string): WorkQueueObserver {
      const labels = { name, controller: name };
      const running = new Set<{ since: number }>();
      inProgress.set(name, running);
      adds.inc(labels, 0);
      retries.inc(labels, 0);
      depth.set(labels, 0);
      return {
        added: () => adds.inc(labels),
        depth: (value) => depth.set(labels, value),
        started(waitedSeconds) {
          latency.observe(labels, waitedSeconds);
          const entry = { since: performance.now() };
          running.add(entry);
          return () => {
            running.delete(entry);
            workDuration.observe(labels, (performance.now() - entry.since) / 1000);
          };
        },
        retried: () => retries.inc(labels),
      };
    },
  };
}
