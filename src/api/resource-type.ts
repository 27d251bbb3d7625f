import { GROUP, HUB_VERSION } from './constants.js';

/**
 * A kind of Kubernetes object as the client addresses it: the API group and version, the kind, the
 * plural of its collection, and whether it lives in namespaces. Each kind states this once, beside its
 * schema; paths, owner references and Event references are derived from it.
 */
export interface ResourceType<T = unknown> {
  /** '' for the core group (Secrets, Services, Events, Namespaces). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Never set: it only carries the objects' type to the compiler. */
  readonly objects?: T;
}

/** One of Stow's own kinds, served in the hub version. */
export function stowResource<T>(
  kind: string,
  plural: string,
  scope: 'Namespaced' | 'Cluster',
): ResourceType<T> {
  return { group: GROUP, version: HUB_VERSION, kind, plural, namespaced: scope === 'Namespaced' };
}

/** `stow.dev/v1beta1`, or `v1` for the core group. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}
