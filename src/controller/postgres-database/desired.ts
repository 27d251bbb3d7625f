import type { DatabaseAccess, PostgresDatabase } from '../../api/postgres-database.js';

/** What a PostgresDatabase asks for inside its instance, every name resolved. */
export interface DesiredDatabase {
  /** `namespace/name` of the PostgresDatabase, written on what Stow creates for it. */
  resource: string;
  databaseName: string;
  owner: string;
  users: ReadonlyArray<{ name: string; access: DatabaseAccess }>;
  extensions: readonly string[];
}

/**
 * From a defaulted, valid PostgresDatabase (admission's rules and defaults, which the reconciler runs
 * again in case the webhook was bypassed). A name still missing is a bug of the caller.
 */
export function desiredDatabase(object: PostgresDatabase, namespace: string): DesiredDatabase {
  const { spec, metadata } = object;
  if (!metadata.name || !spec.databaseName || !spec.owner)
    throw new Error('desiredDatabase needs a named, defaulted PostgresDatabase');
  return {
    resource: `${namespace}/${metadata.name}`,
    databaseName: spec.databaseName,
    owner: spec.owner,
    users: (spec.users ?? []).map(({ name, access }) => ({ name, access })),
    extensions: (spec.extensions ?? []).map((extension) => extension.name),
  };
}
