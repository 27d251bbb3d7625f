import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import jsonPatch, { type Operation } from 'fast-json-patch';
import t from 'tap';
import { Agent, request } from 'undici';
import { loadConfig } from '../../../src/config/load.js';
import { makeDevCerts } from '../../../src/dev/control-plane/certs.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createRegistry } from '../../../src/util/metrics.js';
import { CertWatcher } from '../../../src/server/cert-watcher.js';
import {
  buildMetricsServer,
  buildWebhookServer,
  MAX_REVIEW_BYTES,
  replaceCertificate,
} from '../../../src/server/server.js';
import { admissionRoutes } from '../../../src/admission/plugin.js';
import { postgresDBAdmission } from '../../../src/admission/postgresdb.js';

const config = loadConfig();

function reviewOf(object: unknown, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'b5c6a1e2-0000-4000-8000-000000000001', operation: 'CREATE', object, ...extra },
  };
}

const minimal = {
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDB',
  metadata: { name: 'orders', namespace: 'payments', annotations: { 'example.com/keep': 'yes' } },
  spec: {
    instanceClass: 'db.t3.small',
    storage: { sizeGiB: 20, futureField: 'x' },
    futureTopLevel: { a: 1 },
  },
};

t.test('admission over inject()', async (t) => {
  const app = buildWebhookServer({
    logger: silentLogger(),
    routes: [admissionRoutes([postgresDBAdmission(config)], silentLogger())],
    registry: createRegistry({ defaultMetrics: false }),
  });
  t.teardown(() => app.close());
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url,
      payload: payload as string,
      headers: { 'content-type': 'application/json', ...headers },
    });

  t.test(
    'mutate: echoes uid and apiVersion; patch adds defaults only and keeps unknown fields',
    async (t) => {
      for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
        const res = await post('/mutate', { ...reviewOf(minimal), apiVersion });
        t.equal(res.statusCode, 200);
        const body = res.json();
        t.equal(body.apiVersion, apiVersion);
        t.equal(body.kind, 'AdmissionReview');
        t.equal(body.response.uid, 'b5c6a1e2-0000-4000-8000-000000000001');
        t.equal(body.response.allowed, true);
        t.equal(body.response.patchType, 'JSONPatch');
        const patch = JSON.parse(Buffer.from(body.response.patch, 'base64').toString()) as Array<{
          op: string;
          path: string;
        }>;
        t.ok(patch.length > 0);
        t.ok(
          patch.every((op) => op.op === 'add'),
          'defaulting only adds',
        );
        t.notOk(
          patch.some((op) => op.path.includes('future')),
          'unknown fields untouched',
        );
        t.same(
          patch.filter((op) => op.path.startsWith('/metadata')).map((op) => op.path),
          ['/metadata/finalizers'],
          'of metadata, only the finalizer',
        );
      }
    },
  );

  t.test('mutate: an already defaulted object yields no patch', async (t) => {
    const first = (await post('/mutate', reviewOf(minimal))).json();
    const patch = JSON.parse(Buffer.from(first.response.patch, 'base64').toString()) as Operation[];
    const defaulted = jsonPatch.applyPatch(structuredClone(minimal), patch, true, false).newDocument;
    const second = (await post('/mutate', reviewOf(defaulted))).json();
    t.same(second.response, { uid: 'b5c6a1e2-0000-4000-8000-000000000001', allowed: true });
  });

  // The API server checks the CRD schema between /mutate and /validate (ADR 0019).
  t.test(
    'mutate: a spec the CRD schema would refuse is denied with every reason /validate gives',
    async (t) => {
      for (const spec of [
        { instanceClass: 'db.t3.small', storage: 'ten' },
        { instanceClass: 5, storage: { sizeGiB: 20 } },
        {
          instanceClass: 't3.small',
          masterUsername: 'user',
          storage: { sizeGiB: 20 },
          serviceName: 'Bad_Name',
        },
        { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 }, backup: { retentionDays: 36 } },
      ]) {
        const review = reviewOf({ ...minimal, spec });
        const mutated = (await post('/mutate', review)).json().response;
        const validated = (await post('/validate', review)).json().response;
        t.equal(mutated.allowed, false, `denied: ${JSON.stringify(spec)}`);
        t.notOk(mutated.patch, 'no patch');
        t.same(mutated, validated, 'the same denial as /validate');
      }
      const names = (
        await post(
          '/mutate',
          reviewOf({
            ...minimal,
            spec: {
              instanceClass: 't3.small',
              masterUsername: 'user',
              storage: { sizeGiB: 20 },
              serviceName: 'Bad_Name',
            },
          }),
        )
      ).json().response.status.message;
      t.match(names, /3 problems/, 'the bounds and the rules beyond them, at once');
      t.match(names, /spec\.instanceClass: must be an RDS instance class/);
      t.match(names, /spec\.masterUsername: is a reserved word/);
      t.match(names, /spec\.serviceName: must be a DNS label/);
    },
  );

  t.test('mutate: a name the CRD refuses only once defaulted (serviceName from metadata.name)', async (t) => {
    const review = reviewOf({ ...minimal, metadata: { name: '1orders', namespace: 'payments' } });
    const response = (await post('/mutate', review)).json().response;
    t.equal(response.allowed, false);
    t.match(response.status.message, /spec\.serviceName: .*defaults to metadata\.name/);
  });

  t.test('mutate: what the CRD accepts but the rules do not is still patched, for /validate', async (t) => {
    const review = reviewOf({ ...minimal, spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 10 } } });
    const response = (await post('/mutate', review)).json().response;
    t.equal(response.allowed, true);
    t.ok(response.patch, 'defaults patched');
    const validated = (await post('/validate', review)).json().response;
    t.match(validated.status.message, /spec\.storage\.sizeGiB: must be at least 20 for storage type gp3/);
  });

  t.test('validate: all violations in one denial, inside a review', async (t) => {
    const bad = { ...minimal, spec: { instanceClass: 'big', storage: { type: 'io1', sizeGiB: 50 } } };
    const res = await post('/validate', reviewOf(bad));
    t.equal(res.statusCode, 200);
    const { response } = res.json();
    t.equal(response.allowed, false);
    t.equal(response.status.code, 422);
    t.match(response.status.message, /3 problems/);
    t.match(response.status.message, /spec\.instanceClass: .*\(got "big"\)/);
    t.match(
      response.status.message,
      /spec\.storage\.sizeGiB: must be at least 100 for storage type io1 \(got 50\)/,
    );
    t.match(response.status.message, /spec\.storage\.iops: is required for storage type io1/);
  });

  t.test('validate: a malformed object is denied with reasons, never a 500', async (t) => {
    for (const object of [
      { metadata: { name: 'x' }, spec: { storage: 'ten' } },
      { metadata: { name: 'x' } },
      { metadata: {}, spec: null },
    ]) {
      const res = await post('/validate', reviewOf(object));
      t.equal(res.statusCode, 200);
      t.equal(res.json().response.allowed, false, JSON.stringify(object));
      t.match(res.json().response.status.message, /spec/);
    }
    const noObject = await post('/validate', reviewOf(undefined));
    t.equal(noObject.statusCode, 200);
    t.equal(noObject.json().response.status.code, 400);
  });

  t.test('DELETE and CONNECT are allowed untouched', async (t) => {
    const res = await post('/validate', reviewOf(minimal, { operation: 'DELETE' }));
    t.same(res.json().response, { uid: 'b5c6a1e2-0000-4000-8000-000000000001', allowed: true });
  });

  t.test('malformed bodies get a clear 400', async (t) => {
    const cases: Array<[string, string, Record<string, string>, RegExp]> = [
      ['not JSON', '{"apiVersion":', {}, /JSON/i],
      ['not a review', '{"hello":"world"}', {}, /malformed review/],
      [
        'no uid',
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          request: { operation: 'CREATE' },
        }),
        {},
        /uid/,
      ],
      ['wrong content type', 'x', { 'content-type': 'text/plain' }, /application\/json/],
      // A __proto__ key is a plain key (ADR 0014): this body is refused for what it lacks.
      ['a __proto__ key', '{"apiVersion":"admission.k8s.io/v1","__proto__":{"allowed":true}}', {}, /kind/],
    ];
    for (const [title, payload, headers, message] of cases) {
      const res = await post('/validate', payload, headers);
      t.ok(res.statusCode === 400 || res.statusCode === 415, `${title}: ${res.statusCode}`);
      t.match(res.json().message, message, title);
    }
  });

  t.test('bodies over the limit are refused', async (t) => {
    const res = await post('/validate', JSON.stringify({ pad: 'x'.repeat(MAX_REVIEW_BYTES) }));
    t.equal(res.statusCode, 413);
    t.match(res.json().message, /larger than/);
  });
});

t.test('TLS: 1.2+ only, and certificates reloaded without restart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stow-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await makeDevCerts(dir, { commonName: 'first' });
  const watcher = new CertWatcher({
    dir,
    logger: silentLogger(),
    onChange: (pair) => replaceCertificate(app, pair),
    pollIntervalMs: 100,
  });
  const app = buildWebhookServer({
    logger: silentLogger(),
    routes: [admissionRoutes([postgresDBAdmission(config)], silentLogger())],
    registry: createRegistry({ defaultMetrics: false }),
    tls: watcher.initial,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  watcher.start();
  t.teardown(async () => {
    watcher.stop();
    await app.close();
  });
  const port = (app.server.address() as AddressInfo).port;

  const peerCommonName = (ca: string, maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3') =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(
        {
          host: '127.0.0.1',
          port,
          ca,
          servername: 'localhost',
          ...(maxVersion ? { maxVersion, minVersion: 'TLSv1' } : {}),
        },
        () => {
          const cn = String(socket.getPeerCertificate().subject?.CN ?? '');
          socket.end();
          resolve(cn);
        },
      );
      socket.on('error', reject);
    });

  t.equal(await peerCommonName(first.caPem), 'first');
  t.equal(await peerCommonName(first.caPem, 'TLSv1.2'), 'first', 'TLS 1.2 accepted');
  await t.rejects(peerCommonName(first.caPem, 'TLSv1.1'), 'TLS 1.1 refused');

  const ca = { caCert: await readFile(first.caCert, 'utf8'), caKey: await readFile(first.caKey, 'utf8') };
  await makeDevCerts(dir, { commonName: 'second', ca: { caCert: first.caCert, caKey: first.caKey } });
  t.ok(ca.caCert.length > 0);
  let cn = '';
  for (let i = 0; i < 50 && cn !== 'second'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    cn = await peerCommonName(first.caPem);
  }
  t.equal(cn, 'second', 'new certificate served without a restart');

  await writeFile(
    join(dir, 'tls.key'),
    '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n',
  );
  await new Promise((r) => setTimeout(r, 500));
  t.equal(await peerCommonName(first.caPem), 'second', 'a broken pair is ignored; the last good one stays');

  const agent = new Agent({ connect: { ca: first.caPem } });
  const res = await request(`https://127.0.0.1:${port}/validate`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(reviewOf(minimal)),
  });
  t.equal(res.statusCode, 200);
  t.equal(((await res.body.json()) as { response: { allowed: boolean } }).response.allowed, true);
  await agent.close();
});

t.test('metrics server: /healthz, /readyz, /metrics with request counts and latency', async (t) => {
  const registry = createRegistry({ defaultMetrics: false });
  const webhook = buildWebhookServer({
    logger: silentLogger(),
    registry,
    routes: [admissionRoutes([postgresDBAdmission(config)], silentLogger())],
  });
  let ready = false;
  const metrics = buildMetricsServer({
    logger: silentLogger(),
    registry,
    notReadyReason: () => (ready ? undefined : 'starting'),
  });
  t.teardown(async () => {
    await webhook.close();
    await metrics.close();
  });
  await webhook.inject({ method: 'POST', url: '/validate', payload: reviewOf(minimal) });
  t.equal((await metrics.inject('/healthz')).statusCode, 200);
  const notReady = await metrics.inject('/readyz');
  t.equal(notReady.statusCode, 503);
  t.match(notReady.json(), { reason: 'starting' });
  ready = true;
  t.equal((await metrics.inject('/readyz')).statusCode, 200);
  const text = (await metrics.inject('/metrics')).body;
  t.match(text, /stow_webhook_requests_total\{route="\/validate",code="200"\} 1/);
  t.match(text, /stow_webhook_request_duration_seconds_count\{route="\/validate"\} 1/);
  // Every response is counted once, whatever answers it; responses reach prom-client in batches, and a
  // scrape sees every one, whole batches and the rest.
  for (let i = 0; i < 1300; i++)
    await webhook.inject({ method: 'POST', url: '/validate', payload: reviewOf(minimal) });
  await webhook.inject({
    method: 'POST',
    url: '/mutate',
    payload: '{"apiVersion":',
    headers: { 'content-type': 'application/json' },
  });
  await webhook.inject({
    method: 'POST',
    url: '/mutate',
    payload: 'x',
    headers: { 'content-type': 'text/plain' },
  });
  await webhook.inject('/healthz');
  await webhook.inject('/nowhere');
  const later = (await metrics.inject('/metrics')).body;
  t.match(later, /stow_webhook_requests_total\{route="\/validate",code="200"\} 1301\n/);
  t.match(later, /stow_webhook_request_duration_seconds_count\{route="\/validate"\} 1301\n/);
  t.match(later, /stow_webhook_requests_total\{route="\/mutate",code="400"\} 1\n/);
  t.match(later, /stow_webhook_requests_total\{route="\/mutate",code="415"\} 1\n/);
  t.match(later, /stow_webhook_requests_total\{route="\/healthz",code="200"\} 1\n/);
  t.match(later, /stow_webhook_requests_total\{route="unmatched",code="404"\} 1\n/);
  t.match(later, /stow_webhook_request_duration_seconds_count\{route="\/mutate"\} 2\n/);
});
