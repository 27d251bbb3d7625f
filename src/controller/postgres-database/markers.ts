import type { DatabaseAccess } from '../../api/postgres-database.js';

/**
 * Stow marks the databases and roles it creates with a comment naming the PostgresDatabase, so it
 * never takes over one it did not create, and a role's comment also records the access its grants
 * were made for, so grants are made again only when the access changes. Comments are readable by
 * anyone who can connect to the instance: they hold names only.
 */
const PREFIX = 'stow.dev/postgresdatabase=';

export type RoleAccess = DatabaseAccess | 'owner';

export interface Marker {
  /** `namespace/name` of the PostgresDatabase. */
  resource: string;
  /** For a role: the access its grants are in place for, once they are. */
  access?: RoleAccess;
}

export function markerText(marker: Marker): string {
  return marker.access
    ? `${PREFIX}${marker.resource} access=${marker.access}`
    : `${PREFIX}${marker.resource}`;
}

const PATTERN =
  /^stow\.dev\/postgresdatabase=([a-z0-9][-a-z0-9.]*\/[a-z0-9][-a-z0-9.]*)(?: access=(owner|readWrite|readOnly))?$/;

/** The marker a comment holds; undefined for no comment, or one Stow did not write. */
export function parseMarker(comment: string | null | undefined): Marker | undefined {
  const match = comment ? PATTERN.exec(comment) : null;
  if (!match) return undefined;
  const [, resource, access] = match;
  return access
    ? { resource: resource as string, access: access as RoleAccess }
    : { resource: resource as string };
}
