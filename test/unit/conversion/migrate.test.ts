import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import Fastify, { type FastifyInstance } from 'fastify';
import t from 'tap';
import { MIGRATION_FIELD_MANAGER, migrateStorage } from '../../../src/migrate/migrate-storage.js';

// migrateStorage against a scripted API server: paging, retries, skips and the storedVersions rule.
// The real API server's side (re-encoding, etcd contents) is in test/e2e/conversion.test.ts.

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/postgresdbs.stow.dev';

interface FakeOptions {
  names?: string[];
  storedVersions?: string[];
  statusSubresource?: boolean;
  crdChangedAt?: Date;
  /** Per object name: the HTTP statuses to answer its rewrites with, in order (then 200). */
  rewriteStatuses?: Record<string, number[]>;
  /** Answer this list page (0-based) with 410 Gone, once. */
  expireContinueOnPage?: number;
  crdMissing?: boolean;
}

interface Fake {
  kubeConfig: KubeConfig;
  rewrites: Array<{ path: string; body: unknown; query: Record<string, string> }>;
  listQueries: Array<Record<string, string>>;
  crdPatches: unknown[];
}

async function fakeApiServer(
  t: Pick<typeof import('tap').default, 'teardown'>,
  opts: FakeOptions,
): Promise<Fake> {
  const names = opts.names ?? [];
  const fake: Omit<Fake, 'kubeConfig'> = { rewrites: [], listQueries: [], crdPatches: [] };
  const pending = new Map(
    Object.entries(opts.rewriteStatuses ?? {}).map(([name, codes]) => [name, [...codes]]),
  );
  let expire = opts.expireContinueOnPage;
  let storedVersions = opts.storedVersions ?? ['v1alpha1', 'v1beta1'];
  const crd = () => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: 'postgresdbs.stow.dev',
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          time: (opts.crdChangedAt ?? new Date('2024-01-01T00:00:00Z')).toISOString(),
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': {} },
        },
      ],
    },
    spec: {
      group: 'stow.dev',
      names: { kind: 'PostgresDB', plural: 'postgresdbs' },
      scope: 'Namespaced',
      versions: [
        { name: 'v1alpha1', served: true, storage: false },
        {
          name: 'v1beta1',
          served: true,
          storage: true,
          ...(opts.statusSubresource === false ? {} : { subresources: { status: {} } }),
        },
      ],
    },
    status: { storedVersions },
  });
  const status = (code: number, message: string) => ({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    message,
  });

  const app: FastifyInstance = Fastify();
  app.addContentTypeParser('application/json-patch+json', { parseAs: 'string' }, (_request, body, done) => {
    done(null, JSON.parse(body as string));
  });
  app.get(CRD_PATH, async (_request, reply) =>
    opts.crdMissing
      ? reply.code(404).send(status(404, 'customresourcedefinitions "postgresdbs.stow.dev" not found'))
      : crd(),
  );
  app.patch(`${CRD_PATH}/status`, async (request) => {
    fake.crdPatches.push(request.body);
    storedVersions =
      (request.body as Array<{ op: string; value: string[] }>).find((op) => op.op === 'replace')?.value ??
      storedVersions;
    return crd();
  });
  app.get('/apis/stow.dev/v1beta1/postgresdbs', async (request, reply) => {
    const query = request.query as Record<string, string>;
    fake.listQueries.push(query);
    const limit = Number(query.limit);
    const start = query.continue ? Number(query.continue) : 0;
    if (expire !== undefined && start === expire * limit && start > 0) {
      expire = undefined;
      return reply.code(410).send(status(410, 'The provided continue parameter is too old'));
    }
    const items = names.slice(start, start + limit).map((name) => ({
      apiVersion: 'stow.dev/v1beta1',
      kind: 'PostgresDB',
      metadata: { namespace: 'shop', name },
      spec: {},
    }));
    const next = start + limit < names.length ? String(start + limit) : undefined;
    return {
      apiVersion: 'stow.dev/v1beta1',
      kind: 'PostgresDBList',
      metadata: next ? { continue: next } : {},
      items,
    };
  });
  const rewrite = async (
    request: { url: string; body: unknown; query: unknown; params: unknown },
    reply: { code(n: number): { send(body: unknown): unknown } },
  ) => {
    const { name } = request.params as { name: string };
    fake.rewrites.push({
      path: request.url.split('?')[0]!,
      body: request.body,
      query: request.query as Record<string, string>,
    });
    const code = pending.get(name)?.shift();
    if (code) return reply.code(code).send(status(code, `scripted ${code} for ${name}`));
    return reply.code(200).send({ metadata: { name } });
  };
  app.patch('/apis/stow.dev/v1beta1/namespaces/:namespace/postgresdbs/:name/status', rewrite);
  app.patch('/apis/stow.dev/v1beta1/namespaces/:namespace/postgresdbs/:name', rewrite);
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: 'fake',
        server: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'admin', token: 'token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'admin' }],
    currentContext: 'fake',
  });
  return { ...fake, kubeConfig };
}

const names = (count: number) => Array.from({ length: count }, (_, i) => `db-${i}`);

function recorder() {
  const lines: string[] = [];
  return {
    lines,
    log: { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(`WARN ${line}`) },
  };
}

t.test('pages through every object, rewrites each, then trims storedVersions', async (t) => {
  const fake = await fakeApiServer(t, { names: names(7) });
  const { lines, log } = recorder();
  const result = await migrateStorage({ kubeConfig: fake.kubeConfig, pageSize: 3, settleSeconds: 0, log });
  t.same(result, {
    ok: true,
    dryRun: false,
    storageVersion: 'v1beta1',
    total: 7,
    rewritten: 7,
    gone: 0,
    failed: [],
    storedVersionsBefore: ['v1alpha1', 'v1beta1'],
    storedVersionsAfter: ['v1beta1'],
  });
  t.same(
    fake.listQueries.map((query) => [query.limit, query.continue]),
    [
      ['3', undefined],
      ['3', '3'],
      ['3', '6'],
    ],
  );
  t.equal(fake.rewrites.length, 7);
  t.match(fake.rewrites[0], {
    path: '/apis/stow.dev/v1beta1/namespaces/shop/postgresdbs/db-0/status',
    body: [],
    query: { fieldManager: MIGRATION_FIELD_MANAGER },
  });
  t.notOk('dryRun' in fake.rewrites[0]!.query);
  t.same(fake.crdPatches, [
    [
      { op: 'test', path: '/status/storedVersions', value: ['v1alpha1', 'v1beta1'] },
      { op: 'replace', path: '/status/storedVersions', value: ['v1beta1'] },
    ],
  ]);
  t.match(lines.join('\n'), /migrated 7\/7 shop\/db-6/);
  t.match(lines.at(-1), 'status.storedVersions set to ["v1beta1"]');
});

t.test('an object deleted meanwhile is skipped; conflicts and throttling are retried', async (t) => {
  const fake = await fakeApiServer(t, {
    names: names(3),
    rewriteStatuses: { 'db-0': [404], 'db-1': [409, 429] },
  });
  const result = await migrateStorage({ kubeConfig: fake.kubeConfig, settleSeconds: 0 });
  t.match(result, { ok: true, rewritten: 2, gone: 1, failed: [], storedVersionsAfter: ['v1beta1'] });
  t.equal(
    fake.rewrites.filter((rewrite) => rewrite.path.endsWith('/db-1/status')).length,
    3,
    'db-1 tried three times',
  );
});

t.test('any object that cannot be rewritten leaves storedVersions alone', async (t) => {
  const fake = await fakeApiServer(t, { names: names(3), rewriteStatuses: { 'db-1': [422] } });
  const { lines, log } = recorder();
  const result = await migrateStorage({ kubeConfig: fake.kubeConfig, settleSeconds: 0, log });
  t.match(result, {
    ok: false,
    rewritten: 2,
    failed: [{ object: 'shop/db-1', reason: 'scripted 422 for db-1' }],
  });
  t.same(result.storedVersionsAfter, ['v1alpha1', 'v1beta1']);
  t.same(fake.crdPatches, [], 'no CRD status patch');
  t.match(lines.join('\n'), /WARN could not rewrite shop\/db-1: scripted 422 for db-1/);
  t.match(
    lines.join('\n'),
    /WARN status\.storedVersions left at \["v1alpha1","v1beta1"\]: 1 object\(s\) could not be rewritten/,
  );
});

t.test('a dry run sends every write as dryRun=All and trims nothing', async (t) => {
  const fake = await fakeApiServer(t, { names: names(2) });
  const { lines, log } = recorder();
  const result = await migrateStorage({ kubeConfig: fake.kubeConfig, dryRun: true, settleSeconds: 0, log });
  t.match(result, { ok: true, dryRun: true, rewritten: 2, storedVersionsAfter: ['v1alpha1', 'v1beta1'] });
  t.ok(fake.rewrites.every((rewrite) => rewrite.query.dryRun === 'All'));
  t.same(fake.crdPatches, []);
  t.match(lines.join('\n'), /checked 2\/2/);
  t.match(
    lines.at(-1),
    'dry run: would set status.storedVersions from ["v1alpha1","v1beta1"] to ["v1beta1"]',
  );
});

t.test('an expired continue token starts the listing again', async (t) => {
  const fake = await fakeApiServer(t, { names: names(5), expireContinueOnPage: 1 });
  const result = await migrateStorage({ kubeConfig: fake.kubeConfig, pageSize: 2, settleSeconds: 0 });
  t.match(result, { ok: true, total: 5, rewritten: 5 });
  t.same(
    fake.listQueries.map((query) => query.continue),
    [undefined, '2', undefined, '2', '4'],
  );
});

t.test('a second run finds storedVersions trimmed and patches nothing', async (t) => {
  const fake = await fakeApiServer(t, { names: names(1), storedVersions: ['v1beta1'] });
  const result = await migrateStorage({ kubeConfig: fake.kubeConfig, settleSeconds: 0 });
  t.match(result, { ok: true, storedVersionsAfter: ['v1beta1'] });
  t.same(fake.crdPatches, []);
});

t.test('without a status subresource the main resource is patched', async (t) => {
  const fake = await fakeApiServer(t, { names: names(1), statusSubresource: false });
  await migrateStorage({ kubeConfig: fake.kubeConfig, settleSeconds: 0 });
  t.equal(fake.rewrites[0]?.path, '/apis/stow.dev/v1beta1/namespaces/shop/postgresdbs/db-0');
});

t.test('a CRD changed moments ago is given time to reach every API server', async (t) => {
  const fake = await fakeApiServer(t, { names: names(1), crdChangedAt: new Date() });
  const { lines, log } = recorder();
  const started = Date.now();
  await migrateStorage({ kubeConfig: fake.kubeConfig, settleSeconds: 1, log });
  t.ok(Date.now() - started >= 900, 'waited about a second');
  t.match(lines.join('\n'), /changed 0 s ago; waiting 1 s so every API server uses the new storage version/);
});

t.test('a missing CRD is a clear error', async (t) => {
  const fake = await fakeApiServer(t, { crdMissing: true });
  await t.rejects(migrateStorage({ kubeConfig: fake.kubeConfig }), {
    message: 'CustomResourceDefinition postgresdbs.stow.dev not found: install the CRD first',
  });
});
