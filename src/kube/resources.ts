import { FIELD_MANAGER } from '../api/constants.js';
import type { ResourceType } from '../api/resource-type.js';
import { isKubeError, type KubeClient } from './client.js';
import { pathOf } from './paths.js';
import type { KubeObject } from './types.js';

const MERGE_PATCH = 'application/merge-patch+json';
const WRITE = { fieldManager: FIELD_MANAGER };

/** Which object: its namespace (ignored for cluster-scoped kinds) and name. */
export interface ObjectName {
  namespace?: string;
  name: string;
}

/**
 * The calls the controller makes, for any kind described by a ResourceType. Writes carry the stow
 * field manager.
 */
export class KubeResources {
  constructor(readonly client: KubeClient) {}

  /** The object, or undefined when there is none (404). */
  async get<T>(
    type: ResourceType<T>,
    { namespace, name }: ObjectName,
    signal?: AbortSignal,
  ): Promise<T | undefined> {
    try {
      return await this.client.request<T>('GET', pathOf(type, namespace, name), { signal });
    } catch (error) {
      if (isKubeError(error, 404)) return undefined;
      throw error;
    }
  }

  create<T extends { metadata: { namespace?: string | undefined } }>(
    type: ResourceType<T>,
    object: T,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.client.request('POST', pathOf(type, object.metadata.namespace), {
      body: object,
      query: WRITE,
      signal,
    });
  }

  /**
   * A merge patch of the object, or of its status subresource. With `metadata.resourceVersion` in it,
   * the API server refuses a stale write (409).
   */
  patch<T>(
    type: ResourceType<T>,
    { namespace, name }: ObjectName,
    patch: unknown,
    options: { signal?: AbortSignal | undefined; subresource?: 'status' } = {},
  ): Promise<T> {
    const path = pathOf(type, namespace, name);
    return this.client.request('PATCH', options.subresource ? `${path}/${options.subresource}` : path, {
      body: patch,
      contentType: MERGE_PATCH,
      query: WRITE,
      signal: options.signal,
    });
  }

  /** PUT with the object's resourceVersion: fails with 409 when someone else wrote it first. */
  replace<T extends KubeObject>(type: ResourceType<T>, object: T, signal?: AbortSignal): Promise<T> {
    return this.client.request('PUT', pathOf(type, object.metadata.namespace, object.metadata.name), {
      body: object,
      query: WRITE,
      signal,
    });
  }
}
