import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'stow_';

/** One registry per process (and per test), never prom-client's global one. */
export function createRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}

export function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
) {
  return new Counter<L>({ name: METRIC_PREFIX + name, help, labelNames, registers: [registry] });
}

export function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets?: number[],
) {
  return new Histogram<L>({
    name: METRIC_PREFIX + name,
    help,
    labelNames,
    registers: [registry],
    ...(buckets ? { buckets } : {}),
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
