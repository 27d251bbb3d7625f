// Builders for the PostgresDatabase admission and SQL tests, and the hostile names issue 13 names.
import fc from 'fast-check';
import type { PostgresDatabase, PostgresDatabaseSpec } from '../../src/api/postgres-database.js';
import type { DesiredDatabase } from '../../src/controller/postgres-database/desired.js';
import { formatFieldError } from '../../src/admission/rules/field-error.js';
import {
  type DatabaseRulesContext,
  validateDatabaseCreate,
} from '../../src/admission/rules/postgres-database.js';

export const DATABASE_CONTEXT: DatabaseRulesContext = { namespace: 'shop', masterUsername: 'stow_admin' };

/** A valid PostgresDatabase `orders` in namespace shop on the PostgresDB `main`, with `patch` merged into its spec. */
export function pgDatabase(
  patch: Partial<PostgresDatabaseSpec> = {},
  metadata: PostgresDatabase['metadata'] = { name: 'orders' },
): PostgresDatabase {
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDatabase',
    metadata: { namespace: 'shop', ...metadata },
    spec: { instanceRef: { name: 'main' }, ...patch },
  };
}

/** Formatted errors of a CREATE of `pgDatabase(patch)`. */
export function databaseErrors(
  patch: Partial<PostgresDatabaseSpec> = {},
  context: DatabaseRulesContext = DATABASE_CONTEXT,
): string[] {
  return validateDatabaseCreate(pgDatabase(patch), context).errors.map(formatFieldError);
}

/** Names that must never reach PostgreSQL as a database, role or extension name. */
export const HOSTILE_NAMES: ReadonlyArray<readonly [title: string, name: string]> = [
  ['a quote that ends the identifier', 'x"; drop table users; --'],
  ['a quote that ends a literal', "x'; drop table users; --"],
  ['a name of 64 characters', 'a'.repeat(64)],
  ['a name of 100,000 characters', 'b'.repeat(100_000)],
  ['a reserved word', 'select'],
  ['another reserved word', 'user'],
  ['a Cyrillic look-alike letter', 'оrders'],
  ['a Greek look-alike letter', 'οrders'],
  ['a full-width letter', 'ｏrders'],
  ['a NUL byte', 'orders\u0000'],
  ['only a NUL byte', '\u0000'],
  ['a newline', 'orders\nx'],
  ['an emoji', '🐘'],
  ['upper case', 'Orders'],
  ['a backslash', 'a\\b'],
  ['a space', 'a b'],
  ['a leading digit', '1orders'],
  ['the empty string', ''],
  ['the prefix pg_', 'pg_orders'],
];

/** Any text without NUL of 1-63 bytes, what PostgreSQL keeps as a name: every plane, quotes, backslashes. */
export const identifierText = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc
      .array(fc.constantFrom('"', "'", '\\', ';', '-', ' ', '\n', 'a', 'é', '$', '(', ')'), { maxLength: 40 })
      .map((chars) => chars.join('')),
  )
  .filter((text) => text.length > 0 && !text.includes('\u0000') && Buffer.byteLength(text) <= 63);

/** What the PostgresDatabase shop/orders with a readWrite and a readOnly user and pgcrypto asks for. */
export const ORDERS: DesiredDatabase = {
  resource: 'shop/orders',
  databaseName: 'orders',
  owner: 'orders',
  users: [
    { name: 'app', access: 'readWrite' },
    { name: 'reports', access: 'readOnly' },
  ],
  extensions: ['pgcrypto'],
};
