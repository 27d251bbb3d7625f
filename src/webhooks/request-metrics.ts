import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { counter, histogram } from '../util/metrics.js';

/** Counts requests and measures their latency by route and status code (hooks on the root instance). */
export function registerRequestMetrics(app: FastifyInstance, registry: Registry, server: string): void {
  const requests = counter(registry, `${server}_requests_total`, `${server} HTTP requests`, [
    'route',
    'code',
  ] as const);
  const latency = histogram(
    registry,
    `${server}_request_duration_seconds`,
    `${server} HTTP request latency`,
    ['route'] as const,
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  // A callback hook and children cached per label set: this runs on every admission request, and
  // prom-client hashes a label object on every call otherwise.
  const children = new Map<string, { count: { inc(): void }; latency: { observe(value: number): void } }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${route} ${reply.statusCode}`;
    let child = children.get(key);
    if (!child) {
      child = {
        count: requests.labels({ route, code: String(reply.statusCode) }),
        latency: latency.labels({ route }),
      };
      children.set(key, child);
    }
    child.count.inc();
    child.latency.observe(reply.elapsedTime / 1000);
    done();
  });
}
