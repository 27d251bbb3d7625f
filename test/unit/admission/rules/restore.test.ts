// spec.restoreFrom: one source, each well formed, what comes from the source left empty, and
// immutable once the PostgresDB exists.
import t from 'tap';
import { applyDefaults } from '../../../../src/admission/rules/defaults.js';
import { validateCreate, validateUpdate } from '../../../../src/admission/rules/index.js';
import type { PostgresDB } from '../../../../src/api/v1beta1.js';
import { CONFIG, configWith, createErrors, db, formatted } from '../../../support/postgresdb.js';

t.test('each source alone is accepted; none, or two, are not', async (t) => {
  for (const restoreFrom of [
    { snapshot: { name: 'orders-before-v42' } },
    { snapshot: { name: 'orders-final-1a2b3c4d', namespace: 'team-a' } },
    { rdsSnapshotIdentifier: 'prod-orders-2026-12-01' },
    { pointInTime: { postgresDBRef: { name: 'orders' }, latest: true } },
    { pointInTime: { postgresDBRef: { name: 'orders' }, time: '2026-12-01T10:00:00Z' } },
    { pointInTime: { postgresDBRef: { name: 'orders' }, time: '2026-12-01T10:00:00.5+01:00' } },
  ])
    t.same(createErrors({ restoreFrom }), [], JSON.stringify(restoreFrom));
  t.same(createErrors({ restoreFrom: {} }), [
    'spec.restoreFrom: must name exactly one source: snapshot, rdsSnapshotIdentifier or pointInTime',
  ]);
  t.same(createErrors({ restoreFrom: { snapshot: { name: 'a' }, rdsSnapshotIdentifier: 'b' } }), [
    'spec.restoreFrom: must name exactly one source: snapshot, rdsSnapshotIdentifier or pointInTime (got snapshot and rdsSnapshotIdentifier)',
  ]);
});

t.test('each field named with its value', async (t) => {
  t.same(createErrors({ restoreFrom: { snapshot: { name: 'Orders_Before', namespace: 'Team A' } } }), [
    'spec.restoreFrom.snapshot.name: must be a Kubernetes object name: lowercase letters, digits, "-" and ".", at most 253 characters (got "Orders_Before")',
    'spec.restoreFrom.snapshot.namespace: must be a namespace name (got "Team A")',
  ]);
  t.same(createErrors({ restoreFrom: { rdsSnapshotIdentifier: 'prod--orders-' } }), [
    'spec.restoreFrom.rdsSnapshotIdentifier: must not contain "--" or end with a hyphen (RDS snapshot identifier rules) (got "prod--orders-")',
  ]);
  t.same(createErrors({ restoreFrom: { rdsSnapshotIdentifier: '1st' } }), [
    'spec.restoreFrom.rdsSnapshotIdentifier: must start with a letter and contain only letters, digits and hyphens (RDS snapshot identifier rules) (got "1st")',
  ]);
  t.same(createErrors({ restoreFrom: { pointInTime: { postgresDBRef: { name: 'orders' } } } }), [
    'spec.restoreFrom.pointInTime: must have exactly one of time and latest: true (got {})',
  ]);
  t.same(
    createErrors({
      restoreFrom: { pointInTime: { postgresDBRef: { name: 'orders' }, latest: true, time: 'yesterday' } },
    }),
    [
      'spec.restoreFrom.pointInTime: must have exactly one of time and latest: true (got {"time":"yesterday","latest":true})',
      'spec.restoreFrom.pointInTime.time: must be an RFC 3339 time, e.g. 2026-12-01T10:00:00Z (got "yesterday")',
    ],
  );
  t.same(
    createErrors({ restoreFrom: { pointInTime: { postgresDBRef: { name: 'orders-db' }, latest: true } } }),
    ['spec.restoreFrom.pointInTime.postgresDBRef.name: cannot be this PostgresDB itself (got "orders-db")'],
  );
});

t.test('what comes with the data is left empty, and not defaulted', async (t) => {
  t.same(
    createErrors({
      restoreFrom: { snapshot: { name: 'before' } },
      masterUsername: 'dba',
      databaseName: 'orders',
      encryption: { kmsKeyId: 'alias/orders' },
    }),
    [
      'spec.masterUsername: comes from the source of spec.restoreFrom; leave it empty (got "dba")',
      'spec.databaseName: comes from the source of spec.restoreFrom; leave it empty (got "orders")',
      'spec.encryption.kmsKeyId: comes from the source of spec.restoreFrom; leave it empty (got "alias/orders")',
    ],
  );
  const config = configWith({ kmsKeyId: 'alias/tenants' });
  const restored = applyDefaults(db({ restoreFrom: { snapshot: { name: 'before' } } }), config).spec;
  for (const field of ['masterUsername', 'databaseName', 'engineVersion', 'encryption'] as const)
    t.equal(restored[field], undefined, `${field} is not defaulted`);
  t.equal(restored.storage.type, 'gp3', 'the rest is');
  t.equal(restored.backup?.retentionDays, 7);
  const fresh = applyDefaults(db(), config).spec;
  t.equal(fresh.masterUsername, 'stow_admin', 'a PostgresDB without restoreFrom is defaulted as before');
  t.equal(fresh.encryption?.kmsKeyId, 'alias/tenants');
});

t.test('not with adoption', async (t) => {
  const adopting: PostgresDB = {
    ...db({ restoreFrom: { snapshot: { name: 'before' } } }),
    metadata: { name: 'orders-db', namespace: 'shop', annotations: { 'stow.dev/identifier': 'legacy' } },
  };
  t.same(formatted(validateCreate(adopting, CONFIG)), [
    'spec.restoreFrom: cannot be set together with the annotation stow.dev/identifier (adoption)',
  ]);
});

t.test('UPDATE: restoreFrom can be neither added, changed nor removed', async (t) => {
  const restored = applyDefaults(db({ restoreFrom: { snapshot: { name: 'before' } } }), CONFIG);
  const plain = applyDefaults(db(), CONFIG);
  const withSpec = (object: PostgresDB, restoreFrom: PostgresDB['spec']['restoreFrom']) => {
    const next = structuredClone(object);
    if (restoreFrom === undefined) delete next.spec.restoreFrom;
    else next.spec.restoreFrom = restoreFrom;
    return next;
  };
  t.same(formatted(validateUpdate(withSpec(plain, { snapshot: { name: 'before' } }), plain, CONFIG)), [
    'spec.restoreFrom: is immutable (set only when the PostgresDB is created); it was unset (got {"snapshot":{"name":"before"}})',
  ]);
  t.same(formatted(validateUpdate(withSpec(restored, { snapshot: { name: 'after' } }), restored, CONFIG)), [
    'spec.restoreFrom: is immutable (set only when the PostgresDB is created); it was {"snapshot":{"name":"before"}} (got {"snapshot":{"name":"after"}})',
  ]);
  t.same(formatted(validateUpdate(withSpec(restored, undefined), restored, CONFIG)), [
    'spec.restoreFrom: is immutable (set only when the PostgresDB is created); it was {"snapshot":{"name":"before"}} (got null)',
  ]);
  const resized = structuredClone(restored);
  resized.spec.storage.sizeGiB = 40;
  t.same(formatted(validateUpdate(resized, restored, CONFIG)), [], 'other changes as usual');
});
