import { createHash } from 'node:crypto';
import {
  MANAGED_BY_VALUE,
  TAG_CLUSTER,
  TAG_MANAGED_BY,
  TAG_NAME,
  TAG_NAMESPACE,
  TAG_UID,
} from '../api/constants.js';

export const MAX_IDENTIFIER_LENGTH = 63;
const HASH_LENGTH = 8;

/** The value the managed-by tag takes when a Retain deletion lets go of an instance. */
export const RETAINED_VALUE = 'retained';

export interface ResourceIdentity {
  clusterName: string;
  namespace: string;
  name: string;
  uid: string;
}

/** Lowercase letters, digits and single hyphens, no hyphen at either end. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function shortHash(identity: ResourceIdentity): string {
  const input = [identity.clusterName, identity.namespace, identity.name, identity.uid].join('/');
  return createHash('sha256').update(input).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * `<prefix>-<namespace>-<name>-<hash>`: readable in the AWS console, unique through the hash of
 * (cluster, namespace, name, uid), and valid by RDS rules (letter first, [a-z0-9-], no `--`, no
 * trailing hyphen, at most 63 characters). The readable part is shortened to make room for the hash.
 */
export function instanceIdentifier(prefix: string, identity: ResourceIdentity): string {
  const hash = shortHash(identity);
  const head = slug(prefix) || 'stow';
  const budget = MAX_IDENTIFIER_LENGTH - head.length - hash.length - 2;
  const readable = slug(`${identity.namespace}-${identity.name}`)
    .slice(0, Math.max(0, budget))
    .replace(/-+$/, '');
  return readable ? `${head}-${readable}-${hash}` : `${head}-${hash}`;
}

/**
 * Deterministic, so a retried deletion asks for the same snapshot; the uid part keeps two resources
 * that bound the same instance over time from colliding. Snapshot identifiers allow 255 characters.
 */
export function finalSnapshotIdentifier(instanceIdentifier: string, uid: string): string {
  const uidPart = slug(uid).replace(/-/g, '').slice(0, 8) || '0';
  return `${instanceIdentifier}-final-${uidPart}`;
}

export function ownershipTags(identity: ResourceIdentity): Record<string, string> {
  return {
    [TAG_CLUSTER]: identity.clusterName,
    [TAG_NAMESPACE]: identity.namespace,
    [TAG_NAME]: identity.name,
    [TAG_UID]: identity.uid,
    [TAG_MANAGED_BY]: MANAGED_BY_VALUE,
  };
}

/**
 * - `ours`: tagged with this resource's uid and still managed;
 * - `unmanaged`: no claim by any resource (never tagged, or released by a Retain deletion of a resource
 *   in this namespace and cluster);
 * - `other`: another resource manages it, or it was released by a resource of another namespace or
 *   cluster (whose data is not this namespace's to take).
 */
export type Ownership = 'ours' | 'unmanaged' | 'other';

export function ownershipOf(tags: Record<string, string>, identity: ResourceIdentity): Ownership {
  if (tags[TAG_MANAGED_BY] === MANAGED_BY_VALUE && tags[TAG_UID] !== undefined)
    return tags[TAG_UID] === identity.uid && tags[TAG_CLUSTER] === identity.clusterName ? 'ours' : 'other';
  const otherCluster = tags[TAG_CLUSTER] !== undefined && tags[TAG_CLUSTER] !== identity.clusterName;
  const otherNamespace = tags[TAG_NAMESPACE] !== undefined && tags[TAG_NAMESPACE] !== identity.namespace;
  return otherCluster || otherNamespace ? 'other' : 'unmanaged';
}

export function describeOwner(tags: Record<string, string>): string {
  const released = tags[TAG_MANAGED_BY] !== MANAGED_BY_VALUE ? ', which released it' : '';
  return `${tags[TAG_NAMESPACE] ?? '?'}/${tags[TAG_NAME] ?? '?'} (uid ${tags[TAG_UID] ?? '?'}) in cluster ${tags[TAG_CLUSTER] ?? '?'}${released}`;
}
