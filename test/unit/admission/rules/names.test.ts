// Names: instance class, database name, master username, Secret/Service names, the identifier
// annotation, subnet and parameter group names.
import t from 'tap';
import { ANNOTATION_IDENTIFIER } from '../../../../src/api/constants.js';
import { validateCreate } from '../../../../src/admission/rules/index.js';
import {
  rdsIdentifierProblem,
  validateDatabaseName,
  validateIdentifierAnnotation,
  validateInstanceClass,
  validateMasterUsername,
  validateParameterGroupName,
  validateSecretName,
  validateServiceName,
  validateSubnetGroupName,
} from '../../../../src/admission/rules/names.js';
import { CONFIG, createErrors, db, formatted } from '../../../support/postgresdb.js';

const ok = (errors: unknown[]) => errors.length === 0;

t.test('instance class: db.<family>.<size>', async (t) => {
  for (const good of [
    'db.t3.small',
    'db.r6g.2xlarge',
    'db.m5d.large',
    'db.x2iedn.32xlarge',
    'db.t4g.micro',
    'db.m6in.large',
  ]) {
    t.ok(ok(validateInstanceClass(good)), `${good} accepted`);
  }
  for (const bad of [
    't3.small',
    'db.t3',
    'db..small',
    'db.T3.small',
    'db.t3.small.',
    'db.t3.',
    'rds.t3.small',
    'db.3t.small',
    ' db.t3.small',
    'db.t3_small',
    '',
  ]) {
    t.notOk(ok(validateInstanceClass(bad)), `${JSON.stringify(bad)} refused`);
  }
  t.same(createErrors({ instanceClass: 'm5.large' }), [
    'spec.instanceClass: must be an RDS instance class of the form db.<family>.<size>, e.g. db.t3.small (got "m5.large")',
  ]);
});

t.test('database name: RDS rules', async (t) => {
  t.ok(ok(validateDatabaseName('a')), '1 character accepted');
  t.ok(ok(validateDatabaseName('a'.repeat(63))), '63 characters accepted');
  t.same(createErrors({ databaseName: 'a'.repeat(64) }), [
    `spec.databaseName: must be 1-63 characters long (got "${'a'.repeat(64)}")`,
  ]);
  t.same(
    createErrors({ databaseName: '' }),
    ['spec.databaseName: must be 1-63 characters long (got "")'],
    'empty refused',
  );
  t.same(createErrors({ databaseName: '1orders' }), [
    'spec.databaseName: must start with a letter and contain only letters, digits and underscores (got "1orders")',
  ]);
  for (const bad of ['_orders', 'orders-db', 'orders db', 'orders.db', 'ordérs', 'orders$']) {
    t.notOk(ok(validateDatabaseName(bad)), `${JSON.stringify(bad)} refused`);
  }
  for (const good of ['Orders', 'orders_db', 'o1_2_3', 'ORDERS_2024'])
    t.ok(ok(validateDatabaseName(good)), `${good} accepted`);
  for (const reserved of ['select', 'USER', 'table', 'template0', 'template1', 'rdsadmin']) {
    t.same(validateDatabaseName(reserved), [
      { path: 'spec.databaseName', message: 'is a reserved word in PostgreSQL or RDS', value: reserved },
    ]);
  }
  t.ok(ok(validateDatabaseName('postgres')), 'postgres is an ordinary database name');
  t.ok(ok(validateDatabaseName('users')), 'a reserved word as a prefix is fine');
});

t.test('master username: 1-16, letters/digits/underscore, not reserved', async (t) => {
  t.ok(ok(validateMasterUsername('a')), '1 character accepted');
  t.ok(ok(validateMasterUsername('a'.repeat(16))), '16 characters accepted');
  t.same(createErrors({ masterUsername: 'a'.repeat(17) }), [
    `spec.masterUsername: must be 1-16 characters long (got "${'a'.repeat(17)}")`,
  ]);
  t.notOk(ok(validateMasterUsername('')), 'empty refused');
  for (const bad of ['1admin', '_admin', 'admin-user', 'admin user', 'ädmin']) {
    t.same(
      validateMasterUsername(bad).map((e) => e.message),
      ['must start with a letter and contain only letters, digits and underscores'],
      `${JSON.stringify(bad)} refused`,
    );
  }
  for (const reserved of [
    'user',
    'USER',
    'select',
    'rdsadmin',
    'rds_superuser',
    'rdsrepladmin',
    'pg_x',
    'PG_monitor',
  ]) {
    t.same(
      createErrors({ masterUsername: reserved }),
      [`spec.masterUsername: is a reserved word in PostgreSQL or RDS (got "${reserved}")`],
      `${reserved} refused`,
    );
  }
  for (const good of ['stow_admin', 'admin', 'pgadmin', 'users', 'postgres', 'A1_b2']) {
    t.ok(ok(validateMasterUsername(good)), `${good} accepted`);
  }
});

t.test('secret name: DNS subdomain', async (t) => {
  t.ok(ok(validateSecretName('orders-db')));
  t.ok(ok(validateSecretName('orders.db-credentials')), 'dots allowed');
  t.ok(ok(validateSecretName('1orders')), 'may start with a digit');
  t.ok(
    ok(validateSecretName(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`)),
    '253 accepted',
  );
  t.notOk(
    ok(validateSecretName(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`)),
    '254 refused',
  );
  for (const bad of ['Orders', 'orders_db', '-orders', 'orders-', 'orders..db', '.orders', '']) {
    t.notOk(ok(validateSecretName(bad)), `${JSON.stringify(bad)} refused`);
  }
  t.same(createErrors({ secretName: 'Orders_DB' }), [
    'spec.secretName: must be a DNS subdomain: lowercase letters, digits, "-" and ".", at most 253 characters (got "Orders_DB")',
  ]);
});

t.test('service name: DNS label starting with a letter', async (t) => {
  t.ok(ok(validateServiceName('orders-db')));
  t.ok(ok(validateServiceName('a')));
  t.ok(ok(validateServiceName(`a${'b'.repeat(62)}`)), '63 accepted');
  t.notOk(ok(validateServiceName(`a${'b'.repeat(63)}`)), '64 refused');
  for (const bad of ['1orders', 'orders.db', 'Orders', 'orders-', '-orders', 'orders_db', '']) {
    t.notOk(ok(validateServiceName(bad)), `${JSON.stringify(bad)} refused`);
  }
  t.same(createErrors({ serviceName: 'orders.db' }), [
    'spec.serviceName: must be a DNS label starting with a letter: lowercase letters, digits and "-", at most 63 characters (got "orders.db")',
  ]);
});

t.test('secret and service names are derived from metadata.name when unset', async (t) => {
  t.same(
    formatted(validateCreate(db({}, { name: 'orders-db' }), CONFIG)),
    [],
    'a plain name is fine for both',
  );
  t.same(
    formatted(validateCreate(db({}, { name: '1-orders' }), CONFIG)),
    [
      'spec.serviceName: must be a DNS label starting with a letter: lowercase letters, digits and "-", at most 63 characters; it defaults to metadata.name, so set spec.serviceName explicitly (got "1-orders")',
    ],
    'a valid resource name that is not a valid Service name is refused on the derived serviceName',
  );
  t.same(
    formatted(validateCreate(db({ serviceName: 'orders' }, { name: 'orders.v2' }), CONFIG)),
    [],
    'an explicit serviceName fixes it; the secret may hold dots',
  );
  const long = `a${'b'.repeat(63)}`;
  t.same(formatted(validateCreate(db({}, { name: long }), CONFIG)), [
    `spec.serviceName: must be a DNS label starting with a letter: lowercase letters, digits and "-", at most 63 characters; it defaults to metadata.name, so set spec.serviceName explicitly (got "${long}")`,
  ]);
  t.same(
    formatted(validateCreate(db({}, { generateName: 'orders-' }), CONFIG)),
    [],
    'no name yet (generateName): nothing derived, nothing to check',
  );
});

t.test('identifier annotation: RDS identifier rules', async (t) => {
  t.equal(rdsIdentifierProblem('a'), undefined, '1 character');
  t.equal(rdsIdentifierProblem(`a${'b'.repeat(62)}`), undefined, '63 characters');
  t.equal(rdsIdentifierProblem('legacy-orders-1'), undefined);
  t.equal(rdsIdentifierProblem(`a${'b'.repeat(63)}`), 'must be 1-63 characters long', '64 characters');
  t.equal(rdsIdentifierProblem(''), 'must be 1-63 characters long');
  t.equal(rdsIdentifierProblem('1orders'), 'must start with a lowercase letter');
  t.equal(rdsIdentifierProblem('Orders'), 'must start with a lowercase letter');
  t.equal(rdsIdentifierProblem('orders_db'), 'must contain only lowercase letters, digits and hyphens');
  t.equal(rdsIdentifierProblem('orDers'), 'must contain only lowercase letters, digits and hyphens');
  t.equal(rdsIdentifierProblem('orders--db'), 'must not contain two consecutive hyphens');
  t.equal(rdsIdentifierProblem('orders-'), 'must not end with a hyphen');
  t.same(validateIdentifierAnnotation(undefined), [], 'absent is fine');
  const object = db({}, { name: 'orders-db', annotations: { [ANNOTATION_IDENTIFIER]: 'legacy--orders' } });
  t.same(formatted(validateCreate(object, CONFIG)), [
    'metadata.annotations[stow.dev/identifier]: must not contain two consecutive hyphens (RDS identifier rules) (got "legacy--orders")',
  ]);
  const good = db({}, { name: 'orders-db', annotations: { [ANNOTATION_IDENTIFIER]: 'legacy-orders' } });
  t.same(formatted(validateCreate(good, CONFIG)), []);
});

t.test('subnet group name', async (t) => {
  t.same(validateSubnetGroupName(undefined), []);
  t.same(validateSubnetGroupName(''), [], 'empty: the configuration default');
  for (const good of ['private-db', 'Private DB subnets', 'a.b_c-d', 'x'.repeat(255)]) {
    t.ok(ok(validateSubnetGroupName(good)), `${good.slice(0, 20)} accepted`);
  }
  for (const bad of ['default', 'Default', 'x'.repeat(256), 'subnets/private', 'ä']) {
    t.notOk(ok(validateSubnetGroupName(bad)), `${bad.slice(0, 20)} refused`);
  }
  t.same(createErrors({ subnetGroupName: 'default' }), [
    'spec.subnetGroupName: must be at most 255 letters, digits, periods, underscores, spaces or hyphens, and not "default" (got "default")',
  ]);
});

t.test('parameter group name', async (t) => {
  t.same(validateParameterGroupName(undefined), []);
  t.same(validateParameterGroupName(''), [], 'empty: the configuration default');
  for (const good of ['stow-pg16', 'Custom.Params', `a${'b'.repeat(254)}`])
    t.ok(ok(validateParameterGroupName(good)), `${good.slice(0, 20)} accepted`);
  for (const bad of ['1params', 'params-', 'my--params', 'my_params', `a${'b'.repeat(255)}`]) {
    t.notOk(ok(validateParameterGroupName(bad)), `${bad.slice(0, 20)} refused`);
  }
  t.same(createErrors({ parameterGroupName: 'pg--16' }), [
    'spec.parameterGroupName: must start with a letter, contain only letters, digits, periods and hyphens, with no "--" or trailing hyphen (got "pg--16")',
  ]);
});
