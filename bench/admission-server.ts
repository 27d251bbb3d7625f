// Child process for bench/admission: serves either Stow's webhook server or a bare Fastify TLS
// handler that always allows, on a free port, and prints the port.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config/load.js';
import { staticPolicies } from '../src/policy/store.js';
import { silentLogger } from '../src/util/logger.js';
import { createRegistry } from '../src/util/metrics.js';
import { buildWebhookServer } from '../src/server/server.js';
import { admissionRoutes } from '../src/admission/plugin.js';
import { postgresDBAdmission } from '../src/admission/postgresdb.js';
import { allowReview } from './lib/allow-review.js';
import { BENCH_POLICIES } from './lib/policies.js';

const [mode = 'stow', certsDir = ''] = process.argv.slice(2);
const tls = {
  key: readFileSync(join(certsDir, 'tls.key'), 'utf8'),
  cert: readFileSync(join(certsDir, 'tls.crt'), 'utf8'),
};

// BENCH_POLICIES=1: Stow with three PostgresDBPolicies selecting the reviews' namespace, as a
// platform with policies runs it (the default measures a cluster without any).
const policies =
  process.env.BENCH_POLICIES === '1'
    ? staticPolicies(BENCH_POLICIES, { payments: { tenant: 'true' } })
    : undefined;
const app =
  mode === 'bare'
    ? (Fastify({ https: { ...tls, minVersion: 'TLSv1.2' } }) as unknown as FastifyInstance)
    : buildWebhookServer({
        logger: silentLogger(),
        registry: createRegistry(),
        tls,
        routes: [
          admissionRoutes([postgresDBAdmission(loadConfig(), policies ? { policies } : {})], silentLogger()),
        ],
      });
if (mode === 'bare') {
  const allow = async (req: { body: unknown }) => allowReview(req.body);
  app.post('/validate', allow);
  app.post('/mutate', allow);
}
await app.listen({ host: '127.0.0.1', port: 0 });
// CPU time per request, from the measured phase only (SIGUSR2 starts it): steadier than throughput
// on a shared machine, and the server's own cost.
let served = 0;
let cpuAtStart = process.cpuUsage();
app.server.on('request', () => {
  served++;
});
process.on('SIGUSR2', () => {
  served = 0;
  cpuAtStart = process.cpuUsage();
});
process.stdout.write(`${(app.server.address() as AddressInfo).port}\n`);
process.on('SIGTERM', () => {
  const cpu = process.cpuUsage(cpuAtStart);
  process.stdout.write(`${JSON.stringify({ served, cpuMicros: cpu.user + cpu.system })}\n`);
  app.close().then(() => process.exit(0));
});
