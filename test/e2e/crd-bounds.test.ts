// The CRD's bounds on a real API server (ADR 0019): which message a user sees with the webhooks on
// (the webhook's, every violation listed, the rules beyond the bounds too) and with them off (the API
// server's, for the bounds alone), and, over a sample of specs, that the API server accepts exactly
// what the mutating webhook's check of the CRD schema accepts, and everything admission accepts.
import { KubeConfig } from '@kubernetes/client-node';
import fc from 'fast-check';
import t from 'tap';
import { buildWebhookConfigurations } from '../../src/admission/registration.js';
import { createKubeClient, isKubeError } from '../../src/kube/client.js';
import { type LocalEnvironment, startLocalEnvironment } from '../../src/dev/local/environment.js';
import { fitsCrdSchema } from '../../src/admission/rules/crd-schema.js';
import { applyDefaults } from '../../src/admission/rules/defaults.js';
import { validateCreate } from '../../src/admission/rules/index.js';
import { CONFIG } from '../support/postgresdb.js';
import { objectCandidate } from '../support/spec-candidates.js';

const NS = 'default';

function db(name: string, spec: Record<string, unknown>) {
  return { apiVersion: 'stow.dev/v1beta1', kind: 'PostgresDB', metadata: { name, namespace: NS }, spec };
}

interface Case {
  title: string;
  manifest: object;
  /** The webhook's denial names every one of these. */
  webhook: string[];
  /** The API server's refusal (webhooks off) names these, and nothing the bounds do not cover. */
  apiServer: string[];
  /** Rules beyond the bounds: only the webhook reports them. */
  webhookOnly: string[];
}

const CASES: Case[] = [
  {
    title: 'names: the bounds and a reserved word',
    manifest: db('names', {
      instanceClass: 't3.small',
      storage: { sizeGiB: 20 },
      databaseName: '1orders',
      masterUsername: 'user',
      serviceName: 'Bad_Name',
    }),
    webhook: [
      'PostgresDB "names" is invalid (4 problems)',
      'spec.instanceClass: must be an RDS instance class of the form db.<family>.<size>, e.g. db.t3.small (got "t3.small")',
      'spec.databaseName: must start with a letter and contain only letters, digits and underscores (got "1orders")',
      'spec.masterUsername: is a reserved word in PostgreSQL or RDS (got "user")',
      'spec.serviceName: must be a DNS label starting with a letter',
    ],
    apiServer: [
      'spec.instanceClass: Invalid value: "t3.small": spec.instanceClass in body should match',
      'spec.databaseName: Invalid value: "1orders": spec.databaseName in body should match',
      'spec.serviceName: Invalid value: "Bad_Name": spec.serviceName in body should match',
    ],
    webhookOnly: ['spec.masterUsername'],
  },
  {
    title: 'ranges: retention, size, tags; and the storage rules beyond them',
    manifest: db('ranges', {
      instanceClass: 'db.m6g.large',
      storage: { type: 'io1', sizeGiB: 70000 },
      backup: { retentionDays: 36 },
      tags: { team: 'x'.repeat(257) },
    }),
    webhook: [
      'PostgresDB "ranges" is invalid (4 problems)',
      'spec.storage.sizeGiB: must be at most 65536 for storage type io1 (got 70000)',
      'spec.storage.iops: is required for storage type io1',
      'spec.backup.retentionDays: must be between 0 and 35 (got 36)',
      'spec.tags[team]: value must be at most 256 letters',
    ],
    apiServer: [
      'spec.storage.sizeGiB: Invalid value: 70000: spec.storage.sizeGiB in body should be less than or equal to 65536',
      'spec.backup.retentionDays: Invalid value: 36: spec.backup.retentionDays in body should be less than or equal to 35',
      'spec.tags.team: Invalid value: "xxxxxxxxxx',
    ],
    webhookOnly: ['spec.storage.iops'],
  },
  {
    title: 'formats: windows, security groups, KMS key',
    manifest: db('formats', {
      instanceClass: 'db.t3.small',
      storage: { sizeGiB: 20 },
      backup: { window: '25:00-26:00' },
      maintenanceWindow: 'sun:05:00-sun:05:10',
      securityGroupIds: ['sg-1'],
      encryption: { kmsKeyId: 'my-key' },
    }),
    webhook: [
      'PostgresDB "formats" is invalid (4 problems)',
      'spec.backup.window: must be a UTC time range hh24:mi-hh24:mi',
      'spec.maintenanceWindow: must be at least 30 minutes long',
      'spec.securityGroupIds[0]: must be a VPC security group id',
      'spec.encryption.kmsKeyId: must be a KMS key ARN',
    ],
    apiServer: [
      'spec.backup.window: Invalid value: "25:00-26:00": spec.backup.window in body should match',
      'spec.securityGroupIds: Invalid value: "sg-1": spec.securityGroupIds in body should match',
      'spec.encryption.kmsKeyId: Invalid value: "my-key": spec.encryption.kmsKeyId in body should match',
    ],
    webhookOnly: ['spec.maintenanceWindow'],
  },
];

t.test('the CRD bounds on a real API server', async (t) => {
  const env: LocalEnvironment = await startLocalEnvironment({
    crdVersions: ['v1beta1'],
    operatorFlags: { controller: false },
    controllerManager: false,
  });
  t.teardown(() => env.stop());

  await t.test('webhooks on: the webhook denies, listing every violation', async (t) => {
    for (const { title, manifest, webhook } of CASES) {
      const result = await env.apply(manifest);
      t.not(result.code, 0, `${title}: refused`);
      t.ok(
        result.stderr.includes('admission webhook "mutate.postgresdbs.stow.dev" denied the request'),
        `${title}: by the webhook, before the API server's schema check\n${result.stderr}`,
      );
      for (const message of webhook) t.ok(result.stderr.includes(message), `${title}: ${message}`);
      t.notMatch(result.stderr, /in body should/, `${title}: none of the API server's own words`);
    }
  });

  await t.test('webhooks off: the API server refuses what the bounds cover, in its words', async (t) => {
    const configurations = buildWebhookConfigurations({ url: env.webhookUrl! });
    const removed = await env.kubectl([
      'delete',
      ...configurations.map(
        (c) => `${(c.kind as string).toLowerCase()}/${(c.metadata as { name: string }).name}`,
      ),
    ]);
    t.equal(removed.code, 0, `webhook configurations removed ${removed.stderr}`);
    for (const { title, manifest, apiServer, webhookOnly } of CASES) {
      const result = await env.apply(manifest);
      t.not(result.code, 0, `${title}: refused`);
      const name = (manifest as { metadata: { name: string } }).metadata.name;
      t.ok(result.stderr.includes(`The PostgresDB "${name}" is invalid`), `${title}\n${result.stderr}`);
      for (const message of apiServer) t.ok(result.stderr.includes(message), `${title}: ${message}`);
      for (const path of webhookOnly)
        t.notOk(result.stderr.includes(path), `${title}: ${path} is for the webhook alone`);
    }
  });

  await t.test('a sample of specs: the API server accepts exactly what fitsCrdSchema does', async (t) => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(env.controlPlane.kubeconfigPath);
    const client = await createKubeClient(kubeConfig);
    t.teardown(() => client.close());
    const accepts = async (object: object) => {
      try {
        await client.request('POST', `/apis/stow.dev/v1beta1/namespaces/${NS}/postgresdbs`, {
          query: { dryRun: 'All' },
          body: object,
        });
        return { accepted: true, message: '' };
      } catch (error) {
        if (isKubeError(error, 422)) return { accepted: false, message: error.serverMessage };
        throw error;
      }
    };
    // This kube-apiserver (1.20 built with a recent Go) reads every empty string as null and refuses
    // it, bounds or not, where a cluster's accepts it: specs holding one are left out.
    const sample = fc
      .sample(objectCandidate(NS), { numRuns: 500, seed: 20261121 })
      .filter((object) => !JSON.stringify(object.spec).includes('""'));
    const disagreements: string[] = [];
    const refusedAdmitted: string[] = [];
    let admitted = 0;
    let refused = 0;
    for (const object of sample) {
      // What the API server checks comes out of the mutating webhook: the defaulted object.
      const defaulted = applyDefaults(object, CONFIG);
      const { accepted, message } = await accepts(defaulted);
      if (!accepted) refused++;
      if (accepted !== fitsCrdSchema(defaulted.spec))
        disagreements.push(`${JSON.stringify(defaulted.spec)}: server ${accepted} ${message}`);
      if (validateCreate(object, CONFIG).errors.length === 0) {
        admitted++;
        if (!accepted) refusedAdmitted.push(`${JSON.stringify(object.spec)}: ${message}`);
      }
    }
    t.same(disagreements, [], 'the API server and fitsCrdSchema agree on every spec');
    t.same(refusedAdmitted, [], 'nothing admission accepts is refused by the API server');
    t.ok(
      admitted > 20 && refused > 100,
      `not vacuous: ${admitted} admitted, ${refused} refused of ${sample.length}`,
    );
  });
});
