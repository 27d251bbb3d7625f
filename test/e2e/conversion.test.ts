import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import t from 'tap';
import { kubectlOrThrow } from '../support/kubectl.js';
import { ANNOTATION_CONVERSION_DATA, CRD_NAME } from '../../src/api/constants.js';
import { buildCrd } from '../../src/api/crd.js';
import { conversionPlugin } from '../../src/conversion/plugin.js';
import { makeDevCerts } from '../../src/dev/control-plane/certs.js';
import { type ControlPlane, startControlPlane } from '../../src/dev/control-plane/control-plane.js';
import { migrateStorage } from '../../src/migrate/migrate-storage.js';
import { findUnconvertibleObjects } from '../../src/migrate/preflight.js';

// Issue 3 acceptance (a)–(e): a v1alpha1-only install upgraded to v1beta1 with the conversion webhook.

type Json = Record<string, unknown>;

interface AlphaSpec {
  size: string;
  storage: string | number;
  storageType?: string;
  iops?: number;
}

interface OldObject {
  namespace: string;
  name: string;
  spec: AlphaSpec;
  status?: { arn?: string; ready?: string };
}

/** The parts of a PostgresDB (or a list of them) that the checks read. */
interface ReadObject {
  apiVersion: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion: string;
    generation: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Json;
  status?: Json;
}

interface ReadCrd {
  spec: {
    conversion: { strategy: string };
    versions: Array<{ name: string; served: boolean; storage: boolean }>;
  };
  status: { storedVersions: string[] };
}

const OLD_OBJECTS: OldObject[] = [
  {
    namespace: 'shop',
    name: 'orders',
    spec: { size: 'db.t3.small', storage: '10', storageType: 'gp2' },
    status: { arn: 'arn:aws:rds:eu-west-1:123456789012:db:orders', ready: 'available' },
  },
  {
    namespace: 'shop',
    name: 'payments',
    spec: { size: 'db.m5.large', storage: 100, storageType: 'io1', iops: 1000 },
  },
  {
    namespace: 'shop',
    name: 'legacy',
    spec: { size: 'db.t3.micro', storage: '020', storageType: 'standard' },
  },
  ...Array.from({ length: 12 }, (_, i) => ({
    namespace: 'bulk',
    name: `bulk-${i}`,
    spec: { size: 'db.t3.small', storage: i % 2 === 0 ? String(20 + i) : 20 + i },
  })),
];

const FULL_V1BETA1 = {
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDB',
  metadata: {
    name: 'full',
    namespace: 'shop',
    labels: { team: 'payments' },
    annotations: { 'example.com/owner': 'alice' },
  },
  spec: {
    instanceClass: 'db.m6g.large',
    engineVersion: '16.4',
    storage: { type: 'gp3', sizeGiB: 500, iops: 12000, throughputMiBps: 500, maxSizeGiB: 1000 },
    multiAZ: true,
    databaseName: 'full_db',
    masterUsername: 'owner',
    backup: { retentionDays: 14, window: '03:00-04:00' },
    maintenanceWindow: 'sun:05:00-sun:06:00',
    deletionPolicy: 'Retain',
    deletionProtection: true,
    publiclyAccessible: false,
    encryption: { kmsKeyId: 'alias/stow' },
    securityGroupIds: ['sg-0123456789abcdef0', 'sg-12345678'],
    tags: { team: 'payments', cost: '42' },
    secretName: 'full-credentials',
    serviceName: 'full-db',
  },
};

const FULL_STATUS = {
  phase: 'Available',
  rdsStatus: 'available',
  dbInstanceIdentifier: 'stow-shop-full-1a2b3c',
  arn: 'arn:aws:rds:eu-west-1:123456789012:db:stow-shop-full-1a2b3c',
  endpoint: { address: 'stow-shop-full.abc.eu-west-1.rds.amazonaws.com', port: 5432 },
  observedGeneration: 1,
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      lastTransitionTime: '2024-05-01T10:00:00Z',
      reason: 'Available',
      message: 'ok',
    },
  ],
};

function alphaManifest({ namespace, name, spec }: OldObject) {
  return { apiVersion: 'stow.dev/v1alpha1', kind: 'PostgresDB', metadata: { name, namespace }, spec };
}

/** What api.md says each v1alpha1 object reads as in v1beta1. */
function expectedHubSpec(spec: AlphaSpec): Json {
  return {
    instanceClass: spec.size,
    storage: {
      sizeGiB: Number(spec.storage),
      ...(spec.storageType ? { type: spec.storageType } : {}),
      ...(spec.iops ? { iops: spec.iops } : {}),
    },
  };
}

async function serveConversionWebhook(
  dir: string,
): Promise<{ app: FastifyInstance; url: string; caBundle: string; registry: Registry }> {
  const certs = await makeDevCerts(dir);
  const registry = new Registry();
  const app = Fastify({ https: { key: certs.keyPem, cert: certs.certPem } }) as unknown as FastifyInstance;
  await app.register(conversionPlugin, { registry });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `https://127.0.0.1:${port}`,
    caBundle: Buffer.from(certs.caPem).toString('base64'),
    registry,
  };
}

/** The etcd client URL, read from the command line of the control plane's etcd process. */
async function etcdUrl(controlPlane: ControlPlane): Promise<string> {
  const etcd = controlPlane.processes.find((process) => process.name === 'etcd');
  const args = (await readFile(`/proc/${etcd?.pid}/cmdline`, 'utf8')).split('\0');
  const flag = args.find((arg) => arg.startsWith('--listen-client-urls='));
  if (!flag) throw new Error('no --listen-client-urls on etcd');
  return flag.slice('--listen-client-urls='.length).split(',')[0]!;
}

/** The apiVersion each PostgresDB is stored in, straight from etcd (its v3 JSON gateway). */
async function storedApiVersions(etcd: string): Promise<Record<string, string>> {
  const prefix = '/registry/stow.dev/postgresdbs/';
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const response = await fetch(`${etcd}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(prefix), range_end: b64(end) }),
  });
  const { kvs = [] } = (await response.json()) as { kvs?: Array<{ key: string; value: string }> };
  return Object.fromEntries(
    kvs.map(({ key, value }) => [
      Buffer.from(key, 'base64').toString().slice(prefix.length),
      JSON.parse(Buffer.from(value, 'base64').toString()).apiVersion as string,
    ]),
  );
}

t.test('upgrading a v1alpha1-only install to v1beta1 with the conversion webhook', async (t) => {
  const workDir = await mkdtemp(join(tmpdir(), 'stow-conversion-e2e-'));
  t.teardown(() => rm(workDir, { recursive: true, force: true }));
  const controlPlane = await startControlPlane({ controllerManager: false });
  t.teardown(() => controlPlane.stop());
  const webhook = await serveConversionWebhook(join(workDir, 'certs'));
  t.teardown(() => webhook.app.close());

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
  const objectsApi = kubeConfig.makeApiClient(CustomObjectsApi);
  const etcd = await etcdUrl(controlPlane);

  const kubectl = async (args: string[], input?: string) =>
    controlPlane.kubectl(args, input === undefined ? {} : { input });
  const mustKubectl = (args: string[], input?: string) => kubectlOrThrow(controlPlane, args, input);
  const getJson = async (resource: string, namespace: string, name: string): Promise<ReadObject> =>
    JSON.parse(await mustKubectl(['get', resource, name, '-n', namespace, '-o', 'json']));
  const applyCrd = async (crd: object) => {
    await mustKubectl(['apply', '-f', '-'], JSON.stringify(crd));
    await mustKubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${CRD_NAME}`]);
  };
  /** resourceVersion and generation of every object, by namespace/name. */
  const writeMarks = async (): Promise<Record<string, string>> => {
    const list: { items: ReadObject[] } = JSON.parse(
      await mustKubectl(['get', 'postgresdbs.v1beta1.stow.dev', '-A', '-o', 'json']),
    );
    return Object.fromEntries(
      list.items.map(({ metadata }) => [
        `${metadata.namespace}/${metadata.name}`,
        `rv=${metadata.resourceVersion} generation=${metadata.generation}`,
      ]),
    );
  };

  await t.test('(a) a CRD serving only v1alpha1, with objects in it', async (t) => {
    await applyCrd(buildCrd({ versions: ['v1alpha1'] }));
    await mustKubectl(['create', 'namespace', 'shop']);
    await mustKubectl(['create', 'namespace', 'bulk']);
    const list = { apiVersion: 'v1', kind: 'List', items: OLD_OBJECTS.map(alphaManifest) };
    await mustKubectl(['create', '-f', '-'], JSON.stringify(list));
    for (const object of OLD_OBJECTS.filter((candidate) => candidate.status)) {
      await objectsApi.patchNamespacedCustomObjectStatus({
        group: 'stow.dev',
        version: 'v1alpha1',
        plural: 'postgresdbs',
        namespace: object.namespace,
        name: object.name,
        body: [{ op: 'add', path: '/status', value: object.status }],
      });
    }
    const stored = await storedApiVersions(etcd);
    t.equal(Object.keys(stored).length, OLD_OBJECTS.length);
    t.ok(
      Object.values(stored).every((apiVersion) => apiVersion === 'stow.dev/v1alpha1'),
      'all stored as v1alpha1',
    );
  });

  await t.test('(a′) the upgrade check finds objects the webhook could not convert', async (t) => {
    await mustKubectl(
      ['create', '-f', '-'],
      JSON.stringify(
        alphaManifest({ namespace: 'shop', name: 'typo', spec: { size: 'db.t3.small', storage: '10Gi' } }),
      ),
    );
    const before = await findUnconvertibleObjects({ kubeConfig });
    t.equal(before.checked, OLD_OBJECTS.length + 1);
    t.same(before.unconvertible, [
      {
        object: 'shop/typo',
        reason: 'spec.storage: must be a whole number of GiB without a unit, e.g. "10" (got "10Gi")',
      },
    ]);
    await mustKubectl([
      'patch',
      'postgresdb',
      'typo',
      '-n',
      'shop',
      '--type',
      'merge',
      '-p',
      '{"spec":{"storage":"10"}}',
    ]);
    t.same((await findUnconvertibleObjects({ kubeConfig })).unconvertible, [], 'clean after the fix');
    await mustKubectl(['delete', 'postgresdb', 'typo', '-n', 'shop']);
  });

  await t.test('(b) the CRD upgraded to both versions with the conversion webhook', async (t) => {
    await applyCrd(buildCrd({ webhookUrl: webhook.url, caBundle: webhook.caBundle }));
    const crd: ReadCrd = JSON.parse(await mustKubectl(['get', 'crd', CRD_NAME, '-o', 'json']));
    t.same(
      crd.spec.versions.map((version) => [version.name, version.served, version.storage]),
      [
        ['v1alpha1', true, false],
        ['v1beta1', true, true],
      ],
    );
    t.equal(crd.spec.conversion.strategy, 'Webhook');
    t.same(crd.status.storedVersions, ['v1alpha1', 'v1beta1']);
  });

  await t.test('(c) every object reads correctly as v1beta1 and as v1alpha1', async (t) => {
    for (const object of OLD_OBJECTS) {
      const hub = await getJson('postgresdbs.v1beta1.stow.dev', object.namespace, object.name);
      t.equal(hub.apiVersion, 'stow.dev/v1beta1');
      t.same(hub.spec, expectedHubSpec(object.spec), `${object.name} as v1beta1`);
      const remembered =
        typeof object.spec.storage === 'string' ? { v1alpha1: { storage: object.spec.storage } } : undefined;
      const annotation = hub.metadata.annotations?.[ANNOTATION_CONVERSION_DATA];
      t.same(
        annotation && JSON.parse(annotation),
        remembered,
        'v1beta1 remembers only a string spelling of storage',
      );
      if (object.status) t.same(hub.status, { rdsStatus: object.status.ready, arn: object.status.arn });

      const spoke = await getJson('postgresdbs.v1alpha1.stow.dev', object.namespace, object.name);
      t.equal(spoke.apiVersion, 'stow.dev/v1alpha1');
      t.strictSame(spoke.spec, object.spec, `${object.name} as v1alpha1, storage spelled as written`);
      t.notOk(spoke.metadata.annotations, 'no annotation leaks into v1alpha1');
      if (object.status) t.same(spoke.status, object.status);
    }
    const list = JSON.parse(await mustKubectl(['get', 'postgresdbs.v1beta1.stow.dev', '-A', '-o', 'json']));
    t.equal(list.items.length, OLD_OBJECTS.length, 'a list converts every object too');
    const table = await mustKubectl(['get', 'postgresdbs.v1beta1.stow.dev', '-n', 'shop']);
    t.match(table, /orders\s+db\.t3\.small\s+10/, 'printer columns of v1beta1');
  });

  await t.test('a failed conversion is reported to the user with the object and the field', async (t) => {
    const result = await kubectl(
      ['create', '-f', '-'],
      JSON.stringify(
        alphaManifest({
          namespace: 'shop',
          name: 'bad-storage',
          spec: { size: 'db.t3.small', storage: '10Gi' },
        }),
      ),
    );
    t.not(result.code, 0, 'kubectl create fails');
    t.match(
      result.stderr,
      'shop/bad-storage: spec.storage: must be a whole number of GiB without a unit, e.g. "10" (got "10Gi")',
    );
    t.comment(`what kubectl prints: ${result.stderr.trim()}`);
  });

  await t.test(
    '(d) created as v1beta1, edited through v1alpha1: the edit lands and nothing else is lost',
    async (t) => {
      await mustKubectl(['create', '-f', '-'], JSON.stringify(FULL_V1BETA1));
      await objectsApi.patchNamespacedCustomObjectStatus({
        group: 'stow.dev',
        version: 'v1beta1',
        plural: 'postgresdbs',
        namespace: 'shop',
        name: 'full',
        body: [{ op: 'add', path: '/status', value: FULL_STATUS }],
      });

      const spoke = await getJson('postgresdbs.v1alpha1.stow.dev', 'shop', 'full');
      t.same(spoke.spec, { size: 'db.m6g.large', storage: 500, storageType: 'gp3', iops: 12000 });
      t.same(spoke.status, { arn: FULL_STATUS.arn, ready: 'available' });
      t.ok(
        JSON.parse(spoke.metadata.annotations?.[ANNOTATION_CONVERSION_DATA] ?? '{}').v1beta1,
        'v1beta1-only fields kept in the annotation',
      );

      await mustKubectl([
        'patch',
        'postgresdbs.v1alpha1.stow.dev',
        'full',
        '-n',
        'shop',
        '--type',
        'merge',
        '-p',
        '{"spec":{"size":"db.r6g.xlarge"}}',
      ]);
      const patched = await getJson('postgresdbs.v1beta1.stow.dev', 'shop', 'full');
      t.same(
        patched.spec,
        { ...FULL_V1BETA1.spec, instanceClass: 'db.r6g.xlarge' },
        'kubectl patch through v1alpha1',
      );
      t.same(patched.status, FULL_STATUS, 'status intact');
      t.same(patched.metadata.labels, FULL_V1BETA1.metadata.labels);
      t.same(
        patched.metadata.annotations,
        FULL_V1BETA1.metadata.annotations,
        'no conversion annotation in v1beta1',
      );

      const readAgain = await getJson('postgresdbs.v1alpha1.stow.dev', 'shop', 'full');
      readAgain.spec.size = 'db.r6g.2xlarge';
      await mustKubectl(['replace', '-f', '-'], JSON.stringify(readAgain));
      const replaced = await getJson('postgresdbs.v1beta1.stow.dev', 'shop', 'full');
      t.same(
        replaced.spec,
        { ...FULL_V1BETA1.spec, instanceClass: 'db.r6g.2xlarge' },
        'kubectl replace of a v1alpha1 read',
      );
      t.same(replaced.metadata.annotations, FULL_V1BETA1.metadata.annotations);
    },
  );

  await t.test('(e) migrateStorage rewrites every object in v1beta1 and trims storedVersions', async (t) => {
    const storedBefore = await storedApiVersions(etcd);
    t.ok(Object.values(storedBefore).includes('stow.dev/v1alpha1'), 'some objects still stored as v1alpha1');
    const versionsBefore = await writeMarks();

    const dryLines: string[] = [];
    const dry = await migrateStorage({ kubeConfig, dryRun: true, pageSize: 5, log: lines(dryLines) });
    t.match(dry, {
      ok: true,
      dryRun: true,
      total: OLD_OBJECTS.length + 1,
      failed: [],
      storedVersionsAfter: ['v1alpha1', 'v1beta1'],
    });
    t.same(await writeMarks(), versionsBefore, 'a dry run writes nothing');
    t.same(await storedApiVersions(etcd), storedBefore);
    t.match(
      dryLines.join('\n'),
      /would set status\.storedVersions from \["v1alpha1","v1beta1"\] to \["v1beta1"\]/,
    );

    const progress: string[] = [];
    const result = await migrateStorage({ kubeConfig, pageSize: 5, log: lines(progress) });
    t.match(result, {
      ok: true,
      total: OLD_OBJECTS.length + 1,
      rewritten: OLD_OBJECTS.length + 1,
      gone: 0,
      failed: [],
    });
    t.same(result.storedVersionsAfter, ['v1beta1']);
    const crd: ReadCrd = JSON.parse(await mustKubectl(['get', 'crd', CRD_NAME, '-o', 'json']));
    t.same(crd.status.storedVersions, ['v1beta1'], 'status.storedVersions == ["v1beta1"]');
    const storedAfter = await storedApiVersions(etcd);
    t.ok(
      Object.values(storedAfter).every((apiVersion) => apiVersion === 'stow.dev/v1beta1'),
      'etcd holds only v1beta1',
    );
    t.match(progress.join('\n'), new RegExp(`migrated ${OLD_OBJECTS.length + 1}/${OLD_OBJECTS.length + 1}`));

    const versionsAfter = await writeMarks();
    t.equal(
      versionsAfter['shop/full'],
      versionsBefore['shop/full'],
      'an object already in v1beta1 is not written again',
    );
    t.not(
      versionsAfter['shop/orders'],
      versionsBefore['shop/orders'],
      'a v1alpha1-stored object was rewritten',
    );
    const orders = OLD_OBJECTS[0]!;
    t.strictSame(
      (await getJson('postgresdbs.v1alpha1.stow.dev', 'shop', 'orders')).spec,
      orders.spec,
      'still reads as written',
    );

    const again = await migrateStorage({ kubeConfig, pageSize: 5 });
    t.match(again, { ok: true, failed: [], storedVersionsAfter: ['v1beta1'] });
    t.same(await writeMarks(), versionsAfter, 'running it again writes nothing');
  });

  await t.test(
    '(g) rolling back: v1alpha1 as storage version, migrate, then the v1alpha1-only CRD',
    async (t) => {
      // docs/upgrading.md, "Rolling back": the same commands.
      const makeAlphaTheStorageVersion = [
        { op: 'test', path: '/spec/versions/0/name', value: 'v1alpha1' },
        { op: 'replace', path: '/spec/versions/0/storage', value: true },
        { op: 'replace', path: '/spec/versions/1/storage', value: false },
      ];
      await mustKubectl([
        'patch',
        'crd',
        CRD_NAME,
        '--type=json',
        '-p',
        JSON.stringify(makeAlphaTheStorageVersion),
      ]);
      const refused = await kubectl(
        ['apply', '-f', '-'],
        JSON.stringify(buildCrd({ versions: ['v1alpha1'] })),
      );
      t.not(refused.code, 0, 'the v1alpha1-only CRD is refused while objects may be stored as v1beta1');
      t.match(refused.stderr, /storedVersions/);
      t.comment(`applying the old CRD too early: ${refused.stderr.trim()}`);

      const progress: string[] = [];
      const result = await migrateStorage({
        kubeConfig,
        pageSize: 5,
        settleSeconds: 2,
        log: lines(progress),
      });
      t.match(result, {
        ok: true,
        storageVersion: 'v1alpha1',
        failed: [],
        storedVersionsAfter: ['v1alpha1'],
      });
      const stored = await storedApiVersions(etcd);
      t.ok(
        Object.values(stored).every((apiVersion) => apiVersion === 'stow.dev/v1alpha1'),
        'etcd holds only v1alpha1',
      );

      await applyCrd(buildCrd({ versions: ['v1alpha1'] }));
      const crd: ReadCrd = JSON.parse(await mustKubectl(['get', 'crd', CRD_NAME, '-o', 'json']));
      t.equal(crd.spec.conversion.strategy, 'None', 'no webhook needed any more');
      const orders = OLD_OBJECTS[0]!;
      t.strictSame((await getJson('postgresdbs.v1alpha1.stow.dev', 'shop', 'orders')).spec, orders.spec);
      const full = await getJson('postgresdbs.v1alpha1.stow.dev', 'shop', 'full');
      t.same(full.spec, { size: 'db.r6g.2xlarge', storage: 500, storageType: 'gp3', iops: 12000 });
      t.ok(
        full.metadata.annotations?.[ANNOTATION_CONVERSION_DATA],
        'v1beta1-only fields wait in the annotation',
      );

      await applyCrd(buildCrd({ webhookUrl: webhook.url, caBundle: webhook.caBundle }));
      const upgradedAgain = await getJson('postgresdbs.v1beta1.stow.dev', 'shop', 'full');
      t.same(
        upgradedAgain.spec,
        { ...FULL_V1BETA1.spec, instanceClass: 'db.r6g.2xlarge' },
        'upgrading again restores them',
      );
      t.same(upgradedAgain.status, FULL_STATUS);
    },
  );

  t.comment(
    `conversion metrics:\n${(await webhook.registry.metrics())
      .split('\n')
      .filter((line) => line.startsWith('stow_conversions_total'))
      .join('\n')}`,
  );
});

function lines(into: string[]) {
  return { info: (line: string) => into.push(line), warn: (line: string) => into.push(`WARN ${line}`) };
}
