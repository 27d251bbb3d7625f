import {
  quoteIdentifier as escapeIdentifier,
  quoteLiteral as escapeLiteral,
  scramSha256Verifier,
} from '../../engine/postgres-sql.js';

/**
 * The SQL an emulated RDS instance's server runs, built from user input with pg's escaping only
 * (through the engine's quoting, which also refuses what PostgreSQL would silently change).
 * `CREATE ROLE … PASSWORD` takes no bind parameters, so the password goes in as a literal; and it
 * goes in as its SCRAM verifier, never in clear.
 */

/** The role RDS makes the master user a member of; like RDS, the master is not a superuser. */
export const RDS_SUPERUSER = 'rds_superuser';

export interface MasterSetup {
  username: string;
  password: string;
  /** CreateDBInstance's DBName: a database owned by the master user. */
  databaseName?: string | undefined;
}

/** Statements run once, as the bootstrap superuser, before the instance is reported created. */
export function masterSetupStatements({ username, password, databaseName }: MasterSetup): string[] {
  const master = escapeIdentifier(username);
  return [
    `CREATE ROLE ${escapeIdentifier(RDS_SUPERUSER)} NOLOGIN`,
    `GRANT pg_monitor, pg_signal_backend TO ${escapeIdentifier(RDS_SUPERUSER)}`,
    `CREATE ROLE ${master} LOGIN CREATEDB CREATEROLE IN ROLE ${escapeIdentifier(RDS_SUPERUSER)} PASSWORD ${passwordLiteral(password)}`,
    `ALTER DATABASE postgres OWNER TO ${master}`,
    ...(databaseName ? [`CREATE DATABASE ${escapeIdentifier(databaseName)} OWNER ${master}`] : []),
  ];
}

/** What ModifyDBInstance's MasterUserPassword does inside the instance. */
export function setPasswordStatement(username: string, password: string): string {
  return `ALTER ROLE ${escapeIdentifier(username)} PASSWORD ${passwordLiteral(password)}`;
}

function passwordLiteral(password: string): string {
  return escapeLiteral(scramSha256Verifier(password));
}
