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
  // A callback hook and per-route children: this runs on every admission request.
  const latencyByRoute = new Map<string, ReturnType<typeof latency.labels>>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ route, code: String(reply.statusCode) });
    let observe = latencyByRoute.get(route);
    if (!observe) {
      observe = latency.labels({ route });
      latencyByRoute.set(route, observe);
    }
    observe.observe(reply.elapsedTime / 1000);
    done();
  });
}
