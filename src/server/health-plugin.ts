import type { FastifyInstance } from 'fastify';
import { AggregatorRegistry, type Registry } from 'prom-client';

export interface HealthPluginOptions {
  /** Returns a reason when not ready, undefined when ready. */
  notReadyReason?: () => string | undefined;
  registry?: Registry;
  /** Metrics of another thread (as `getMetricsAsJSON` gives them), served with the registry's. */
  moreMetrics?: () => Promise<object[] | undefined>;
}

export async function healthPlugin(app: FastifyInstance, opts: HealthPluginOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const reason = opts.notReadyReason?.();
    if (reason) return reply.code(503).send({ status: 'not ready', reason });
    return { status: 'ready' };
  });
  const registry = opts.registry;
  if (registry) {
    const more = opts.moreMetrics;
    app.get('/metrics', async (_req, reply) => {
      const others = await more?.();
      const text = others
        ? await AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), others]).metrics()
        : await registry.metrics();
      return reply.type(registry.contentType).send(text);
    });
  }
}
