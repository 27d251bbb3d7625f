import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import t from 'tap';
import { kubectlOrThrow } from '../support/kubectl.js';
import { CRD_NAME } from '../../src/api/constants.js';
import { buildCrd } from '../../src/api/crd.js';
import { loadConfig } from '../../src/config/load.js';
import { conversionPlugin } from '../../src/conversion/plugin.js';
import { makeDevCerts } from '../../src/dev/control-plane/certs.js';
import { startControlPlane } from '../../src/dev/control-plane/control-plane.js';
import { migrateStorage } from '../../src/migrate/migrate-storage.js';
import { silentLogger } from '../../src/util/logger.js';
import { buildWebhookConfigurations } from '../../src/admission/registration.js';
import { buildWebhookServer } from '../../src/server/server.js';
import { admissionRoutes } from '../../src/admission/plugin.js';
import { postgresDBAdmission } from '../../src/admission/postgresdb.js';

// Issue 3 acceptance (f): with the admission webhooks (registered for v1beta1, matchPolicy Equivalent)
// and the conversion webhook on the same server, a v1alpha1 manifest is validated through conversion.

interface ReadObject {
  metadata: { generation: number; resourceVersion: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

const alpha = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'stow.dev/v1alpha1',
  kind: 'PostgresDB',
  metadata: { name, namespace: 'default' },
  spec,
});

t.test('admission of v1alpha1 requests through conversion', async (t) => {
  const started = Date.now();
  t.teardown(() => t.comment(`took ${Date.now() - started} ms`));
  const workDir = await mkdtemp(join(tmpdir(), 'stow-conversion-admission-'));
  t.teardown(() => rm(workDir, { recursive: true, force: true }));
  const controlPlane = await startControlPlane({ controllerManager: false });
  t.teardown(() => controlPlane.stop());

  const certs = await makeDevCerts(join(workDir, 'certs'));
  const registry = new Registry();
  const server = buildWebhookServer({
    logger: silentLogger(),
    registry,
    routes: [admissionRoutes([postgresDBAdmission(loadConfig())], silentLogger())],
    tls: { key: certs.keyPem, cert: certs.certPem },
    plugins: [async (app) => conversionPlugin(app, { registry })],
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => server.close());
  const url = `https://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  const caBundle = Buffer.from(certs.caPem).toString('base64');

  const kubectl = (args: string[], input?: string) =>
    controlPlane.kubectl(args, input === undefined ? {} : { input });
  const mustKubectl = (args: string[], input?: string) => kubectlOrThrow(controlPlane, args, input);
  const applyCrd = async (crd: object) => {
    await mustKubectl(['apply', '-f', '-'], JSON.stringify(crd));
    await mustKubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${CRD_NAME}`]);
  };
  const read = async (name: string): Promise<ReadObject> =>
    JSON.parse(await mustKubectl(['get', 'postgresdbs.v1beta1.stow.dev', name, '-o', 'json']));

  // The seed operator's shape, written before Stow (no webhooks, so no defaults filled in).
  await applyCrd(buildCrd({ versions: ['v1alpha1'] }));
  await mustKubectl(
    ['create', '-f', '-'],
    JSON.stringify(alpha('seed', { size: 'db.t3.small', storage: '20', storageType: 'gp2' })),
  );
  await applyCrd(buildCrd({ webhookUrl: url, caBundle }));
  await mustKubectl(
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: buildWebhookConfigurations({ url, caBundle }) }),
  );

  await t.test('(f) an invalid v1alpha1 manifest is denied in v1alpha1 terms', async (t) => {
    const result = await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify(alpha('invalid', { size: 't3.small', storage: '50', storageType: 'io1' })),
    );
    t.not(result.code, 0, 'kubectl apply fails');
    t.match(result.stderr, /denied the request/);
    for (const message of [
      'spec.size: must be an RDS instance class of the form db.<family>.<size>',
      'spec.storage: must be at least 100 for storage type io1 (got 50)',
      'spec.iops: is required for storage type io1',
    ]) {
      t.ok(result.stderr.includes(message), message, { stderr: result.stderr });
    }
    t.notMatch(
      result.stderr,
      /spec\.instanceClass|spec\.storage\.sizeGiB|spec\.storage\.type|spec\.storage\.iops/,
      'no v1beta1 paths',
    );
  });

  await t.test('a valid v1alpha1 manifest is admitted, with the deprecation warning', async (t) => {
    const result = await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify(alpha('valid', { size: 'db.t3.small', storage: '20', storageType: 'gp2' })),
    );
    t.equal(result.code, 0, 'kubectl apply succeeds', { stderr: result.stderr });
    t.match(result.stderr, /v1alpha1 is deprecated/);
    const spoke = JSON.parse(
      await mustKubectl(['get', 'postgresdbs.v1alpha1.stow.dev', 'valid', '-o', 'json']),
    );
    t.same(spoke.spec, { size: 'db.t3.small', storage: '20', storageType: 'gp2' }, 'reads back as written');
    const kept = JSON.parse(spoke.metadata.annotations?.['stow.dev/conversion-data'] ?? '{}');
    t.match(
      kept,
      { v1beta1: { spec: { engineVersion: '16', masterUsername: 'stow_admin' } } },
      'defaults kept for v1beta1',
    );
  });

  await t.test('migrateStorage through the admission webhooks does not change the spec', async (t) => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
    const before = await read('seed');
    const result = await migrateStorage({ kubeConfig });
    t.match(result, { ok: true, failed: [], storedVersionsAfter: ['v1beta1'] });
    const after = await read('seed');
    t.same(after.spec, before.spec, 'spec unchanged by the storage rewrite');
    t.equal(after.metadata.generation, before.metadata.generation, 'generation unchanged');
  });
});
