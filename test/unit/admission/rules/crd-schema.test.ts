// The CRD's bounds (src/api/crd-bounds.ts) never refuse what the admission rules accept, whatever the
// configuration: so the mutating webhook, which denies what the CRD would refuse, always has the rules'
// own reasons to give, and a cluster with the webhooks bypassed refuses nothing Stow would take.
import fc from 'fast-check';
import t from 'tap';
import { ANNOTATION_IDENTIFIER } from '../../../../src/api/constants.js';
import { RDS_STORAGE_LIMITS } from '../../../../src/api/crd-bounds.js';
import type { OperatorConfig } from '../../../../src/config/schema.js';
import { fitsCrdSchema } from '../../../../src/admission/rules/crd-schema.js';
import { applyDefaults } from '../../../../src/admission/rules/defaults.js';
import { validateCreate } from '../../../../src/admission/rules/index.js';
import { CONFIG, configWith, db } from '../../../support/postgresdb.js';
import { objectCandidate } from '../../../support/spec-candidates.js';

const CONFIGS: Array<[string, OperatorConfig]> = [
  ['shipped configuration', CONFIG],
  [
    'other defaults and 20 extra tags',
    configWith({
      defaults: { storageType: 'io1', masterUsername: 'admin_user', engineVersion: '15.4' },
      kmsKeyId: 'alias/stow',
      extraTags: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`extra${i}`, 'x'])),
    }),
  ],
];

for (const [title, config] of CONFIGS) {
  t.test(`what admission accepts, the CRD accepts (${title})`, async (t) => {
    let admitted = 0;
    let refusedByCrd = 0;
    fc.assert(
      fc.property(objectCandidate('shop'), (object) => {
        const defaulted = applyDefaults(object, config);
        const fits = fitsCrdSchema(defaulted.spec);
        if (!fits) refusedByCrd++;
        if (validateCreate(object, config).errors.length > 0) return true;
        admitted++;
        return fits;
      }),
      { numRuns: 3000 },
    );
    t.ok(admitted > 150, `not vacuous: ${admitted} of 3000 admitted`);
    t.ok(refusedByCrd > 300, `not vacuous: ${refusedByCrd} of 3000 outside the CRD's bounds`);
  });
}

t.test('each bound is also a rule: one field past it, and admission names that field', async (t) => {
  const cases: Array<[string, Parameters<typeof db>[0]]> = [
    ['spec.instanceClass', { instanceClass: 'db.T3.small' }],
    ['spec.engineVersion', { engineVersion: '16.4.1' }],
    ['spec.storage.sizeGiB', { storage: { type: 'standard', sizeGiB: 4 } }],
    ['spec.storage.sizeGiB', { storage: { sizeGiB: 65537 } }],
    ['spec.storage.iops', { storage: { type: 'io1', sizeGiB: 200, iops: 999 } }],
    ['spec.storage.iops', { storage: { type: 'io2', sizeGiB: 400, iops: 256001 } }],
    ['spec.storage.throughputMiBps', { storage: { sizeGiB: 400, iops: 12000, throughputMiBps: 4001 } }],
    ['spec.storage.maxSizeGiB', { storage: { sizeGiB: 20, maxSizeGiB: 65537 } }],
    ['spec.databaseName', { databaseName: 'a'.repeat(64) }],
    ['spec.databaseName', { databaseName: 'orders-db' }],
    ['spec.masterUsername', { masterUsername: 'a'.repeat(17) }],
    ['spec.backup.retentionDays', { backup: { retentionDays: 36 } }],
    ['spec.passwordRotation.everyDays', { passwordRotation: { everyDays: 0 } }],
    ['spec.passwordRotation.everyDays', { passwordRotation: { everyDays: 3651 } }],
    ['spec.backup.window', { backup: { window: '24:00-01:00' } }],
    ['spec.encryption.kmsKeyId', { encryption: { kmsKeyId: 'my-key' } }],
    ['spec.subnetGroupName', { subnetGroupName: 'a'.repeat(256) }],
    ['spec.parameterGroupName', { parameterGroupName: 'pg--16' }],
    ['spec.tags[team]', { tags: { team: 'a'.repeat(257) } }],
    ['spec.maintenanceWindow', { maintenanceWindow: 'sun:05:00-xyz:06:00' }],
    ['spec.securityGroupIds[0]', { securityGroupIds: ['sg-12'] }],
    ['spec.tags', { tags: Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`k${i}`, 'v'])) }],
    ['spec.secretName', { secretName: 'Orders' }],
    ['spec.serviceName', { serviceName: 'a'.repeat(64) }],
  ];
  for (const [path, patch] of cases) {
    const object = db(patch);
    t.notOk(fitsCrdSchema(applyDefaults(object, CONFIG).spec), `${path}: outside the CRD's bounds`);
    const paths = validateCreate(object, CONFIG).errors.map((error) => error.path);
    t.ok(paths.includes(path), `${path}: admission names it (${paths.join(', ')})`);
  }
  t.ok(fitsCrdSchema(applyDefaults(db(), CONFIG).spec), 'the valid minimal object fits');
  const empty = db({
    subnetGroupName: '',
    parameterGroupName: '',
    encryption: { kmsKeyId: '' },
    tags: { a: '' },
  });
  t.ok(fitsCrdSchema(applyDefaults(empty, CONFIG).spec), 'empty strings where they mean "the default"');
});

// Admission leaves the storage of an adopted instance to its own type when the spec names none, so
// here the CRD alone has a say: RDS has no PostgreSQL volume outside these sizes (ADR 0019).
t.test('an adoption naming no storage type: the CRD alone refuses impossible sizes', async (t) => {
  const adopting = db({}, { name: 'legacy', annotations: { [ANNOTATION_IDENTIFIER]: 'legacy-db' } });
  const tiny = { ...adopting, spec: { ...adopting.spec, storage: { sizeGiB: 1 } } };
  t.same(validateCreate(tiny, CONFIG).errors, [], 'admission has no rule for it');
  t.notOk(fitsCrdSchema(applyDefaults(tiny, CONFIG).spec), 'the CRD refuses it');
});

// The storage bounds are RDS's own limits; the storage rules may narrow them, never widen them, or
// the CRD would refuse what admission accepts.
t.test('the shipped storage rules lie within the CRD storage bounds', async (t) => {
  const rules = CONFIG.storageRules;
  const { sizeGiB, iops, throughputMiBps } = RDS_STORAGE_LIMITS;
  for (const type of ['gp2', 'gp3', 'io1', 'io2', 'standard'] as const) {
    const rule = rules[type];
    t.ok(rule.sizeGiB.min >= sizeGiB.minimum && rule.sizeGiB.max <= sizeGiB.maximum, `${type} sizes`);
    if (rule.iops.allowed)
      t.ok(
        (rule.iops.min ?? 0) >= iops.minimum && (rule.iops.max ?? Infinity) <= iops.maximum,
        `${type} IOPS`,
      );
    if (rule.throughput.allowed)
      t.ok(
        (rule.throughput.min ?? 0) >= throughputMiBps.minimum &&
          (rule.throughput.max ?? Infinity) <= throughputMiBps.maximum,
        `${type} throughput`,
      );
  }
  t.ok(rules.autoscaling.maxSizeGiB <= sizeGiB.maximum, 'autoscaling ceiling');
});
