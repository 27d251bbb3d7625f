import { isDnsLabel, isDnsSubdomain, isInstanceClass, isSqlIdentifier } from '../../engine/char-classes.js';
import { type FieldError, fieldError } from './field-error.js';
import {
  POSTGRES_RESERVED_WORDS,
  RDS_RESERVED_USERNAMES,
  RESERVED_DATABASE_NAMES,
} from '../../engine/reserved-words.js';

export function validateInstanceClass(value: string): FieldError[] {
  return isInstanceClass(value)
    ? []
    : [
        fieldError(
          'spec.instanceClass',
          'must be an RDS instance class of the form db.<family>.<size>, e.g. db.t3.small',
          value,
        ),
      ];
}

export function validateDatabaseName(value: string): FieldError[] {
  const path = 'spec.databaseName';
  if (value.length < 1 || value.length > 63) return [fieldError(path, 'must be 1-63 characters long', value)];
  if (!isSqlIdentifier(value)) {
    return [
      fieldError(path, 'must start with a letter and contain only letters, digits and underscores', value),
    ];
  }
  const lower = value.toLowerCase();
  if (POSTGRES_RESERVED_WORDS.has(lower) || RESERVED_DATABASE_NAMES.has(lower)) {
    return [fieldError(path, 'is a reserved word in PostgreSQL or RDS', value)];
  }
  return [];
}

export function validateMasterUsername(value: string): FieldError[] {
  const path = 'spec.masterUsername';
  if (value.length < 1 || value.length > 16) return [fieldError(path, 'must be 1-16 characters long', value)];
  if (!isSqlIdentifier(value)) {
    return [
      fieldError(path, 'must start with a letter and contain only letters, digits and underscores', value),
    ];
  }
  const lower = value.toLowerCase();
  if (POSTGRES_RESERVED_WORDS.has(lower) || RDS_RESERVED_USERNAMES.has(lower) || lower.startsWith('pg_')) {
    return [fieldError(path, 'is a reserved word in PostgreSQL or RDS', value)];
  }
  return [];
}

/** RDS DB instance identifier rules (also used for adopted identifiers and snapshot names). */
export function rdsIdentifierProblem(value: string): string | undefined {
  if (value.length < 1 || value.length > 63) return 'must be 1-63 characters long';
  if (!/^[a-z]/.test(value)) return 'must start with a lowercase letter';
  if (!/^[a-z0-9-]+$/.test(value)) return 'must contain only lowercase letters, digits and hyphens';
  if (value.includes('--')) return 'must not contain two consecutive hyphens';
  if (value.endsWith('-')) return 'must not end with a hyphen';
  return undefined;
}

export function validateIdentifierAnnotation(value: string | undefined): FieldError[] {
  if (value === undefined) return [];
  const problem = rdsIdentifierProblem(value);
  return problem
    ? [fieldError('metadata.annotations[stow.dev/identifier]', `${problem} (RDS identifier rules)`, value)]
    : [];
}

export function validateSecretName(value: string, path = 'spec.secretName'): FieldError[] {
  return value.length <= 253 && isDnsSubdomain(value)
    ? []
    : [
        fieldError(
          path,
          'must be a DNS subdomain: lowercase letters, digits, "-" and ".", at most 253 characters',
          value,
        ),
      ];
}

export function validateServiceName(value: string): FieldError[] {
  return value.length <= 63 && isDnsLabel(value)
    ? []
    : [
        fieldError(
          'spec.serviceName',
          'must be a DNS label starting with a letter: lowercase letters, digits and "-", at most 63 characters',
          value,
        ),
      ];
}

export function validateSubnetGroupName(value: string | undefined): FieldError[] {
  if (value === undefined || value === '') return [];
  return value.length <= 255 && /^[A-Za-z0-9._ -]+$/.test(value) && value.toLowerCase() !== 'default'
    ? []
    : [
        fieldError(
          'spec.subnetGroupName',
          'must be at most 255 letters, digits, periods, underscores, spaces or hyphens, and not "default"',
          value,
        ),
      ];
}

export function validateParameterGroupName(value: string | undefined): FieldError[] {
  if (value === undefined || value === '') return [];
  const problem =
    value.length > 255 ||
    !/^[A-Za-z][A-Za-z0-9-.]*$/.test(value) ||
    value.includes('--') ||
    value.endsWith('-');
  return problem
    ? [
        fieldError(
          'spec.parameterGroupName',
          'must start with a letter, contain only letters, digits, periods and hyphens, with no "--" or trailing hyphen',
          value,
        ),
      ]
    : [];
}
