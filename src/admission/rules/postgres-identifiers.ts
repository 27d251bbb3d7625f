import { isExtensionName, isLowerSqlIdentifier, MAX_IDENTIFIER_BYTES } from '../../engine/char-classes.js';
import { postgres } from '../../engine/engine.js';
import {
  POSTGRES_RESERVED_WORDS,
  RDS_RESERVED_USERNAMES,
  RESERVED_DATABASE_NAMES,
  RESERVED_ROLE_NAMES,
} from '../../engine/reserved-words.js';
import { type FieldError, fieldError } from './field-error.js';

/** What a name inside an instance names: each kind has its own reserved names. */
export type IdentifierKind = 'database' | 'role' | 'extension';

const LOWER_IDENTIFIER =
  'must start with a lowercase letter and contain only lowercase letters, digits and underscores';
const EXTENSION =
  'must start with a lowercase letter and contain only lowercase letters, digits, underscores and hyphens';

/**
 * Why `value` cannot name a database, role or extension Stow creates, or undefined when it can. The
 * alphabet is ASCII and lowercase, so a name means the same quoted or not, and no look-alike letter,
 * control character or quote gets through; every name is quoted in SQL all the same.
 */
export function identifierProblem(kind: IdentifierKind, value: string): string | undefined {
  if (value.length === 0 || Buffer.byteLength(value, 'utf8') > MAX_IDENTIFIER_BYTES)
    return `must be 1-${MAX_IDENTIFIER_BYTES} characters long`;
  if (kind === 'extension' ? !isExtensionName(value) : !isLowerSqlIdentifier(value))
    return kind === 'extension' ? EXTENSION : LOWER_IDENTIFIER;
  if (POSTGRES_RESERVED_WORDS.has(value)) return 'is a reserved word in PostgreSQL';
  if (value.startsWith('pg_')) return 'must not start with pg_ (reserved for PostgreSQL)';
  if (kind === 'role') {
    if (value.startsWith('rds') || RDS_RESERVED_USERNAMES.has(value))
      return 'must not start with rds (reserved for the roles of RDS)';
    if (RESERVED_ROLE_NAMES.has(value)) return 'is reserved for a role every instance has';
  }
  if (kind === 'database' && (RESERVED_DATABASE_NAMES.has(value) || value === postgres.defaultDatabase))
    return 'is reserved for a database every instance has';
  return undefined;
}

export function validateIdentifier(kind: IdentifierKind, path: string, value: string): FieldError[] {
  const problem = identifierProblem(kind, value);
  return problem === undefined ? [] : [fieldError(path, problem, value)];
}
