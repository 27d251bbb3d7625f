// Captures the AdmissionReview a real kube-apiserver sends to /mutate for `kubectl apply` of the
// benchmark's PostgresDB, and writes it to bench/fixtures/admission-review-create.json. The review
// carries what the API server adds: userInfo, options, managedFields and kubectl's last-applied
// annotation. Run it again after changing the benchmark object:
//   npm run build && node dist/bench/capture-admission-review.js && npx biome format --write bench/fixtures
import { writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { startLocalEnvironment } from '../src/dev/local/environment.js';
import { buildWebhookConfigurations } from '../src/admission/registration.js';
import { benchmarkObject } from './admission-object.js';
import { allowReview } from './lib/allow-review.js';

const output = fileURLToPath(new URL('../../bench/fixtures/admission-review-create.json', import.meta.url));

const env = await startLocalEnvironment({ operator: false, crdVersions: ['v1beta1'] });
try {
  const captured: unknown[] = [];
  const server = Fastify({
    https: {
      key: readFileSync(join(env.certsDir, 'tls.key'), 'utf8'),
      cert: readFileSync(join(env.certsDir, 'tls.crt'), 'utf8'),
    },
  });
  const allow = async (req: { body: unknown }) => {
    captured.push(req.body);
    return allowReview(req.body);
  };
  server.post('/mutate', allow);
  server.post('/validate', allow);
  await server.listen({ host: '127.0.0.1', port: 0 });
  const url = `https://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  try {
    const registered = await env.apply(buildWebhookConfigurations({ url, caBundle: env.caBundle }));
    if (registered.code !== 0) throw new Error(registered.stderr);
    await env.kubectl(['create', 'namespace', benchmarkObject.metadata.namespace]);
    const applied = await env.apply(benchmarkObject);
    if (applied.code !== 0) throw new Error(applied.stderr);
    const review = captured[0];
    if (!review) throw new Error('the API server sent no review');
    await writeFile(output, `${JSON.stringify(review, null, 2)}\n`);
    console.log(`wrote ${output} (${JSON.stringify(review).length} bytes)`);
  } finally {
    await server.close();
  }
} finally {
  await env.stop();
}
