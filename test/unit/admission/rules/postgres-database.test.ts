// PostgresDatabase rules: identifiers, duplicates, Secrets, defaults, and immutable fields on UPDATE.
import fc from 'fast-check';
import t from 'tap';
import { formatFieldError } from '../../../../src/admission/rules/field-error.js';
import { identifierProblem } from '../../../../src/admission/rules/postgres-identifiers.js';
import {
  applyDatabaseDefaults,
  defaultUserSecretName,
  validateDatabaseCreate,
  validateDatabaseUpdate,
} from '../../../../src/admission/rules/postgres-database.js';
import { isLowerSqlIdentifier } from '../../../../src/engine/char-classes.js';
import {
  DATABASE_CONTEXT,
  databaseErrors,
  HOSTILE_NAMES,
  pgDatabase,
} from '../../../support/postgres-database.js';

t.test('a minimal PostgresDatabase is valid, and defaulting fills every name', async (t) => {
  t.same(databaseErrors(), []);
  const defaulted = applyDatabaseDefaults(
    pgDatabase({ users: [{ name: 'report_reader', access: 'readOnly' }] }, { name: 'orders-api' }),
  );
  t.same(defaulted.spec, {
    instanceRef: { name: 'main' },
    databaseName: 'orders_api',
    owner: 'orders_api',
    deletionPolicy: 'Retain',
    secretName: 'orders-api',
    users: [{ name: 'report_reader', access: 'readOnly', secretName: 'orders-api-report-reader' }],
  });
  t.same(applyDatabaseDefaults(defaulted), defaulted, 'idempotent');
  const written = pgDatabase({
    databaseName: 'shop',
    owner: 'shop_owner',
    deletionPolicy: 'Drop',
    secretName: 'creds',
    users: [{ name: 'app', access: 'readWrite', secretName: 'app-creds' }],
  });
  t.same(applyDatabaseDefaults(written), written, 'a written field is never replaced');
  const unnamed = applyDatabaseDefaults(pgDatabase({}, { generateName: 'orders-' }));
  t.same(unnamed.spec, { instanceRef: { name: 'main' }, deletionPolicy: 'Retain' }, 'no name yet: no names');
});

for (const [field, at] of [
  ['spec.databaseName', (name: string) => ({ databaseName: name })],
  ['spec.owner', (name: string) => ({ owner: name })],
  ['spec.users[0].name', (name: string) => ({ users: [{ name, access: 'readOnly' as const }] })],
  ['spec.extensions[0].name', (name: string) => ({ extensions: [{ name }] })],
] as const) {
  t.test(`hostile names are denied in ${field}, with the field and the value`, async (t) => {
    for (const [title, name] of HOSTILE_NAMES) {
      const errors = databaseErrors(at(name));
      t.ok(
        errors.some((error) => error.startsWith(`${field}: `)),
        `${title}: denied at ${field}\n${errors.join('\n')}`,
      );
      const shown = errors.find((error) => error.startsWith(`${field}: `)) ?? '';
      t.ok(shown.length < 600, `${title}: the message stays short (${shown.length} characters)`);
      t.match(shown, /\(got ".*/, `${title}: the message quotes the value`);
    }
  });
}

t.test('every violation is listed at once', async (t) => {
  const errors = databaseErrors({
    instanceRef: { name: 'Main DB', namespace: 'Team_A' },
    databaseName: 'x"; drop table',
    owner: 'rds_superuser',
    secretName: 'Not A Secret',
    users: [
      { name: 'stow_admin', access: 'readOnly' },
      { name: 'app', access: 'readWrite' },
      { name: 'app', access: 'readOnly', secretName: 'Not A Secret' },
    ],
    extensions: [{ name: 'uuid-ossp' }, { name: 'uuid-ossp' }, { name: 'pg_stat"statements' }],
  });
  t.same(errors, [
    'spec.instanceRef.name: must be the name of a PostgresDB: lowercase letters, digits, "-" and ".", at most 253 characters (got "Main DB")',
    'spec.instanceRef.namespace: must be a namespace name: lowercase letters, digits and "-", at most 63 characters (got "Team_A")',
    'spec.databaseName: must start with a lowercase letter and contain only lowercase letters, digits and underscores (got "x\\"; drop table")',
    'spec.owner: must not start with rds (reserved for the roles of RDS) (got "rds_superuser")',
    'spec.users[0].name: is the instance\'s master user (the operator default); it is never a database\'s role (got "stow_admin")',
    'spec.users[2].name: is already the role of spec.users[1].name (got "app")',
    'spec.secretName: must be a DNS subdomain: lowercase letters, digits, "-" and ".", at most 253 characters (got "Not A Secret")',
    'spec.users[2].secretName: must be a DNS subdomain: lowercase letters, digits, "-" and ".", at most 253 characters (got "Not A Secret")',
    'spec.users[2].secretName: is already the Secret of spec.secretName (got "Not A Secret")',
    'spec.extensions[2].name: must start with a lowercase letter and contain only lowercase letters, digits, underscores and hyphens (got "pg_stat\\"statements")',
    'spec.extensions[1].name: is already listed at spec.extensions[0].name (got "uuid-ossp")',
  ]);
});

t.test('reserved names: RDS roles, the master user, databases every instance has', async (t) => {
  for (const role of [
    'rdsadmin',
    'rds_superuser',
    'rds_replication',
    'rdstopmgr',
    'public',
    'none',
    'postgres',
  ])
    t.ok(identifierProblem('role', role), `role ${role} refused`);
  for (const database of ['postgres', 'template0', 'template1', 'rdsadmin'])
    t.ok(identifierProblem('database', database), `database ${database} refused`);
  for (const [kind, name] of [
    ['role', 'orders_app'],
    ['role', 'rw'],
    ['database', 'orders'],
    ['database', 'rds_like_name_is_fine_for_a_database'],
    ['extension', 'uuid-ossp'],
    ['extension', 'pgcrypto'],
    ['extension', 'postgis_topology'],
  ] as const)
    t.equal(identifierProblem(kind, name), undefined, `${kind} ${name} accepted`);
  t.same(databaseErrors({ owner: 'stow_admin' }), [
    'spec.owner: is the instance\'s master user (the operator default); it is never a database\'s role (got "stow_admin")',
  ]);
  t.same(databaseErrors({ users: [{ name: 'orders', access: 'readOnly' }] }), [
    'spec.users[0].name: is already the role of spec.owner (got "orders")',
  ]);
});

t.test('a name refused when derived says how to fix it', async (t) => {
  const errors = validateDatabaseCreate(pgDatabase({}, { name: 'pg-orders' }), DATABASE_CONTEXT).errors;
  t.same(errors.map(formatFieldError), [
    'spec.databaseName: must not start with pg_ (reserved for PostgreSQL); it defaults to metadata.name, so set spec.databaseName explicitly (got "pg_orders")',
    'spec.owner: must not start with pg_ (reserved for PostgreSQL); it defaults to the database name (from metadata.name), so set spec.owner explicitly (got "pg_orders")',
  ]);
  t.same(databaseErrors({ databaseName: 'postgres' }), [
    'spec.databaseName: is reserved for a database every instance has (got "postgres")',
    'spec.owner: is reserved for a role every instance has; it defaults to spec.databaseName, so set spec.owner explicitly (got "postgres")',
  ]);
});

t.test('any accepted name is a plain lowercase identifier of at most 63 bytes', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[a-z_][a-z0-9_]{0,70}$/)), (name) => {
      for (const kind of ['database', 'role'] as const)
        if (identifierProblem(kind, name) === undefined && !(isLowerSqlIdentifier(name) && name.length <= 63))
          return false;
      return true;
    }),
    { numRuns: 3000 },
  );
  t.pass('every accepted name is a plain lowercase identifier');
});

t.test('user Secrets default to <name>-<user>, and must not collide', async (t) => {
  t.equal(defaultUserSecretName('orders', 'report_reader'), 'orders-report-reader');
  t.same(
    databaseErrors({
      secretName: 'orders-ro',
      users: [{ name: 'ro', access: 'readOnly' }],
    }),
    ['spec.users[0].secretName: is already the Secret of spec.secretName (got "orders-ro")'],
  );
  t.same(databaseErrors({ users: [{ name: 'ro_', access: 'readOnly' }] }), [
    'spec.users[0].secretName: must be a DNS subdomain: lowercase letters, digits, "-" and ".", at most 253 characters; it defaults to metadata.name and spec.users[0].name, so set spec.users[0].secretName explicitly (got "orders-ro-")',
  ]);
});

t.test('at most 100 users and 100 extensions', async (t) => {
  const users = Array.from({ length: 101 }, (_, i) => ({ name: `u${i}`, access: 'readOnly' as const }));
  const extensions = Array.from({ length: 101 }, (_, i) => ({ name: `e${i}` }));
  t.same(databaseErrors({ users, extensions }), [
    'spec.users: must list at most 100 users (got 101)',
    'spec.extensions: must list at most 100 extensions (got 101)',
  ]);
});

t.test('a spec of the wrong shape: every field named', async (t) => {
  const object = pgDatabase();
  (object.spec as unknown as Record<string, unknown>).users = [{ name: 7, access: 'admin' }];
  (object.spec as unknown as Record<string, unknown>).instanceRef = {};
  t.same(validateDatabaseCreate(object, DATABASE_CONTEXT).errors.map(formatFieldError), [
    'spec.instanceRef.name: is required',
    'spec.users[0].name: expected string (got 7)',
    'spec.users[0].access: must be one of readWrite, readOnly (got "admin")',
  ]);
});

t.test('UPDATE: immutable fields keep their values; an unchanged spec is not checked again', async (t) => {
  const before = applyDatabaseDefaults(
    pgDatabase({ users: [{ name: 'ro', access: 'readOnly' }], extensions: [{ name: 'pgcrypto' }] }),
  );
  const update = (patch: Partial<typeof before.spec>) =>
    validateDatabaseUpdate(
      { ...before, spec: { ...before.spec, ...patch } },
      before,
      DATABASE_CONTEXT,
    ).errors.map(formatFieldError);
  t.same(update({}), []);
  t.same(update({ deletionPolicy: 'Drop', extensions: [{ name: 'citext' }] }), [], 'mutable fields change');
  t.same(
    update({ users: [{ name: 'ro', access: 'readWrite', secretName: 'orders-ro' }] }),
    [],
    'access changes',
  );
  t.same(
    update({
      databaseName: 'orders2',
      owner: 'someone',
      secretName: 'other',
      instanceRef: { name: 'other', namespace: 'elsewhere' },
      users: [{ name: 'ro', access: 'readOnly', secretName: 'moved' }],
    }),
    [
      'spec.instanceRef.name: is immutable (the database lives in that instance); it was "main" (got "other")',
      'spec.instanceRef.namespace: is immutable (the database lives in that instance); it was "shop" (got "elsewhere")',
      'spec.databaseName: is immutable (clients connect to the database by that name); it was "orders" (got "orders2")',
      'spec.owner: is immutable (the database\'s objects belong to that role); it was "orders" (got "someone")',
      'spec.secretName: is immutable (the owner\'s password lives in that Secret); it was "orders" (got "other")',
      'spec.users[0].secretName: is immutable for user "ro" (its password lives in that Secret); it was "orders-ro" (got "moved")',
    ],
  );
  t.same(
    update({ instanceRef: { name: 'main', namespace: 'shop' } }),
    [],
    'naming its own namespace is no change',
  );
  const stored = pgDatabase({ databaseName: 'select' });
  t.same(
    validateDatabaseUpdate(
      { ...stored, metadata: { ...stored.metadata, labels: { a: 'b' } } },
      stored,
      DATABASE_CONTEXT,
    ).errors,
    [],
    'a metadata-only edit of an object stored under other rules goes through',
  );
  t.same(
    validateDatabaseUpdate(
      { ...stored, spec: { ...stored.spec, deletionPolicy: 'Drop' } },
      stored,
      DATABASE_CONTEXT,
    ).errors.map(formatFieldError),
    [],
    "ratcheting: an unrelated change is not blocked by a stored name today's rules refuse",
  );
});

t.test('scheduled password rotation: 1-3650 days, an integer', async (t) => {
  t.same(databaseErrors({ passwordRotation: { everyDays: 30 } }), []);
  t.same(databaseErrors({ passwordRotation: { everyDays: 0 } }), [
    'spec.passwordRotation.everyDays: expected integer to be greater or equal to 1 (got 0)',
  ]);
  t.same(databaseErrors({ passwordRotation: { everyDays: 3651 } }), [
    'spec.passwordRotation.everyDays: expected integer to be less or equal to 3650 (got 3651)',
  ]);
});
