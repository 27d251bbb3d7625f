import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface HealthPluginOptions {
  /** Returns a reason when not ready, undefined when ready. */
  notReadyReason?: () => string | undefined;
  registry?: Registry;
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
    app.get('/metrics', async (_req, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  }
}
