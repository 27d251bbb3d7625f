// The statements for a PostgresDatabase, without a server: least privilege, secrets kept out of
// summaries, nothing done twice, nothing taken over. test/integration/postgres-database-sql.test.ts
// runs them against a real PostgreSQL.
import fc from 'fast-check';
import t from 'tap';
import { applyDatabaseDefaults } from '../../../../src/admission/rules/postgres-database.js';
import {
  type DesiredDatabase,
  desiredDatabase,
} from '../../../../src/controller/postgres-database/desired.js';
import type { ObservedInstance, ObservedRole } from '../../../../src/controller/postgres-database/inspect.js';
import { observedInstance } from '../../../../src/controller/postgres-database/inspect.js';
import { markerText, parseMarker } from '../../../../src/controller/postgres-database/markers.js';
import {
  databaseSteps,
  dropSteps,
  instanceConflicts,
  instanceSteps,
  passwordStep,
  removeUserSteps,
  type SqlStep,
} from '../../../../src/controller/postgres-database/plan.js';
import { identifierText, ORDERS, pgDatabase } from '../../../support/postgres-database.js';
import { readIdentifier } from '../../../support/sql-lexer.js';

const desired: DesiredDatabase = desiredDatabase(
  applyDatabaseDefaults(
    pgDatabase({
      users: [
        { name: 'app', access: 'readWrite' },
        { name: 'reports', access: 'readOnly' },
      ],
      extensions: [{ name: 'pgcrypto' }],
    }),
  ),
  'shop',
);
const PASSWORDS = new Map([
  ['orders', 'owner-password-1'],
  ['app', 'app-password-12'],
  ['reports', 'reports-password'],
]);
const fakeVerifier = (password: string) =>
  `SCRAM-SHA-256$4096:c2FsdA==$${Buffer.from(password).toString('base64')}:x`;
const EMPTY: ObservedInstance = { roles: new Map() };
const FRESH_INSIDE = {
  schemas: new Map([['public', 'pg_database_owner']]),
  extensions: new Set(['plpgsql']),
};

function role(name: string, changes: Partial<ObservedRole> = {}): ObservedRole {
  return {
    name,
    marker: { resource: 'shop/orders' },
    canLogin: true,
    superuser: false,
    createRole: false,
    createDb: false,
    replication: false,
    bypassRls: false,
    masterHasPrivileges: true,
    ...changes,
  };
}

const texts = (steps: SqlStep[]) => steps.map((step) => `${step.target}: ${step.text}`);

t.test('a fresh instance: roles with the least privilege, then the database, closed to PUBLIC', async (t) => {
  t.same(desired, ORDERS, 'desiredDatabase resolves every name of the defaulted object');
  t.same(instanceConflicts(desired, EMPTY, 'stow_admin'), []);
  const least = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';
  const created = (name: string) =>
    `instance: CREATE ROLE "${name}" ${least} PASSWORD '${fakeVerifier(PASSWORDS.get(name) as string)}'; COMMENT ON ROLE "${name}" IS 'stow.dev/postgresdatabase=shop/orders'`;
  t.same(texts(instanceSteps(desired, EMPTY, PASSWORDS, fakeVerifier)), [
    created('orders'),
    'instance: GRANT "orders" TO CURRENT_USER',
    created('app'),
    'instance: GRANT "app" TO CURRENT_USER',
    created('reports'),
    'instance: GRANT "reports" TO CURRENT_USER',
    'instance: CREATE DATABASE "orders" OWNER "orders"',
    'instance: REVOKE ALL ON DATABASE "orders" FROM PUBLIC',
  ]);
  t.same(texts(databaseSteps(desired, EMPTY, FRESH_INSIDE)), [
    'database: CREATE SCHEMA "extensions" AUTHORIZATION CURRENT_USER; GRANT USAGE ON SCHEMA "extensions" TO PUBLIC; ALTER DATABASE "orders" SET search_path = "$user", public, "extensions"',
    'database: CREATE EXTENSION IF NOT EXISTS "pgcrypto" SCHEMA "extensions"',
    'database: GRANT CONNECT, TEMPORARY ON DATABASE "orders" TO "app"; GRANT USAGE ON SCHEMA "public" TO "app"; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "public" TO "app"; GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "public" TO "app"; ALTER DEFAULT PRIVILEGES FOR ROLE "orders" GRANT USAGE ON SCHEMAS TO "app"; ALTER DEFAULT PRIVILEGES FOR ROLE "orders" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "app"; ALTER DEFAULT PRIVILEGES FOR ROLE "orders" GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO "app"; COMMENT ON ROLE "app" IS \'stow.dev/postgresdatabase=shop/orders access=readWrite\'',
    'database: GRANT CONNECT ON DATABASE "orders" TO "reports"; GRANT USAGE ON SCHEMA "public" TO "reports"; GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "reports"; GRANT SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "reports"; ALTER DEFAULT PRIVILEGES FOR ROLE "orders" GRANT USAGE ON SCHEMAS TO "reports"; ALTER DEFAULT PRIVILEGES FOR ROLE "orders" GRANT SELECT ON TABLES TO "reports"; ALTER DEFAULT PRIVILEGES FOR ROLE "orders" GRANT SELECT ON SEQUENCES TO "reports"; COMMENT ON ROLE "reports" IS \'stow.dev/postgresdatabase=shop/orders access=readOnly\'',
    'database: COMMENT ON ROLE "orders" IS \'stow.dev/postgresdatabase=shop/orders access=owner\'',
    'database: COMMENT ON DATABASE "orders" IS \'stow.dev/postgresdatabase=shop/orders\'',
  ]);
});

t.test('no role ever gets more than logging in; rds_superuser is never granted', async (t) => {
  const all = [
    ...instanceSteps(desired, EMPTY, PASSWORDS),
    ...databaseSteps(desired, EMPTY, FRESH_INSIDE),
    passwordStep('app', 'new-password-123'),
  ];
  for (const step of all) {
    t.notMatch(step.text, /rds_/i, `${step.summary}: no rds_ role`);
    t.notMatch(
      step.text,
      /(?<!NO)(SUPERUSER|CREATEROLE|CREATEDB|REPLICATION|BYPASSRLS)\b/,
      `${step.summary}: only NO… attributes`,
    );
    t.notMatch(step.text, /WITH (ADMIN|GRANT) OPTION/i, `${step.summary}: no grant option`);
    const toPublic = step.text.replace('GRANT USAGE ON SCHEMA "extensions" TO PUBLIC', '');
    t.notMatch(
      toPublic,
      /\bTO PUBLIC\b/,
      `${step.summary}: nothing granted to PUBLIC but the extensions schema`,
    );
  }
});

t.test('passwords: only as SCRAM verifiers, only in steps marked secret, never in a summary', async (t) => {
  const steps = [...instanceSteps(desired, EMPTY, PASSWORDS), passwordStep('app', 'new-password-123')];
  for (const step of steps) {
    for (const password of [...PASSWORDS.values(), 'new-password-123']) {
      t.notOk(step.text.includes(password), `${step.summary}: the password never leaves Stow`);
      t.notOk(step.summary.includes(password), `${step.summary}: not in the summary`);
    }
    t.notMatch(step.summary, /SCRAM/, 'no verifier in a summary');
    t.equal(
      step.secret === true,
      /PASSWORD/.test(step.text),
      `${step.summary}: secret exactly when it sets a password`,
    );
  }
  t.match(passwordStep('app', 'new-password-123').text, /^ALTER ROLE "app" PASSWORD 'SCRAM-SHA-256\$4096:/);
  t.throws(() => instanceSteps(desired, EMPTY, new Map()), {
    message: 'role "orders" is to be created and needs a password',
  });
});

t.test('nothing in place is done again: a reconcile that finds everything writes nothing', async (t) => {
  const done: ObservedInstance = {
    database: { name: 'orders', owner: 'orders', marker: { resource: 'shop/orders' } },
    roles: new Map([
      ['orders', role('orders', { marker: { resource: 'shop/orders', access: 'owner' } })],
      ['app', role('app', { marker: { resource: 'shop/orders', access: 'readWrite' } })],
      ['reports', role('reports', { marker: { resource: 'shop/orders', access: 'readOnly' } })],
    ]),
  };
  const inside = {
    schemas: new Map([
      ['public', 'pg_database_owner'],
      ['extensions', 'stow_admin'],
    ]),
    extensions: new Set(['plpgsql', 'pgcrypto']),
  };
  t.same(instanceConflicts(desired, done, 'stow_admin'), []);
  t.same(instanceSteps(desired, done, new Map()), []);
  t.same(databaseSteps(desired, done, inside), []);
  t.same(
    instanceSteps(desired, done, new Map([['app', 'rotated-password']]), fakeVerifier).map(
      (step) => step.summary,
    ),
    ['set the password of role "app"'],
    'a password given is set',
  );
  const drifted: ObservedInstance = {
    ...done,
    roles: new Map([
      ...done.roles,
      ['app', role('app', { createDb: true, canLogin: false, masterHasPrivileges: false })],
    ]),
  };
  t.same(
    instanceSteps(desired, drifted, new Map()).map((step) => step.text),
    ['ALTER ROLE "app" NOCREATEDB NOCREATEROLE', 'ALTER ROLE "app" LOGIN', 'GRANT "app" TO CURRENT_USER'],
    'drift on a role of ours is undone',
  );
  const changed = { ...desired, users: [{ name: 'app', access: 'readOnly' as const }, desired.users[1]!] };
  const regrant = databaseSteps(changed, done, inside);
  t.same(
    regrant.map((step) => step.summary),
    ['grant readOnly on database "orders" to role "app"'],
  );
  t.match(
    regrant[0]?.text,
    /^REVOKE ALL ON DATABASE "orders" FROM "app"; REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "app"; .*GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "app"/,
  );
  t.notMatch(regrant[0]?.text, /INSERT/);
});

t.test('nothing is taken over: names held by another resource, by hand, or by the master user', async (t) => {
  const theirs: ObservedInstance = {
    database: { name: 'orders', owner: 'someone', marker: { resource: 'payments/orders' } },
    roles: new Map([
      ['orders', role('orders', { marker: { resource: 'payments/orders' } })],
      ['app', role('app', { marker: undefined })],
      ['reports', role('reports', { superuser: true })],
    ]),
  };
  t.same(instanceConflicts(desired, theirs, 'stow_admin'), [
    'role "orders" belongs to PostgresDatabase payments/orders',
    'role "app" exists and was not created by Stow',
    'role "reports" has SUPERUSER, REPLICATION or BYPASSRLS, which only a superuser can take away',
    'database "orders" belongs to PostgresDatabase payments/orders',
  ]);
  t.same(instanceConflicts({ ...desired, owner: 'stow_admin' }, EMPTY, 'stow_admin'), [
    'role "stow_admin" is the instance\'s master user',
  ]);
  const handMade: ObservedInstance = { database: { name: 'orders', owner: 'orders' }, roles: new Map() };
  t.same(instanceConflicts(desired, handMade, 'stow_admin'), [
    'database "orders" exists and was not created by Stow',
  ]);
  const cutShort: ObservedInstance = {
    database: { name: 'orders', owner: 'orders' },
    roles: new Map([['orders', role('orders')]]),
  };
  t.same(instanceConflicts(desired, cutShort, 'stow_admin'), [], 'created but not yet marked: ours');
  t.same(
    dropSteps(desired, theirs).map((step) => step.text),
    ['DROP ROLE IF EXISTS "reports"'],
    "Drop drops only what carries this resource's marker",
  );
  t.same(removeUserSteps(desired, role('app', { marker: { resource: 'payments/orders' } })), []);
  t.same(removeUserSteps(desired, role('orders')), [], 'never the owner');
});

t.test('removal and Drop: what Stow created for this resource, database first', async (t) => {
  t.same(texts(removeUserSteps(desired, role('reports'))), [
    'database: REASSIGN OWNED BY "reports" TO "orders"; DROP OWNED BY "reports"',
    'instance: DROP ROLE IF EXISTS "reports"',
  ]);
  const done: ObservedInstance = {
    database: { name: 'orders', owner: 'orders', marker: { resource: 'shop/orders' } },
    roles: new Map([
      ['orders', role('orders')],
      ['app', role('app')],
    ]),
  };
  t.same(texts(dropSteps(desired, done)), [
    'instance: DROP DATABASE IF EXISTS "orders" WITH (FORCE)',
    'instance: DROP ROLE IF EXISTS "app"',
    'instance: DROP ROLE IF EXISTS "orders"',
  ]);
});

t.test('markers: written and read back; anything else is no marker', async (t) => {
  for (const marker of [{ resource: 'shop/orders' }, { resource: 'a-b.c/d', access: 'readOnly' as const }])
    t.same(parseMarker(markerText(marker)), marker);
  for (const comment of [
    null,
    '',
    'hand made',
    'stow.dev/postgresdatabase=',
    'stow.dev/postgresdatabase=shop/orders access=superuser',
    ' stow.dev/postgresdatabase=shop/orders',
  ])
    t.equal(parseMarker(comment), undefined, JSON.stringify(comment));
  const observed = observedInstance(
    [{ name: 'orders', owner: 'orders', comment: 'stow.dev/postgresdatabase=shop/orders' }],
    [{ name: 'app', canLogin: true, superuser: false, comment: null, masterHasPrivileges: true }],
  );
  t.same(observed.database, { name: 'orders', owner: 'orders', marker: { resource: 'shop/orders' } });
  t.same(observed.roles.get('app')?.marker, undefined);
});

t.test('any name a bypassed webhook lets through is quoted wherever it appears', async (t) => {
  fc.assert(
    fc.property(identifierText, identifierText, identifierText, (databaseName, owner, user) => {
      fc.pre(owner !== user);
      const hostile: DesiredDatabase = {
        resource: 'shop/orders',
        databaseName,
        owner,
        users: [{ name: user, access: 'readOnly' }],
        extensions: [],
      };
      const passwords = new Map([
        [owner, 'owner-password-1'],
        [user, 'user-password-12'],
      ]);
      const steps = [
        ...instanceSteps(hostile, EMPTY, passwords, fakeVerifier),
        ...databaseSteps(hostile, EMPTY, FRESH_INSIDE),
      ];
      // Every `"` opens a delimited identifier that reads back as one of the three names.
      for (const { text } of steps) {
        let at = text.indexOf('"');
        while (at >= 0) {
          const token = readIdentifier(text, at);
          if (!token || ![databaseName, owner, user, 'extensions', 'public', '$user'].includes(token.value))
            return false;
          at = text.indexOf('"', token.end);
        }
      }
      return true;
    }),
    { numRuns: 2000 },
  );
  t.pass('every name is quoted wherever it appears');
});
