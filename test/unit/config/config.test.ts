// The operator configuration: shipped defaults, every mistake reported at once with its path,
// YAML and file errors, and the storage rule table as data (file or inline).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parse as parseYaml } from 'yaml';
import {
  ConfigError,
  DEFAULT_CONFIG_FILE,
  loadConfig,
  PACKAGE_CONFIG_DIR,
} from '../../../src/config/load.js';
import { validateCreate } from '../../../src/admission/rules/index.js';
import { makeDevCerts } from '../../../src/dev/control-plane/certs.js';
import { db } from '../../support/postgresdb.js';

const shippedRules = parseYaml(readFileSync(join(PACKAGE_CONFIG_DIR, 'storage-rules.yaml'), 'utf8'));

/** Runs `fn` with AWS_REGION unset (the region from the environment wins over the file). */
function withoutRegionEnv<T>(fn: () => T): T {
  const saved = process.env.AWS_REGION;
  delete process.env.AWS_REGION;
  try {
    return fn();
  } finally {
    if (saved !== undefined) process.env.AWS_REGION = saved;
  }
}

/** The ConfigError message of loading `file`. */
function failure(t: Test, file: string): string {
  try {
    loadConfig(file);
  } catch (error) {
    t.type(error, ConfigError);
    return (error as Error).message;
  }
  t.fail(`${file} loaded`);
  return '';
}

t.test('the shipped configuration loads with the api.md defaults', async (t) => {
  const config = withoutRegionEnv(() => loadConfig());
  t.same(config, {
    region: 'us-east-1',
    clusterName: 'local',
    identifierPrefix: 'stow',
    subnetGroupName: '',
    securityGroupIds: [],
    parameterGroupName: '',
    kmsKeyId: '',
    defaults: {
      engineVersion: '16',
      storageType: 'gp3',
      backupRetentionDays: 7,
      deletionPolicy: 'Snapshot',
      masterUsername: 'stow_admin',
    },
    extraTags: {},
    resyncPeriodSeconds: 300,
    reconcileConcurrency: 4,
    requirePolicy: false,
    watchNamespaces: [],
    orphans: { action: 'report', graceSeconds: 86_400 },
    accessCheck: { enabled: true, timeoutSeconds: 5, caBundle: '' },
    awsCallBudget: { ratePerSecond: 20, burst: 40 },
    storageRules: shippedRules,
  });
  t.equal(DEFAULT_CONFIG_FILE, join(PACKAGE_CONFIG_DIR, 'operator.yaml'));
});

t.test('the storage table in config/ is the one of api.md', async (t) => {
  const rules = loadConfig().storageRules;
  t.match(rules.gp2, {
    sizeGiB: { min: 20, max: 65536 },
    iops: { allowed: false },
    throughput: { allowed: false },
  });
  t.match(rules.gp3, {
    sizeGiB: { min: 20, max: 65536 },
    provisionedFromGiB: 400,
    iops: { allowed: true, min: 12000, max: 64000 },
    throughput: { allowed: true, min: 500, max: 4000, maxPerIops: 0.25 },
  });
  t.match(rules.io1, {
    sizeGiB: { min: 100, max: 65536 },
    iops: { allowed: true, required: true, min: 1000, max: 256000, minPerGiB: 0.5, maxPerGiB: 50 },
    throughput: { allowed: false },
  });
  t.match(rules.io2, {
    sizeGiB: { min: 100, max: 65536 },
    iops: { allowed: true, required: true, min: 1000, max: 256000, minPerGiB: 0.5, maxPerGiB: 1000 },
    throughput: { allowed: false },
  });
  t.match(rules.standard, {
    sizeGiB: { min: 5, max: 3072 },
    iops: { allowed: false },
    throughput: { allowed: false },
  });
  t.ok(rules.standard.warning, 'standard carries a warning');
  t.same(rules.autoscaling, { minHeadroomPercent: 10, maxSizeGiB: 65536 });
  t.same(rules.growth, { minPercent: 10 });
});

t.test('every key is optional; AWS_REGION overrides the file', async (t) => {
  const dir = t.testdir({ 'empty.yaml': '', 'region.yaml': 'region: eu-west-1\n' });
  const empty = withoutRegionEnv(() => loadConfig(join(dir, 'empty.yaml')));
  t.same(
    empty,
    withoutRegionEnv(() => loadConfig()),
    'an empty file is the shipped defaults',
  );
  t.equal(withoutRegionEnv(() => loadConfig(join(dir, 'region.yaml'))).region, 'eu-west-1');
  const saved = process.env.AWS_REGION;
  process.env.AWS_REGION = 'ap-south-1';
  try {
    t.equal(loadConfig(join(dir, 'region.yaml')).region, 'ap-south-1');
  } finally {
    if (saved === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = saved;
  }
});

t.test('a configuration with several mistakes reports all of them, with paths', async (t) => {
  const dir = t.testdir({
    'operator.yaml': [
      'region: ""',
      'clusterName: Bad_Name',
      'identifierPrefix: 1stow',
      'securityGroupIds: [sg-12345678, sg-xyz]',
      'defaults:',
      '  storageType: gp4',
      '  backupRetentionDays: 40',
      '  masterUsername: "1admin"',
      '  colour: blue',
      'reconcileConcurrency: 0',
      'resyncPeriodSeconds: -5',
      'extraTags: { team: 7 }',
      'orphans: { action: delete, graceSeconds: -1 }',
      'unknownKey: 1',
      '',
    ].join('\n'),
  });
  const file = join(dir, 'operator.yaml');
  const message = failure(t, file);
  t.match(message, `invalid configuration in ${file}:`);
  const lines = message.split('\n').slice(1);
  t.same(
    lines.map((line) => line.trim().split(':')[0]).sort(),
    [
      'clusterName',
      'defaults.backupRetentionDays',
      'defaults.colour',
      'defaults.masterUsername',
      'defaults.storageType',
      'extraTags.team',
      'identifierPrefix',
      'orphans.action',
      'orphans.graceSeconds',
      'reconcileConcurrency',
      'region',
      'resyncPeriodSeconds',
      'securityGroupIds.1',
      'unknownKey',
    ],
    'one line per mistake',
  );
  t.match(message, '  defaults.storageType: must be one of gp2, gp3, io1, io2, standard (got "gp4")');
  t.match(message, '  defaults.backupRetentionDays: Expected integer to be less or equal to 35 (got 40)');
  t.match(message, '  securityGroupIds.1: ');
  t.match(message, '(got "sg-xyz")');
  t.match(message, '  unknownKey: Unexpected property (got 1)');
  t.match(message, '  orphans.action: must be one of report, snapshotAndDelete (got "delete")');
});

t.test('values that type-check but every PostgresDB would inherit and fail', async (t) => {
  const dir = t.testdir({
    'operator.yaml': 'defaults:\n  masterUsername: user\nkmsKeyId: my-key\n',
    'swapped.yaml': 'storageRulesFile: swapped-rules.yaml\n',
    'swapped-rules.yaml': readFileSync(join(PACKAGE_CONFIG_DIR, 'storage-rules.yaml'), 'utf8').replace(
      'sizeGiB: { min: 5, max: 3072 }',
      'sizeGiB: { min: 3072, max: 5 }',
    ),
  });
  const message = failure(t, join(dir, 'operator.yaml'));
  t.match(message, '  defaults.masterUsername: is a reserved word in PostgreSQL or RDS (got "user")');
  t.match(message, '  kmsKeyId: must be a KMS key ARN, key id, alias/NAME or alias ARN (got "my-key")');
  t.match(failure(t, join(dir, 'swapped.yaml')), '  standard: sizeGiB minimum 3072 is above maximum 5');
});

t.test('bad YAML', async (t) => {
  const dir = t.testdir({
    'operator.yaml': 'region: [unclosed\nclusterName: x\n',
    'list.yaml': '- a\n- b\n',
  });
  const message = failure(t, join(dir, 'operator.yaml'));
  t.match(message, `configuration file ${join(dir, 'operator.yaml')} is not valid YAML`);
  t.match(failure(t, join(dir, 'list.yaml')), '(root): Expected object (got ["a","b"])');
});

t.test('missing files', async (t) => {
  const dir = t.testdir({ 'operator.yaml': 'storageRulesFile: rules/missing.yaml\n' });
  t.match(failure(t, join(dir, 'nope.yaml')), `cannot read configuration file ${join(dir, 'nope.yaml')}`);
  t.match(
    failure(t, join(dir, 'operator.yaml')),
    `cannot read storage rules file ${join(dir, 'rules/missing.yaml')}`,
    'storageRulesFile is relative to the configuration file',
  );
});

t.test('storage rules: a file of its own, or inline', async (t) => {
  const custom = structuredClone(shippedRules);
  custom.gp3.sizeGiB.min = 50;
  const dir = t.testdir({
    'file.yaml': 'storageRulesFile: rules.yaml\n',
    'rules.yaml': JSON.stringify(custom),
    'inline.yaml': `storageRulesFile: does-not-exist.yaml\nstorageRules: ${JSON.stringify({ ...custom, gp3: { ...custom.gp3, sizeGiB: { min: 30, max: 65536 } } })}\n`,
    'partial.yaml':
      'storageRules:\n  gp3: { sizeGiB: { min: 30, max: 65536 }, iops: { allowed: true }, throughput: { allowed: maybe } }\n',
    'bad-rules.yaml': 'storageRulesFile: bad.yaml\n',
    'bad.yaml': 'gp2: { sizeGiB: { min: -1, max: 100 } }\n',
  });
  t.equal(
    loadConfig(join(dir, 'file.yaml')).storageRules.gp3.sizeGiB.min,
    50,
    'from a file next to the configuration',
  );
  const inline = loadConfig(join(dir, 'inline.yaml'));
  t.equal(inline.storageRules.gp3.sizeGiB.min, 30, 'inline rules win over the file');
  t.same(
    validateCreate(db({ storage: { sizeGiB: 29 } }), inline).errors.map((e) => e.message),
    ['must be at least 30 for storage type gp3'],
    'and the admission rules follow them',
  );
  t.same(validateCreate(db({ storage: { sizeGiB: 30 } }), inline).errors, []);

  const partial = failure(t, join(dir, 'partial.yaml'));
  t.match(partial, 'storageRules.gp2: is required', 'an inline table is complete');
  t.match(partial, 'storageRules.gp3.throughput.allowed: Expected boolean (got "maybe")');
  t.notMatch(partial, /storageRules\.gp2: Expected object/, 'a missing key is reported once');

  const bad = failure(t, join(dir, 'bad-rules.yaml'));
  t.match(bad, `invalid storage rules in ${join(dir, 'bad.yaml')}:`);
  t.match(bad, '  gp2.sizeGiB.min: Expected integer to be greater or equal to 0 (got -1)');
  t.match(bad, '  gp2.iops: is required');
  t.match(bad, '  io1: is required');
});

t.test('orphans: only reported unless snapshotAndDelete is configured explicitly', async (t) => {
  t.same(loadConfig().orphans, { action: 'report', graceSeconds: 86_400 }, 'the default reports only');
  const dir = t.testdir({
    'delete.yaml': 'orphans: { action: snapshotAndDelete, graceSeconds: 3600 }\n',
    'grace-only.yaml': 'orphans: { graceSeconds: 60 }\n',
  });
  t.same(loadConfig(join(dir, 'delete.yaml')).orphans, { action: 'snapshotAndDelete', graceSeconds: 3600 });
  t.same(
    loadConfig(join(dir, 'grace-only.yaml')).orphans,
    { action: 'report', graceSeconds: 60 },
    'a grace period alone deletes nothing',
  );
});

t.test(
  'accessCheck: on by default; a CA bundle must hold certificates; the timeout is bounded',
  async (t) => {
    const ca = (await makeDevCerts(t.testdir())).caPem;
    const dir = t.testdir({
      'off.yaml': 'accessCheck: { enabled: false }\n',
      'ca.yaml': `accessCheck:\n  caBundle: |\n${ca.replace(/^/gm, '    ')}`,
      'bad.yaml': 'accessCheck: { caBundle: "not a certificate", timeoutSeconds: 0, retries: 3 }\n',
      'garbled.yaml':
        'accessCheck:\n  caBundle: "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n"\n',
    });
    t.same(loadConfig(join(dir, 'off.yaml')).accessCheck, {
      enabled: false,
      timeoutSeconds: 5,
      caBundle: '',
    });
    t.equal(loadConfig(join(dir, 'ca.yaml')).accessCheck.caBundle.trim(), ca.trim());
    const message = failure(t, join(dir, 'bad.yaml'));
    t.match(message, '  accessCheck.timeoutSeconds: ');
    t.match(message, '  accessCheck.retries: Unexpected property (got 3)');
    t.match(
      failure(t, join(dir, 'garbled.yaml')),
      '  accessCheck.caBundle: certificate 1 of 1 does not parse',
    );
    const notPem = t.testdir({ 'operator.yaml': 'accessCheck: { caBundle: "not a certificate" }\n' });
    t.match(
      failure(t, join(notPem, 'operator.yaml')),
      '  accessCheck.caBundle: must hold PEM certificates (-----BEGIN CERTIFICATE-----)',
    );
  },
);
