import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'stow_';

/**
 * One registry per process (and per test), never prom-client's global one. The process and Node.js
 * metrics keep their standard names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`):
 * dashboards and alerts everyone shares look for those (ADR 0022).
 */
export function createRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

export function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  /** Runs before every scrape: brings the metric up to date (see prom-client's `collect`). */
  collect?: () => void,
) {
  return new Counter<L>({
    name: METRIC_PREFIX + name,
    help,
    labelNames,
    registers: [registry],
    ...(collect ? { collect } : {}),
  });
}

export function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets?: number[],
  /** Runs before every scrape: brings the metric up to date (see prom-client's `collect`). */
  collect?: () => void,
) {
  return new Histogram<L>({
    name: METRIC_PREFIX + name,
    help,
    labelNames,
    registers: [registry],
    ...(buckets ? { buckets } : {}),
    ...(collect ? { collect } : {}),
  });
}

export function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
) {
  return new Gauge<L>({ name: METRIC_PREFIX + name, help, labelNames, registers: [registry] });
}
