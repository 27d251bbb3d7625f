import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { buildWebhookConfigurations } from '../src/admission/registration.js';
import { POSTGRESDBS } from '../src/api/v1beta1.js';
import { makeDevCerts } from '../src/dev/control-plane/certs.js';
import { type ControlPlane, startControlPlane } from '../src/dev/control-plane/control-plane.js';
import { createKubeClient } from '../src/kube/client.js';
import { pathOf } from '../src/kube/paths.js';
import { installCrd, postgresDB } from '../test/support/harness.js';
import { allowReview } from './lib/allow-review.js';
import { inParallel } from './lib/in-parallel.js';
import { applyObjects, kubectlOrThrow } from '../test/support/kubectl.js';
import { cpuSecondsOf } from './lib/proc-stat.js';

// bench/apiserver-cost: the API server's and etcd's CPU for each kind of request a created PostgresDB
// costs, read from /proc, with a watch open on every kind (as the operator and the cluster's controllers
// keep them). The baselines in the same run: the same writes to a kind whose schema checks nothing, and
// to core kinds. The sum is the floor bench/scale meets on a machine where the API server shares the
// operator's cores.

const COUNT = Number(process.env.STOW_BENCH_REQUESTS ?? 2000);
const RESOURCES = Number(process.env.STOW_BENCH_RESOURCES ?? 10_000);
const PARALLELISM = 16;
const NAMESPACE = 'apps';
const ENDPOINT = 'bench-apps-db-0123456789.c0abcdefghij.eu-west-1.rds.amazonaws.com';

interface Cost {
  apiserverMs: number;
  etcdMs: number;
}

const cp = await startControlPlane();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(cp.kubeconfigPath);
const client = await createKubeClient(kubeConfig);
const dir = await mkdtemp(join(tmpdir(), 'stow-apiserver-cost-'));
const watches = new AbortController();
try {
  await installCrd(cp);
  await applyObjects(cp, [schemaLessCrd()]);
  await kubectlOrThrow(cp, ['wait', '--for=condition=Established', 'crd/bares.bench.example']);
  await kubectlOrThrow(cp, ['create', 'namespace', NAMESPACE]);
  for (const path of [
    '/apis/stow.dev/v1beta1/postgresdbs',
    '/apis/bench.example/v1/bares',
    '/api/v1/secrets',
    '/api/v1/services',
    '/api/v1/events',
  ])
    void client.watch(path, {}, () => {}, watches.signal).catch(() => {});

  const names = Array.from({ length: COUNT }, (_, i) => `db-${i}`);
  const measure = costMeter(cp, names);
  const bares = `/apis/bench.example/v1/namespaces/${NAMESPACE}/bares`;
  const core = (plural: string) => `/api/v1/namespaces/${NAMESPACE}/${plural}`;
  const mergePatch = (path: string, body: unknown) =>
    client.request('PATCH', path, { body, contentType: 'application/merge-patch+json' });

  const costs = {
    createPlain: await measure('POST postgresdbs, no webhooks', (name) =>
      client.request('POST', pathOf(POSTGRESDBS, NAMESPACE), { body: postgresDBIn(name) }),
    ),
    status: await measure('PATCH postgresdbs/status, first status', (name) =>
      mergePatch(`${pathOf(POSTGRESDBS, NAMESPACE, name)}/status`, {
        status: status('The instance is available.'),
      }),
    ),
    statusAgain: await measure('PATCH postgresdbs/status, a later change', (name) =>
      mergePatch(`${pathOf(POSTGRESDBS, NAMESPACE, name)}/status`, { status: status('Changed.') }),
    ),
    get: await measure('GET postgresdbs', (name) =>
      client.request('GET', pathOf(POSTGRESDBS, NAMESPACE, name)),
    ),
    bareCreate: await measure('POST, a CRD whose schema checks nothing', (name) =>
      client.request('POST', bares, {
        body: { ...postgresDBIn(name), apiVersion: 'bench.example/v1', kind: 'Bare' },
      }),
    ),
    bareStatus: await measure('PATCH its status, first status', (name) =>
      mergePatch(`${bares}/${name}/status`, { status: status('The instance is available.') }),
    ),
    secret: await measure('POST secrets', (name) =>
      client.request('POST', core('secrets'), { body: secret(name) }),
    ),
    secretPatch: await measure('PATCH secrets, the endpoint keys', (name) =>
      mergePatch(`${core('secrets')}/${name}`, { stringData: { host: ENDPOINT, port: '5432' } }),
    ),
    service: await measure('POST services (ExternalName)', (name) =>
      client.request('POST', core('services'), { body: service(name) }),
    ),
    event: await measure('POST events', (name) =>
      client.request('POST', core('events'), { body: event(name) }),
    ),
  };
  await kubectlOrThrow(cp, ['delete', 'postgresdbs', '--all', '-n', NAMESPACE]);
  const server = await bareAdmissionServer(cp, dir);
  const createWebhooks = await measure('POST postgresdbs, both webhooks (a bare server)', (name) =>
    client.request('POST', pathOf(POSTGRESDBS, NAMESPACE), { body: postgresDBIn(`w-${name}`) }),
  );
  server.close();

  const perCreated = sum([
    createWebhooks,
    costs.status,
    costs.secret,
    costs.secretPatch,
    costs.service,
    costs.event,
    costs.event,
  ]);
  const cpuSeconds = (RESOURCES * (perCreated.apiserverMs + perCreated.etcdMs)) / 1000;
  console.log(
    `bench/apiserver-cost: CPU per request of the API server and etcd, ${COUNT} of each, ${PARALLELISM} at a time`,
  );
  for (const line of measure.lines) console.log(line);
  console.log(
    `a created PostgresDB as Stow writes it (the create through the webhooks, 1 status, 1 Secret and its endpoint keys, 1 Service, 2 Events): ` +
      `API server ${perCreated.apiserverMs.toFixed(1)} ms, etcd ${perCreated.etcdMs.toFixed(1)} ms, watches and controllers apart`,
  );
  console.log(
    `${RESOURCES} of them: ${cpuSeconds.toFixed(0)} CPU-seconds, ${(cpuSeconds / 2).toFixed(0)} s of 2 cores before the operator does anything`,
  );
  console.log(
    `baseline: a CRD status write costs ${(costs.status.apiserverMs / costs.bareStatus.apiserverMs).toFixed(2)}× the same write to a CRD whose schema checks nothing, ` +
      `${(costs.status.apiserverMs / costs.secretPatch.apiserverMs).toFixed(2)}× a Secret patch`,
  );
} finally {
  watches.abort();
  client.close();
  await cp.stop();
  await rm(dir, { recursive: true, force: true });
}

/** Runs `one` for every name, PARALLELISM at a time, and prints what it cost the API server and etcd per request. */
function costMeter(controlPlane: ControlPlane, names: readonly string[]) {
  const pid = (name: string) => controlPlane.processes.find((p) => p.name === name)!.pid;
  const cpuMs = (name: string) => cpuSecondsOf(pid(name)) * 1000;
  const lines: string[] = [];
  const measure = async (label: string, one: (name: string) => Promise<unknown>): Promise<Cost> => {
    const before = { apiserver: cpuMs('kube-apiserver'), etcd: cpuMs('etcd') };
    await inParallel(names, PARALLELISM, one);
    const cost = {
      apiserverMs: (cpuMs('kube-apiserver') - before.apiserver) / names.length,
      etcdMs: (cpuMs('etcd') - before.etcd) / names.length,
    };
    lines.push(
      `  ${label.padEnd(50)} API server ${cost.apiserverMs.toFixed(2).padStart(5)} ms  etcd ${cost.etcdMs.toFixed(2).padStart(5)} ms`,
    );
    return cost;
  };
  return Object.assign(measure, { lines });
}

function sum(costs: Cost[]): Cost {
  return {
    apiserverMs: costs.reduce((total, cost) => total + cost.apiserverMs, 0),
    etcdMs: costs.reduce((total, cost) => total + cost.etcdMs, 0),
  };
}

function postgresDBIn(name: string) {
  return { ...postgresDB(name), metadata: { name, namespace: NAMESPACE } };
}

/** A status of the size the operator writes for an available instance. */
function status(message: string) {
  const now = new Date().toISOString();
  const condition = (type: string, reason: string) => ({
    type,
    status: 'True',
    reason,
    message,
    lastTransitionTime: now,
    observedGeneration: 1,
  });
  return {
    phase: 'Available',
    observedGeneration: 1,
    instanceIdentifier: 'bench-apps-db-0123456789',
    endpoint: { address: ENDPOINT, port: 5432 },
    conditions: [condition('Ready', 'Available'), condition('Synced', 'Synced')],
  };
}

function secret(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'stow' } },
    type: 'Opaque',
    stringData: { username: 'app', password: 'x'.repeat(32), dbname: 'app' },
  };
}

function service(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NAMESPACE },
    spec: { type: 'ExternalName', externalName: ENDPOINT },
  };
}

function event(name: string) {
  const now = new Date().toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${name}.`, namespace: NAMESPACE },
    involvedObject: { apiVersion: 'stow.dev/v1beta1', kind: 'PostgresDB', name, namespace: NAMESPACE },
    reason: 'Creating',
    message: 'Creating RDS instance bench-apps-db-0123456789',
    type: 'Normal',
    source: { component: 'stow' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

function schemaLessCrd() {
  const anything = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'bares.bench.example' },
    spec: {
      group: 'bench.example',
      scope: 'Namespaced',
      names: { plural: 'bares', singular: 'bare', kind: 'Bare', listKind: 'BareList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: anything, status: anything } } },
        },
      ],
    },
  };
}

/** Both webhooks registered, answered "allowed" by a server that does nothing else. */
async function bareAdmissionServer(controlPlane: ControlPlane, workDir: string) {
  const certs = await makeDevCerts(join(workDir, 'certs'));
  const server = createServer({ cert: certs.certPem, key: certs.keyPem }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(allowReview(JSON.parse(Buffer.concat(chunks).toString()))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await applyObjects(
    controlPlane,
    buildWebhookConfigurations({
      url: `https://127.0.0.1:${port}`,
      caBundle: Buffer.from(certs.caPem).toString('base64'),
    }),
  );
  // The API server picks up webhook configurations from its informer.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return server;
}
