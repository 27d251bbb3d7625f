import { invalidParameterValue } from '../errors.js';

const identifierPattern = /^[a-z][a-z0-9-]{0,62}$/;
const snapshotIdentifierPattern = /^[a-z][a-z0-9-]{0,254}$/;

/** RDS identifiers are case-insensitive and stored in lower case. */
export function normalizeIdentifier(raw: string, parameter: string): string {
  return normalized(raw, parameter, identifierPattern);
}

/** Snapshot identifiers follow the same rules with up to 255 characters. */
export function normalizeSnapshotIdentifier(raw: string, parameter: string): string {
  return normalized(raw, parameter, snapshotIdentifierPattern);
}

function normalized(raw: string, parameter: string, pattern: RegExp): string {
  const id = raw.toLowerCase();
  if (!pattern.test(id) || id.endsWith('-') || id.includes('--')) {
    throw invalidParameterValue(
      `The parameter ${parameter} is not a valid identifier. Identifiers must begin with a letter; ` +
        'must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two ' +
        'consecutive hyphens.',
    );
  }
  return id;
}

// `postgres` is allowed: it is the RDS console's default master user name.
const reservedUsernames = new Set(['rdsadmin', 'rdsrepladmin', 'rds_superuser', 'rds_replication']);

export function validateMasterUsername(username: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(username)) {
    throw invalidParameterValue(
      'The parameter MasterUsername is not a valid identifier: it must be 1 to 63 letters, digits or ' +
        'underscores, starting with a letter.',
    );
  }
  if (reservedUsernames.has(username.toLowerCase())) {
    throw invalidParameterValue(
      `MasterUsername ${username} cannot be used as it is a reserved word used by the engine`,
    );
  }
}

export function validateMasterPassword(password: string): void {
  if (password.length < 8) {
    throw invalidParameterValue(
      'The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.',
    );
  }
  if (password.length > 128) {
    throw invalidParameterValue(
      'The parameter MasterUserPassword is not a valid password because it is longer than 128 characters.',
    );
  }
  if (!/^[\x21-\x7e]+$/.test(password) || /[/"@]/.test(password)) {
    throw invalidParameterValue(
      "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', " +
        "'@', '\"', ' ' may be used.",
    );
  }
}

const reservedDatabaseNames = new Set(['template0', 'template1', 'rdsadmin']);

export function validateDatabaseName(name: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw invalidParameterValue(
      `The parameter DBName is not a valid identifier: ${name}. It must be 1 to 63 letters, digits or ` +
        'underscores, starting with a letter.',
    );
  }
  if (reservedDatabaseNames.has(name.toLowerCase())) {
    throw invalidParameterValue(
      `DatabaseName ${name} cannot be used as it is a reserved word used by the engine`,
    );
  }
}

export function validateInstanceClass(instanceClass: string): void {
  if (!/^db\.[a-z0-9-]+\.[a-z0-9]+$/.test(instanceClass)) {
    throw invalidParameterValue(`Invalid DB Instance class: ${instanceClass}`);
  }
}
