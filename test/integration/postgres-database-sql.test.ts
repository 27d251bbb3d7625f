// The SQL of PostgresDatabase against a real PostgreSQL (Debian's package, test/support/postgres-server.ts),
// run as RDS runs its master user: no superuser, CREATEROLE and CREATEDB, a member of rds_superuser.
// Escaping round-trips through the server's own parser; hostile names (a bypassed webhook) create
// exactly the objects they name and nothing else; each role can do what its access says and no more;
// one team cannot reach another's database.
import fc from 'fast-check';
import type pg from 'pg';
import t from 'tap';
import type { DesiredDatabase } from '../../src/controller/postgres-database/desired.js';
import {
  INSPECT_EXTENSIONS_QUERY,
  INSPECT_SCHEMAS_QUERY,
  inspectDatabaseQuery,
  inspectRolesQuery,
  type ObservedInstance,
  observedInside,
  observedInstance,
} from '../../src/controller/postgres-database/inspect.js';
import {
  databaseSteps,
  dropSteps,
  insideConflicts,
  instanceConflicts,
  instanceSteps,
  passwordStep,
  removeUserSteps,
  SESSION_SEARCH_PATH,
  type SqlStep,
} from '../../src/controller/postgres-database/plan.js';
import { quoteIdentifier, quoteLiteral } from '../../src/engine/postgres-sql.js';
import { identifierText, ORDERS } from '../support/postgres-database.js';
import {
  createRdsLikeMaster,
  type Login,
  type PostgresServer,
  startPostgresServer,
} from '../support/postgres-server.js';

const server: PostgresServer = await startPostgresServer();
t.teardown(() => server.stop());
const master: Login = await createRdsLikeMaster(server);
const maintenance = await server.connect(master);
t.teardown(() => maintenance.end());

async function observe(desired: DesiredDatabase): Promise<ObservedInstance> {
  const names = [desired.owner, ...desired.users.map((user) => user.name)];
  const [database, roles] = await Promise.all([
    maintenance.query(inspectDatabaseQuery(desired.databaseName)),
    maintenance.query(inspectRolesQuery(names)),
  ]);
  return observedInstance(database.rows, roles.rows);
}

/** A connection into the database as the master user, with the search path a tenant cannot shape. */
async function inside(databaseName: string): Promise<pg.Client> {
  const client = await server.connect(master, databaseName);
  await client.query(`SET search_path = ${SESSION_SEARCH_PATH}`);
  return client;
}

async function run(steps: SqlStep[], databaseName: string): Promise<void> {
  let database: pg.Client | undefined;
  try {
    for (const step of steps) {
      if (step.target === 'database') database ??= await inside(databaseName);
      await (step.target === 'instance' ? maintenance : database)?.query(step.text);
    }
  } finally {
    await database?.end();
  }
}

/** One reconcile as the controller will run it: the summaries of the steps run, or the conflicts. */
async function reconcile(desired: DesiredDatabase, passwords = new Map<string, string>()) {
  const observed = await observe(desired);
  const conflicts = instanceConflicts(desired, observed, master.user);
  if (conflicts.length) return { conflicts, ran: [] };
  const first = instanceSteps(desired, observed, passwords);
  await run(first, desired.databaseName);
  const client = await inside(desired.databaseName);
  let second: SqlStep[];
  try {
    const [schemas, extensions] = await Promise.all([
      client.query(INSPECT_SCHEMAS_QUERY),
      client.query(INSPECT_EXTENSIONS_QUERY),
    ]);
    const found = observedInside(schemas.rows, extensions.rows);
    const insideConflicting = insideConflicts(desired, found, master.user);
    if (insideConflicting.length)
      return { conflicts: insideConflicting, ran: first.map((step) => step.summary) };
    second = databaseSteps(desired, observed, found);
  } finally {
    await client.end();
  }
  await run(second, desired.databaseName);
  return { conflicts: [], ran: [...first, ...second].map((step) => step.summary) };
}

const login = (user: string, password: string): Login => ({ user, password });

/** The error a client gets, or 'ok'. */
async function attempt(who: Login, database: string, sql: string): Promise<string> {
  let client: pg.Client | undefined;
  try {
    client = await server.connect(who, database);
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client?.end();
  }
}

t.test(
  'any name quotes to one identifier, and any text to one literal, as the server parses them',
  async (t) => {
    const wellFormed = identifierText.filter((text) => Buffer.from(text).toString() === text);
    await fc.assert(
      fc.asyncProperty(wellFormed, async (name) => {
        const result = await maintenance.query(`SELECT 1 AS ${quoteIdentifier(name)}`);
        return result.fields.length === 1 && result.fields[0]?.name === name;
      }),
      { numRuns: 300 },
    );
    const text = fc.string({ unit: 'grapheme', maxLength: 200 }).filter((value) => !value.includes('\u0000'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(text, fc.constantFrom("'; select 1; --", 'a\\', "\\'", "E'x'")),
        async (value) => {
          const result = await maintenance.query(`SELECT ${quoteLiteral(value)}::text AS v`);
          return result.rows.length === 1 && result.rows[0].v === value;
        },
      ),
      { numRuns: 300 },
    );
    t.pass('round trips through the server');
  },
);

t.test('hostile names (a bypassed webhook) create exactly what they name, and run nothing', async (t) => {
  const admin = await server.connect(server.superuser);
  t.teardown(() => admin.end());
  await admin.query('CREATE TABLE sentinel (id int)');
  const hostile: DesiredDatabase = {
    resource: 'shop/hostile',
    databaseName: 'x"; DROP TABLE sentinel; --',
    owner: "o'; DROP ROLE stow_admin; --",
    users: [{ name: 'Ünïcödé "quoted" \\ $$ role', access: 'readOnly' }],
    extensions: [],
  };
  const passwords = new Map([
    [hostile.owner, 'owner-password-1'],
    [hostile.users[0]!.name, 'user-password-12'],
  ]);
  t.same((await reconcile(hostile, passwords)).conflicts, []);
  t.same(
    (await admin.query('SELECT count(*)::int AS n FROM sentinel')).rows,
    [{ n: 0 }],
    'the sentinel table is there',
  );
  t.same(
    (await admin.query(inspectDatabaseQuery(hostile.databaseName))).rows.length,
    1,
    'the database has that exact name',
  );
  const roles = await admin.query(inspectRolesQuery([hostile.owner, hostile.users[0]!.name, master.user]));
  t.equal(roles.rows.length, 3, 'both roles have their exact names, and the master user is still there');
  t.equal(
    await attempt(login(hostile.owner, 'owner-password-1'), hostile.databaseName, 'CREATE TABLE t (id int)'),
    'ok',
  );
  t.equal(
    await attempt(login(hostile.users[0]!.name, 'user-password-12'), hostile.databaseName, 'SELECT * FROM t'),
    'ok',
  );
  await run(dropSteps(hostile, await observe(hostile)), hostile.databaseName);
  t.same((await observe(hostile)).roles.size, 0, 'and Drop removes exactly them');
});

const orders = ORDERS;
const payments: DesiredDatabase = {
  resource: 'billing/payments',
  databaseName: 'payments',
  owner: 'payments',
  users: [],
  extensions: [],
};
const PASSWORDS = new Map([
  ['orders', 'orders-password-1'],
  ['app', 'app-password-123'],
  ['reports', 'reports-password'],
  ['payments', 'payments-password'],
]);
const as = (user: string) => login(user, PASSWORDS.get(user) as string);

t.test(
  'two teams on one instance: each role does what its access says, and no team reaches the other',
  async (t) => {
    t.same((await reconcile(orders, PASSWORDS)).conflicts, []);
    t.same((await reconcile(payments, PASSWORDS)).conflicts, []);
    t.same((await reconcile(orders)).ran, [], 'a second reconcile runs nothing');
    t.same((await reconcile(payments)).ran, []);

    t.equal(
      await attempt(
        as('orders'),
        'orders',
        "CREATE TABLE items (id serial PRIMARY KEY, name text); INSERT INTO items (name) VALUES ('a')",
      ),
      'ok',
      'the owner creates tables and writes',
    );
    t.equal(
      await attempt(as('orders'), 'orders', 'SELECT encode(gen_random_bytes(4), $$hex$$)'),
      'ok',
      'the extension is on the search path',
    );
    t.equal(
      await attempt(
        as('app'),
        'orders',
        "INSERT INTO items (name) VALUES ('b'); UPDATE items SET name = 'c'; SELECT * FROM items",
      ),
      'ok',
      'readWrite writes rows',
    );
    t.match(
      await attempt(as('app'), 'orders', 'CREATE TABLE mine (id int)'),
      /permission denied for schema public/,
      'readWrite changes no schema',
    );
    t.match(await attempt(as('app'), 'orders', 'DROP TABLE items'), /must be owner of table items/);
    t.equal(await attempt(as('reports'), 'orders', 'SELECT count(*) FROM items'), 'ok', 'readOnly reads');
    t.match(
      await attempt(as('reports'), 'orders', "INSERT INTO items (name) VALUES ('x')"),
      /permission denied for table items/,
      'readOnly cannot write',
    );
    t.match(
      await attempt(as('reports'), 'orders', 'CREATE TEMP TABLE scratch (id int)'),
      /permission denied to create temporary tables/,
    );

    t.match(
      await attempt(as('payments'), 'orders', 'SELECT 1'),
      /permission denied for database "orders"/,
      'another team cannot connect',
    );
    t.match(await attempt(as('orders'), 'payments', 'SELECT 1'), /permission denied for database "payments"/);
    t.match(
      await attempt(as('reports'), 'payments', 'SELECT 1'),
      /permission denied for database "payments"/,
    );

    const attributes = await maintenance.query(
      `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,
       pg_has_role(rolname, 'rds_superuser', 'MEMBER') AS rds FROM pg_roles WHERE rolname = ANY ($1)`,
      [['orders', 'app', 'reports', 'payments']],
    );
    for (const row of attributes.rows)
      t.same(
        [row.rolsuper, row.rolcreaterole, row.rolcreatedb, row.rolreplication, row.rolbypassrls, row.rds],
        [false, false, false, false, false, false],
        `${row.rolname}: no superuser, CREATEROLE, CREATEDB, REPLICATION, BYPASSRLS or rds_superuser`,
      );
  },
);

t.test("nothing is taken over: another resource's database, a role made by hand", async (t) => {
  const admin = await server.connect(server.superuser);
  t.teardown(() => admin.end());
  await admin.query('CREATE ROLE hand LOGIN');
  t.same((await reconcile({ ...orders, resource: 'other/orders', users: [] }, PASSWORDS)).conflicts, [
    'role "orders" belongs to PostgresDatabase shop/orders',
    'database "orders" belongs to PostgresDatabase shop/orders',
  ]);
  t.same((await reconcile({ ...payments, resource: 'x/y', databaseName: 'y', owner: 'hand' })).conflicts, [
    'role "hand" exists and was not created by Stow',
  ]);
  await admin.query('CREATE DATABASE handmade');
  t.same(
    (
      await reconcile(
        { ...payments, resource: 'x/y', databaseName: 'handmade', owner: 'y' },
        new Map([['y', 'y-password-123']]),
      )
    ).conflicts,
    ['database "handmade" exists and was not created by Stow'],
  );
  t.equal(await attempt(as('payments'), 'payments', 'CREATE SCHEMA extensions'), 'ok');
  t.same((await reconcile({ ...payments, extensions: ['citext'] })).conflicts, [
    'schema "extensions" belongs to role "payments", not the master user; Stow installs extensions there',
  ]);
});

t.test('access changes, a new password, a user removed', async (t) => {
  const upgraded: DesiredDatabase = {
    ...orders,
    users: [orders.users[0]!, { name: 'reports', access: 'readWrite' }],
  };
  t.same((await reconcile(upgraded)).ran, ['grant readWrite on database "orders" to role "reports"']);
  t.equal(await attempt(as('reports'), 'orders', "INSERT INTO items (name) VALUES ('r')"), 'ok');
  t.same((await reconcile(orders)).ran, ['grant readOnly on database "orders" to role "reports"']);
  t.match(
    await attempt(as('reports'), 'orders', "INSERT INTO items (name) VALUES ('r')"),
    /permission denied for table items/,
  );

  await run([passwordStep('reports', 'rotated-password')], 'orders');
  t.match(
    await attempt(as('reports'), 'orders', 'SELECT 1'),
    /password authentication failed/,
    'the old password fails',
  );
  t.equal(
    await attempt(login('reports', 'rotated-password'), 'orders', 'SELECT 1'),
    'ok',
    'the new one works',
  );

  const withoutApp: DesiredDatabase = { ...orders, users: [orders.users[1]!] };
  const app = (await observe(orders)).roles.get('app');
  if (!app) throw new Error('app was created');
  await run(removeUserSteps(withoutApp, app), 'orders');
  t.notOk((await observe(orders)).roles.has('app'), 'the role is gone');
  t.same((await reconcile(withoutApp)).ran, []);
});

t.test('Drop: connections closed, the database and its roles gone, the other team untouched', async (t) => {
  const connected = await server.connect(login('reports', 'rotated-password'), 'orders');
  connected.on('error', () => undefined);
  const current = { ...orders, users: [orders.users[1]!] };
  await run(dropSteps(current, await observe(current)), 'orders');
  t.same(await observe(orders), { roles: new Map() }, 'no database, no role');
  await connected.end().catch(() => undefined);
  t.same((await reconcile(payments)).ran, [], 'payments is as it was');
  t.equal(await attempt(as('payments'), 'payments', 'SELECT 1'), 'ok');
});
