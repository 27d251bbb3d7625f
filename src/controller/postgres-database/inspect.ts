import { type Marker, markerText, parseMarker } from './markers.js';

/** A parameterised query: names travel as values ($1), never inside the text. */
export interface SqlQuery {
  text: string;
  values: unknown[];
}

export interface ObservedDatabase {
  name: string;
  owner: string;
  marker?: Marker;
}

export interface ObservedRole {
  name: string;
  marker?: Marker;
  canLogin: boolean;
  superuser: boolean;
  createRole: boolean;
  createDb: boolean;
  replication: boolean;
  bypassRls: boolean;
  /** Whether the connected (master) user has the role's privileges: it must, to hand it a database. */
  masterHasPrivileges: boolean;
}

/** What the instance holds of a PostgresDatabase, read over the master user's connection. */
export interface ObservedInstance {
  database?: ObservedDatabase;
  /** By name; a role that does not exist is absent. */
  roles: ReadonlyMap<string, ObservedRole>;
}

/** What the database itself holds, read over a connection to it. */
export interface ObservedInside {
  /** Schemas and their owners, PostgreSQL's own left out. */
  schemas: ReadonlyMap<string, string>;
  extensions: ReadonlySet<string>;
}

// Every catalog object is qualified with pg_catalog: inside a tenant's database, the master user's
// session must not resolve a name through a schema the tenant writes.

export function inspectDatabaseQuery(databaseName: string): SqlQuery {
  return {
    text: `SELECT d.datname AS name, pg_catalog.pg_get_userbyid(d.datdba) AS owner,
  pg_catalog.shobj_description(d.oid, 'pg_database') AS comment
FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) $1`,
    values: [databaseName],
  };
}

/**
 * The roles of these names and, given the resource (`namespace/name`), every role its marker names:
 * a user removed from the spec is found by its marker, whatever status remembers.
 */
export function inspectRolesQuery(roleNames: readonly string[], resource?: string): SqlQuery {
  const columns = `SELECT r.rolname AS name, r.rolcanlogin AS "canLogin", r.rolsuper AS superuser,
  r.rolcreaterole AS "createRole", r.rolcreatedb AS "createDb", r.rolreplication AS replication,
  r.rolbypassrls AS "bypassRls",
  pg_catalog.pg_has_role(CURRENT_USER, r.oid, 'USAGE') AS "masterHasPrivileges",
  pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment
FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])`;
  if (resource === undefined) return { text: columns, values: [[...roleNames]] };
  const marker = markerText({ resource });
  return {
    text: `${columns}
  OR pg_catalog.shobj_description(r.oid, 'pg_authid') OPERATOR(pg_catalog.=) $2
  OR pg_catalog.starts_with(pg_catalog.shobj_description(r.oid, 'pg_authid'), $3)`,
    values: [[...roleNames], marker, `${marker} `],
  };
}

export const INSPECT_SCHEMAS_QUERY: SqlQuery = {
  text: `SELECT n.nspname AS name, pg_catalog.pg_get_userbyid(n.nspowner) AS owner
FROM pg_catalog.pg_namespace n
WHERE n.nspname OPERATOR(pg_catalog.!~) '^pg_' AND n.nspname OPERATOR(pg_catalog.<>) 'information_schema'`,
  values: [],
};

export const INSPECT_EXTENSIONS_QUERY: SqlQuery = {
  text: 'SELECT e.extname AS name FROM pg_catalog.pg_extension e',
  values: [],
};

type Row = Record<string, unknown>;

export function observedInstance(databaseRows: readonly Row[], roleRows: readonly Row[]): ObservedInstance {
  const [database] = databaseRows;
  const roles = new Map<string, ObservedRole>();
  for (const row of roleRows) {
    const marker = parseMarker(row.comment as string | null);
    roles.set(String(row.name), {
      name: String(row.name),
      ...(marker ? { marker } : {}),
      canLogin: row.canLogin === true,
      superuser: row.superuser === true,
      createRole: row.createRole === true,
      createDb: row.createDb === true,
      replication: row.replication === true,
      bypassRls: row.bypassRls === true,
      masterHasPrivileges: row.masterHasPrivileges === true,
    });
  }
  if (!database) return { roles };
  const marker = parseMarker(database.comment as string | null);
  return {
    database: { name: String(database.name), owner: String(database.owner), ...(marker ? { marker } : {}) },
    roles,
  };
}

export function observedInside(schemaRows: readonly Row[], extensionRows: readonly Row[]): ObservedInside {
  return {
    schemas: new Map(schemaRows.map((row) => [String(row.name), String(row.owner)])),
    extensions: new Set(extensionRows.map((row) => String(row.name))),
  };
}
