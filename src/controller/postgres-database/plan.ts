// The SQL of a PostgresDatabase, as pure functions of what is wanted and what the instance holds. A
// reconcile, over the master user's connection to the instance's own database:
//   1. desiredDatabase(defaulted object, namespace)                                  desired.ts
//   2. inspectDatabaseQuery, inspectRolesQuery → observedInstance                    inspect.ts
//   3. instanceConflicts: anything not Stow's under these names stops here (Ready False, with them)
//   4. a password for each role to create, in its Secret first (ADR 0004), then instanceSteps
//   5. into the database: SET search_path = SESSION_SEARCH_PATH, INSPECT_SCHEMAS_QUERY and
//      INSPECT_EXTENSIONS_QUERY → observedInside; insideConflicts; databaseSteps
//   6. users no longer listed: removeUserSteps; on delete with deletionPolicy Drop: dropSteps;
//      a new password: passwordStep
// Each step is run on its own; a step marked secret is never logged (its summary is). ADR 0021.
import type { DatabaseAccess } from '../../api/postgres-database.js';
import {
  quoteIdentifier as id,
  quoteLiteral as literal,
  scramSha256Verifier,
} from '../../engine/postgres-sql.js';
import type { DesiredDatabase } from './desired.js';
import type { ObservedInside, ObservedInstance, ObservedRole } from './inspect.js';
import { markerText, type RoleAccess } from './markers.js';

/**
 * One statement. `instance` steps run over the master user's connection to the instance's own
 * database; `database` steps over its connection to the PostgresDatabase's database. Each runs on
 * its own (CREATE DATABASE cannot run in a transaction); a step of several statements runs as one
 * transaction. Every name is quoted and every value a literal.
 */
export interface SqlStep {
  target: 'instance' | 'database';
  text: string;
  /** What the step does, for logs and Events: names only. */
  summary: string;
  /** The text holds a password verifier: it is never logged. */
  secret?: true;
}

/** Turns a password into what `PASSWORD '…'` carries; the default never sends the password itself. */
export type Verifier = (password: string) => string;

/** The schema Stow installs extensions into: the master user's, so no tenant can shape what an extension script sees. */
export const EXTENSIONS_SCHEMA = 'extensions';

/**
 * Run first on every connection into a tenant's database: nothing the tenant creates is found by
 * name (CVE-2018-1058). The inspection queries qualify every name as well.
 */
export const SESSION_SEARCH_PATH = 'pg_catalog';

const step = (target: SqlStep['target'], text: string, summary: string): SqlStep => ({
  target,
  text,
  summary,
});

/** Attributes every role Stow creates has: it can log in, and nothing more. */
const LEAST = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';

const TABLE_PRIVILEGES: Record<DatabaseAccess, string> = {
  readWrite: 'SELECT, INSERT, UPDATE, DELETE',
  readOnly: 'SELECT',
};
const SEQUENCE_PRIVILEGES: Record<DatabaseAccess, string> = {
  readWrite: 'USAGE, SELECT, UPDATE',
  readOnly: 'SELECT',
};
/** Temporary tables are a write, if a private one: not for readOnly. */
const DATABASE_PRIVILEGES: Record<DatabaseAccess, string> = {
  readWrite: 'CONNECT, TEMPORARY',
  readOnly: 'CONNECT',
};

function roles(desired: DesiredDatabase): Array<{ name: string; access: RoleAccess }> {
  return [{ name: desired.owner, access: 'owner' }, ...desired.users];
}

const isOurs = (desired: DesiredDatabase, role: ObservedRole | undefined) =>
  role?.marker?.resource === desired.resource;

/** A database without its marker is Stow's when its owner is (Stow marks the database last, so a reconcile cut short leaves it so). */
function databaseIsOurs(desired: DesiredDatabase, observed: ObservedInstance): boolean {
  const database = observed.database;
  if (!database) return false;
  if (database.marker) return database.marker.resource === desired.resource;
  return database.owner === desired.owner && isOurs(desired, observed.roles.get(desired.owner));
}

/**
 * Why Stow will not touch what the instance holds under these names; empty when everything is either
 * absent or Stow's for this PostgresDatabase.
 */
export function instanceConflicts(
  desired: DesiredDatabase,
  observed: ObservedInstance,
  masterUser: string,
): string[] {
  const conflicts: string[] = [];
  for (const { name } of roles(desired)) {
    const role = observed.roles.get(name);
    if (name === masterUser) conflicts.push(`role "${name}" is the instance's master user`);
    else if (role && !isOurs(desired, role))
      conflicts.push(
        role.marker
          ? `role "${name}" belongs to PostgresDatabase ${role.marker.resource}`
          : `role "${name}" exists and was not created by Stow`,
      );
    else if (role && (role.superuser || role.replication || role.bypassRls))
      conflicts.push(
        `role "${name}" has SUPERUSER, REPLICATION or BYPASSRLS, which only a superuser can take away`,
      );
  }
  const database = observed.database;
  if (database && !databaseIsOurs(desired, observed))
    conflicts.push(
      database.marker
        ? `database "${database.name}" belongs to PostgresDatabase ${database.marker.resource}`
        : `database "${database.name}" exists and was not created by Stow`,
    );
  return conflicts;
}

/**
 * The roles with the least privilege that works (log in; no superuser, no CREATEROLE, no CREATEDB;
 * `rds_superuser` is never granted), the master user made a member of each (PostgreSQL lets only a
 * member hand a role a database, alter its default privileges or drop what it owns), then the
 * database, owned by its owner and closed to PUBLIC: only the roles granted CONNECT reach it.
 * `passwords` holds the roles whose password is to be set (every role created needs one).
 * Run only when instanceConflicts is empty.
 */
export function instanceSteps(
  desired: DesiredDatabase,
  observed: ObservedInstance,
  passwords: ReadonlyMap<string, string>,
  verifier: Verifier = scramSha256Verifier,
): SqlStep[] {
  const steps: SqlStep[] = [];
  for (const { name } of roles(desired)) {
    const role = observed.roles.get(name);
    const password = passwords.get(name);
    if (!role) {
      if (password === undefined) throw new Error(`role "${name}" is to be created and needs a password`);
      steps.push({
        ...step(
          'instance',
          `CREATE ROLE ${id(name)} ${LEAST} PASSWORD ${literal(verifier(password))}; COMMENT ON ROLE ${id(name)} IS ${literal(markerText({ resource: desired.resource }))}`,
          `create role "${name}"`,
        ),
        secret: true,
      });
    } else {
      if (role.createRole || role.createDb)
        steps.push(
          step(
            'instance',
            `ALTER ROLE ${id(name)} NOCREATEDB NOCREATEROLE`,
            `take CREATEDB and CREATEROLE from role "${name}"`,
          ),
        );
      if (!role.canLogin)
        steps.push(step('instance', `ALTER ROLE ${id(name)} LOGIN`, `let role "${name}" log in`));
      if (password !== undefined) steps.push(passwordStep(name, password, verifier));
    }
    if (!role?.masterHasPrivileges)
      steps.push(
        step(
          'instance',
          `GRANT ${id(name)} TO CURRENT_USER`,
          `make the master user a member of role "${name}"`,
        ),
      );
  }
  const database = observed.database;
  const db = id(desired.databaseName);
  if (!database) {
    steps.push(
      step(
        'instance',
        `CREATE DATABASE ${db} OWNER ${id(desired.owner)}`,
        `create database "${desired.databaseName}"`,
      ),
    );
  } else if (database.owner !== desired.owner) {
    steps.push(
      step(
        'instance',
        `ALTER DATABASE ${db} OWNER TO ${id(desired.owner)}`,
        `give database "${desired.databaseName}" to role "${desired.owner}"`,
      ),
    );
  }
  if (!database?.marker)
    steps.push(
      step(
        'instance',
        `REVOKE ALL ON DATABASE ${db} FROM PUBLIC`,
        `close database "${desired.databaseName}" to PUBLIC`,
      ),
    );
  return steps;
}

/** `ALTER ROLE … PASSWORD '<SCRAM verifier>'`: the password itself never leaves Stow. */
export function passwordStep(
  role: string,
  password: string,
  verifier: Verifier = scramSha256Verifier,
): SqlStep {
  return {
    ...step(
      'instance',
      `ALTER ROLE ${id(role)} PASSWORD ${literal(verifier(password))}`,
      `set the password of role "${role}"`,
    ),
    secret: true,
  };
}

/** Why Stow will not install extensions here: a schema named like its own that the master user does not own. */
export function insideConflicts(
  desired: DesiredDatabase,
  inside: ObservedInside,
  masterUser: string,
): string[] {
  const owner = inside.schemas.get(EXTENSIONS_SCHEMA);
  const missing = desired.extensions.some((extension) => !inside.extensions.has(extension));
  return missing && owner !== undefined && owner !== masterUser
    ? [
        `schema "${EXTENSIONS_SCHEMA}" belongs to role "${owner}", not the master user; Stow installs extensions there`,
      ]
    : [];
}

function grantSteps(
  desired: DesiredDatabase,
  user: string,
  access: DatabaseAccess,
  schemas: readonly string[],
  revokeFirst: boolean,
): SqlStep[] {
  const role = id(user);
  const owner = id(desired.owner);
  const db = id(desired.databaseName);
  const statements: string[] = [];
  if (revokeFirst) {
    statements.push(`REVOKE ALL ON DATABASE ${db} FROM ${role}`);
    for (const schema of schemas)
      statements.push(
        `REVOKE ALL ON ALL TABLES IN SCHEMA ${id(schema)} FROM ${role}`,
        `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${id(schema)} FROM ${role}`,
      );
    statements.push(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} REVOKE ALL ON TABLES FROM ${role}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} REVOKE ALL ON SEQUENCES FROM ${role}`,
    );
  }
  statements.push(`GRANT ${DATABASE_PRIVILEGES[access]} ON DATABASE ${db} TO ${role}`);
  for (const schema of schemas)
    statements.push(
      `GRANT USAGE ON SCHEMA ${id(schema)} TO ${role}`,
      `GRANT ${TABLE_PRIVILEGES[access]} ON ALL TABLES IN SCHEMA ${id(schema)} TO ${role}`,
      `GRANT ${SEQUENCE_PRIVILEGES[access]} ON ALL SEQUENCES IN SCHEMA ${id(schema)} TO ${role}`,
    );
  statements.push(
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} GRANT USAGE ON SCHEMAS TO ${role}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} GRANT ${TABLE_PRIVILEGES[access]} ON TABLES TO ${role}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} GRANT ${SEQUENCE_PRIVILEGES[access]} ON SEQUENCES TO ${role}`,
    `COMMENT ON ROLE ${role} IS ${literal(markerText({ resource: desired.resource, access }))}`,
  );
  return [
    step(
      'database',
      statements.join('; '),
      `grant ${access} on database "${desired.databaseName}" to role "${user}"`,
    ),
  ];
}

/**
 * Inside the database, after instanceSteps: the extensions, in a schema of the master user's on every
 * role's search path; each user's grants, made again only when its access changed (readWrite: rows of
 * every table and sequence, no schema changes; readOnly: reading them), on what exists and, as default
 * privileges, on what the owner creates later; the markers last, so a reconcile cut short is redone.
 */
export function databaseSteps(
  desired: DesiredDatabase,
  observed: ObservedInstance,
  inside: ObservedInside,
): SqlStep[] {
  const steps: SqlStep[] = [];
  const missing = desired.extensions.filter((extension) => !inside.extensions.has(extension));
  if (missing.length) {
    const schema = id(EXTENSIONS_SCHEMA);
    if (!inside.schemas.has(EXTENSIONS_SCHEMA))
      steps.push(
        step(
          'database',
          `CREATE SCHEMA ${schema} AUTHORIZATION CURRENT_USER; GRANT USAGE ON SCHEMA ${schema} TO PUBLIC; ALTER DATABASE ${id(desired.databaseName)} SET search_path = "$user", public, ${schema}`,
          `create schema "${EXTENSIONS_SCHEMA}" for extensions`,
        ),
      );
    for (const extension of missing)
      steps.push(
        step(
          'database',
          `CREATE EXTENSION IF NOT EXISTS ${id(extension)} SCHEMA ${schema}`,
          `create extension "${extension}"`,
        ),
      );
  }
  const schemas = [...inside.schemas.keys()].filter((schema) => schema !== EXTENSIONS_SCHEMA).sort();
  for (const { name, access } of desired.users) {
    const applied = observed.roles.get(name)?.marker?.access;
    if (applied !== access) steps.push(...grantSteps(desired, name, access, schemas, applied !== undefined));
  }
  const owner = observed.roles.get(desired.owner)?.marker?.access;
  if (owner !== 'owner')
    steps.push(
      step(
        'database',
        `COMMENT ON ROLE ${id(desired.owner)} IS ${literal(markerText({ resource: desired.resource, access: 'owner' }))}`,
        `mark role "${desired.owner}" as the owner`,
      ),
    );
  if (observed.database?.marker?.resource !== desired.resource)
    steps.push(
      step(
        'database',
        `COMMENT ON DATABASE ${id(desired.databaseName)} IS ${literal(markerText({ resource: desired.resource }))}`,
        `mark database "${desired.databaseName}"`,
      ),
    );
  return steps;
}

/**
 * A user no longer listed: what it owns goes to the owner, its privileges are revoked (inside the
 * database), then the role is dropped (on the instance). Only a role of this PostgresDatabase's.
 */
export function removeUserSteps(desired: DesiredDatabase, role: ObservedRole): SqlStep[] {
  if (!isOurs(desired, role) || role.name === desired.owner) return [];
  const name = id(role.name);
  return [
    step(
      'database',
      `REASSIGN OWNED BY ${name} TO ${id(desired.owner)}; DROP OWNED BY ${name}`,
      `revoke what role "${role.name}" holds in database "${desired.databaseName}"`,
    ),
    step('instance', `DROP ROLE IF EXISTS ${name}`, `drop role "${role.name}"`),
  ];
}

/**
 * deletionPolicy Drop: the database, its connections closed first (WITH (FORCE), PostgreSQL 13+),
 * then its roles. Only what is this PostgresDatabase's: anything else is left where it is.
 */
export function dropSteps(desired: DesiredDatabase, observed: ObservedInstance): SqlStep[] {
  const steps: SqlStep[] = [];
  const database = observed.database;
  if (database && databaseIsOurs(desired, observed))
    steps.push(
      step(
        'instance',
        `DROP DATABASE IF EXISTS ${id(database.name)} WITH (FORCE)`,
        `drop database "${database.name}"`,
      ),
    );
  // The users, any other role marked for this resource (a user removed earlier), the owner last.
  const users = desired.users.map((user) => user.name);
  const others = [...observed.roles.keys()].filter((name) => name !== desired.owner && !users.includes(name));
  for (const name of [...users, ...others, desired.owner]) {
    if (isOurs(desired, observed.roles.get(name)))
      steps.push(step('instance', `DROP ROLE IF EXISTS ${id(name)}`, `drop role "${name}"`));
  }
  return steps;
}
