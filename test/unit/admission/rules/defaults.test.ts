// Defaulting: fills only empty fields from the configuration, is idempotent, keeps unknown fields,
// does not mutate its input; derived database names are always valid.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import {
  applyDefaults,
  canApplyDefaults,
  deriveDatabaseName,
} from '../../../../src/admission/rules/defaults.js';
import type { PostgresDB } from '../../../../src/api/v1beta1.js';
import type { OperatorConfig } from '../../../../src/config/schema.js';
import { validateDatabaseName } from '../../../../src/admission/rules/names.js';
import { CONFIG, configWith } from '../../../support/postgresdb.js';

function raw(
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = { name: 'orders-db' },
): PostgresDB {
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata: { namespace: 'shop', ...metadata },
    spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 }, ...spec },
  } as PostgresDB;
}

t.test('defaults come from the configuration', async (t) => {
  t.same(applyDefaults(raw(), CONFIG).spec, {
    instanceClass: 'db.t3.small',
    storage: { sizeGiB: 20, type: 'gp3' },
    engineVersion: '16',
    multiAZ: false,
    databaseName: 'orders_db',
    masterUsername: 'stow_admin',
    backup: { retentionDays: 7 },
    deletionPolicy: 'Snapshot',
    deletionProtection: false,
    publiclyAccessible: false,
    secretName: 'orders-db',
    serviceName: 'orders-db',
  });
  const config = configWith({
    defaults: {
      engineVersion: '17.2',
      storageType: 'io2',
      backupRetentionDays: 0,
      deletionPolicy: 'Retain',
      masterUsername: 'dba',
    },
    kmsKeyId: 'alias/stow',
  });
  t.match(applyDefaults(raw(), config).spec, {
    storage: { type: 'io2' },
    engineVersion: '17.2',
    masterUsername: 'dba',
    backup: { retentionDays: 0 },
    deletionPolicy: 'Retain',
    encryption: { kmsKeyId: 'alias/stow' },
  });
  t.same(
    applyDefaults(raw({ encryption: { kmsKeyId: '' } }), config).spec.encryption,
    { kmsKeyId: 'alias/stow' },
    'empty key = unset',
  );
  t.same(
    applyDefaults(raw(), CONFIG).spec.encryption,
    undefined,
    'no configured key: AWS managed key, nothing written',
  );
  t.same(
    applyDefaults(raw({ backup: { window: '03:00-04:00' } }), CONFIG).spec.backup,
    { window: '03:00-04:00', retentionDays: 7 },
    'a partial backup block is completed',
  );
});

t.test(
  'names derived from metadata.name are left empty while the name is unknown (generateName)',
  async (t) => {
    const spec = applyDefaults(raw({}, { generateName: 'orders-' }), CONFIG).spec;
    t.equal(spec.databaseName, undefined);
    t.equal(spec.secretName, undefined);
    t.equal(spec.serviceName, undefined);
    t.equal(spec.masterUsername, 'stow_admin', 'the rest is filled');
  },
);

t.test('set fields are never overwritten', async (t) => {
  const spec = {
    instanceClass: 'db.r6g.large',
    engineVersion: '15.4',
    storage: { sizeGiB: 500, type: 'io1', iops: 5000 },
    multiAZ: true,
    databaseName: 'orders',
    masterUsername: 'dba',
    backup: { retentionDays: 0, window: '01:00-02:00' },
    deletionPolicy: 'Delete',
    deletionProtection: true,
    publiclyAccessible: true,
    encryption: { kmsKeyId: 'alias/mine' },
    secretName: 'orders-credentials',
    serviceName: 'orders',
  };
  const config = configWith({ kmsKeyId: 'alias/stow' });
  t.same(applyDefaults(raw(spec), config).spec, spec);
  t.same(
    applyDefaults(raw({ multiAZ: false, deletionProtection: false, backup: { retentionDays: 0 } }), config)
      .spec,
    { ...applyDefaults(raw(), config).spec, backup: { retentionDays: 0 } },
    'false and 0 are values, not empty',
  );
});

// ---- property tests ----

const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
/** A DNS-1123 subdomain: what Kubernetes accepts as metadata.name of a custom resource. */
const dnsName = fc
  .array(label, { minLength: 1, maxLength: 5 })
  .map((labels) => labels.join('.'))
  .filter((name) => name.length <= 253);

const KNOWN = new Set([
  'instanceClass',
  'engineVersion',
  'storage',
  'multiAZ',
  'databaseName',
  'masterUsername',
  'backup',
  'maintenanceWindow',
  'deletionPolicy',
  'deletionProtection',
  'publiclyAccessible',
  'encryption',
  'subnetGroupName',
  'securityGroupIds',
  'parameterGroupName',
  'tags',
  'secretName',
  'serviceName',
  'type',
  'sizeGiB',
  'iops',
  'throughputMiBps',
  'maxSizeGiB',
  'retentionDays',
  'window',
  'kmsKeyId',
  'name',
  'generateName',
  'namespace',
  'annotations',
  'labels',
]);
/** Fields no schema knows of (a newer CRD version, another tool's field): must survive defaulting. */
const unknownFields = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !KNOWN.has(key) && key !== '__proto__'),
  fc.jsonValue({ maxDepth: 1 }),
  { maxKeys: 2 },
);

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Drops keys whose value is undefined: a JSON object from the API server has no such keys. */
const compact = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

const storage = fc
  .tuple(
    fc.record({
      sizeGiB: fc.integer({ min: 0, max: 70000 }),
      type: opt(fc.constantFrom('gp2', 'gp3', 'io1', 'io2', 'standard')),
      iops: opt(fc.integer({ min: 0, max: 300000 })),
      throughputMiBps: opt(fc.integer({ min: 0, max: 5000 })),
      maxSizeGiB: opt(fc.integer({ min: 0, max: 70000 })),
    }),
    unknownFields,
  )
  .map(([known, extra]) => ({ ...extra, ...compact(known) }));

const nested = <T extends object>(arb: fc.Arbitrary<T>) =>
  opt(fc.tuple(arb, unknownFields).map(([known, extra]) => ({ ...extra, ...compact(known) })));

const spec = fc
  .tuple(
    fc.record({
      instanceClass: fc.constantFrom('db.t3.small', 'db.r6g.large', 'nonsense'),
      engineVersion: opt(fc.constantFrom('15', '16', '16.4', '17')),
      storage,
      multiAZ: opt(fc.boolean()),
      databaseName: opt(fc.string({ maxLength: 10 })),
      masterUsername: opt(fc.string({ maxLength: 10 })),
      backup: nested(
        fc.record({
          retentionDays: opt(fc.integer({ min: 0, max: 40 })),
          window: opt(fc.constant('03:00-04:00')),
        }),
      ),
      maintenanceWindow: opt(fc.constant('sun:05:00-sun:06:00')),
      deletionPolicy: opt(fc.constantFrom('Delete', 'Snapshot', 'Retain')),
      deletionProtection: opt(fc.boolean()),
      publiclyAccessible: opt(fc.boolean()),
      encryption: nested(fc.record({ kmsKeyId: opt(fc.constantFrom('', 'alias/mine')) })),
      subnetGroupName: opt(fc.string({ maxLength: 8 })),
      securityGroupIds: opt(fc.array(fc.constant('sg-12345678'), { maxLength: 2 })),
      parameterGroupName: opt(fc.string({ maxLength: 8 })),
      tags: opt(
        fc.dictionary(
          fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'),
          fc.string({ maxLength: 6 }),
        ),
      ),
      secretName: opt(dnsName),
      serviceName: opt(dnsName),
    }),
    unknownFields,
  )
  .map(([known, extra]) => ({ ...extra, ...compact(known) }));

const metadata = fc
  .tuple(
    fc.record({
      name: opt(dnsName),
      generateName: opt(fc.constant('orders-')),
      namespace: opt(fc.constant('shop')),
      annotations: opt(
        fc.dictionary(fc.constantFrom('stow.dev/identifier', 'example.com/x'), fc.string({ maxLength: 8 })),
      ),
      labels: opt(fc.dictionary(fc.constantFrom('app', 'team'), fc.string({ maxLength: 8 }))),
    }),
    unknownFields,
  )
  .map(([known, extra]) => ({ ...extra, ...compact(known) }));

const postgresDB = fc
  .tuple(spec, metadata, unknownFields)
  .map(([spec, metadata, extra]) => ({
    ...extra,
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata,
    spec,
  }))
  // Objects arrive as JSON: plain prototypes, no undefined, no -0.
  .map((object) => JSON.parse(JSON.stringify(object)) as PostgresDB);

const configs: OperatorConfig[] = [
  CONFIG,
  configWith({ kmsKeyId: 'alias/stow' }),
  configWith({
    defaults: {
      storageType: 'io1',
      engineVersion: '17',
      masterUsername: 'dba',
      deletionPolicy: 'Delete',
      backupRetentionDays: 0,
    },
  }),
];
const config = fc.constantFrom(...configs);

/** Every field of `input` (recursively) is in `output` with the same value, except an empty kmsKeyId. */
function keeps(input: unknown, output: unknown, path = ''): boolean {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return isDeepStrictEqual(input, output);
  if (output === null || typeof output !== 'object') return false;
  return Object.entries(input).every(([key, value]) => {
    const here = `${path}.${key}`;
    if (here === '.spec.encryption.kmsKeyId' && value === '') return true;
    return Object.hasOwn(output, key) && keeps(value, (output as Record<string, unknown>)[key], here);
  });
}

/** An adopting object gets the Kubernetes-side defaults only; its instance settings stay as RDS has them. */
function fillsEverything(object: PostgresDB, spec: PostgresDB['spec'], config: OperatorConfig): boolean {
  const named = Boolean(object.metadata.name);
  if (typeof object.metadata.annotations?.['stow.dev/identifier'] === 'string') {
    return (
      spec.deletionPolicy !== undefined &&
      spec.engineVersion === object.spec.engineVersion &&
      spec.multiAZ === object.spec.multiAZ &&
      spec.publiclyAccessible === object.spec.publiclyAccessible &&
      spec.masterUsername === object.spec.masterUsername &&
      (!named || (spec.secretName !== undefined && spec.serviceName !== undefined))
    );
  }
  return (
    spec.engineVersion !== undefined &&
    spec.storage.type !== undefined &&
    spec.multiAZ !== undefined &&
    spec.masterUsername !== undefined &&
    spec.backup?.retentionDays !== undefined &&
    spec.deletionPolicy !== undefined &&
    spec.deletionProtection !== undefined &&
    spec.publiclyAccessible !== undefined &&
    (config.kmsKeyId === '' || Boolean(spec.encryption?.kmsKeyId)) &&
    (!named ||
      (spec.databaseName !== undefined && spec.secretName !== undefined && spec.serviceName !== undefined))
  );
}

t.test('applyDefaults properties over arbitrary PostgresDB objects', async (t) => {
  const seen = { idempotent: 0, unmutated: 0, keeps: 0, fills: 0 };
  fc.assert(
    fc.property(postgresDB, config, (object, config) => {
      const before = structuredClone(object);
      const once = applyDefaults(object, config);
      const checks = {
        idempotent: isDeepStrictEqual(applyDefaults(once, config), once),
        unmutated: isDeepStrictEqual(object, before),
        keeps: keeps(object, once),
        fills: fillsEverything(object, once.spec, config),
      };
      for (const [name, passed] of Object.entries(checks)) {
        if (!passed) throw new Error(`property "${name}" does not hold`);
        seen[name as keyof typeof seen]++;
      }
    }),
    { numRuns: 1000 },
  );
  t.ok(seen.idempotent >= 1000, 'idempotent: applyDefaults(applyDefaults(x)) deep-equals applyDefaults(x)');
  t.ok(seen.unmutated >= 1000, 'the input is not mutated');
  t.ok(
    seen.keeps >= 1000,
    'unknown fields and every set value survive (spec, storage, backup, encryption, metadata, root)',
  );
  t.ok(seen.fills >= 1000, 'every defaultable field is filled');
});

t.test('canApplyDefaults: only the objects defaulting fills must be objects', async (t) => {
  for (const spec of [
    undefined,
    null,
    'spec',
    5,
    [],
    { storage: 'ten' },
    { storage: null },
    { backup: [] },
    { encryption: 5 },
  ]) {
    t.notOk(canApplyDefaults(spec), JSON.stringify(spec));
  }
  for (const spec of [
    {},
    { storage: {} },
    { instanceClass: 5, storage: { sizeGiB: 'big' } },
    { tags: 'x', multiAZ: 'yes' },
  ]) {
    t.ok(canApplyDefaults(spec), JSON.stringify(spec));
  }
  // Whatever else is wrong in such a spec, defaulting fills only what is absent (or null) and keeps the rest.
  const anything = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer()),
  );
  const member = fc.oneof(anything, fc.dictionary(fc.string(), anything));
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.constantFrom('instanceClass', 'storage', 'backup', 'encryption', 'multiAZ', 'tags', 'secretName'),
        member,
      ),
      (spec) => {
        fc.pre(canApplyDefaults(spec));
        const defaulted = applyDefaults(raw(spec, { name: 'orders-db' }), CONFIG).spec as Record<
          string,
          unknown
        >;
        const kept = (value: unknown, now: unknown) => value === null || isDeepStrictEqual(now, value);
        return Object.entries(spec).every(([key, value]) =>
          value !== null && typeof value === 'object' && !Array.isArray(value)
            ? Object.entries(value).every(([inner, v]) =>
                kept(v, (defaulted[key] as Record<string, unknown>)[inner]),
              )
            : kept(value, defaulted[key]),
        );
      },
    ),
    { numRuns: 1000 },
  );
  t.pass('a defaultable spec keeps every value it had but null (property)');
});

t.test('deriveDatabaseName', async (t) => {
  t.equal(deriveDatabaseName('orders-db'), 'orders_db');
  t.equal(deriveDatabaseName('orders.v2'), 'orders_v2');
  t.equal(deriveDatabaseName('1orders'), 'db_1orders', 'letter first');
  t.equal(deriveDatabaseName('user'), 'user_db', 'reserved word');
  t.equal(deriveDatabaseName('template1'), 'template1_db');
  t.equal(deriveDatabaseName('rdsadmin'), 'rdsadmin_db');
  t.equal(deriveDatabaseName('a'.repeat(253)).length, 63, 'at most 63 characters');
  fc.assert(
    fc.property(dnsName, (name) => {
      const derived = deriveDatabaseName(name);
      return validateDatabaseName(derived).length === 0 && deriveDatabaseName(name) === derived;
    }),
    { numRuns: 2000 },
  );
  t.pass('always a valid database name, deterministic (property over DNS-1123 names)');
  fc.assert(
    fc.property(
      fc.constantFrom(...'all user select table template0 rdsadmin 0 9-a -x'.split(' ')),
      (name) => {
        return validateDatabaseName(deriveDatabaseName(name)).length === 0;
      },
    ),
  );
  t.pass('reserved words and odd names');
});
