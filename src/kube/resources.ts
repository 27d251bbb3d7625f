import { FIELD_MANAGER } from '../api/constants.js';
import type { PostgresDB } from '../api/v1beta1.js';
import { isKubeError, type KubeClient } from './client.js';
import { corePath, leasePath, postgresDBPath } from './paths.js';
import type { CoreEvent, Lease, Secret, Service } from './types.js';

const MERGE_PATCH = 'application/merge-patch+json';
const WRITE = { fieldManager: FIELD_MANAGER };

/** The Kubernetes calls the controller makes, by resource. Writes carry the stow field manager. */
export class KubeResources {
  constructor(readonly client: KubeClient) {}

  /** A merge patch; with `metadata.resourceVersion` in it, the API server refuses a stale write (409). */
  patchPostgresDB(
    namespace: string,
    name: string,
    patch: unknown,
    signal?: AbortSignal,
  ): Promise<PostgresDB> {
    return this.client.request('PATCH', postgresDBPath(namespace, name), {
      body: patch,
      contentType: MERGE_PATCH,
      query: WRITE,
      signal,
    });
  }

  patchPostgresDBStatus(
    namespace: string,
    name: string,
    patch: unknown,
    signal?: AbortSignal,
  ): Promise<PostgresDB> {
    return this.client.request('PATCH', `${postgresDBPath(namespace, name)}/status`, {
      body: patch,
      contentType: MERGE_PATCH,
      query: WRITE,
      signal,
    });
  }

  async getSecret(namespace: string, name: string, signal?: AbortSignal): Promise<Secret | undefined> {
    return this.getOptional<Secret>(corePath('secrets', namespace, name), signal);
  }

  createSecret(secret: Secret, signal?: AbortSignal): Promise<Secret> {
    return this.client.request('POST', corePath('secrets', secret.metadata.namespace), {
      body: secret,
      query: WRITE,
      signal,
    });
  }

  patchSecret(namespace: string, name: string, patch: unknown, signal?: AbortSignal): Promise<Secret> {
    return this.client.request('PATCH', corePath('secrets', namespace, name), {
      body: patch,
      contentType: MERGE_PATCH,
      query: WRITE,
      signal,
    });
  }

  async getService(namespace: string, name: string, signal?: AbortSignal): Promise<Service | undefined> {
    return this.getOptional<Service>(corePath('services', namespace, name), signal);
  }

  createService(service: Service, signal?: AbortSignal): Promise<Service> {
    return this.client.request('POST', corePath('services', service.metadata.namespace), {
      body: service,
      query: WRITE,
      signal,
    });
  }

  patchService(namespace: string, name: string, patch: unknown, signal?: AbortSignal): Promise<Service> {
    return this.client.request('PATCH', corePath('services', namespace, name), {
      body: patch,
      contentType: MERGE_PATCH,
      query: WRITE,
      signal,
    });
  }

  createEvent(event: CoreEvent, signal?: AbortSignal): Promise<CoreEvent> {
    return this.client.request('POST', corePath('events', event.metadata.namespace), { body: event, signal });
  }

  patchEvent(namespace: string, name: string, patch: unknown, signal?: AbortSignal): Promise<CoreEvent> {
    return this.client.request('PATCH', corePath('events', namespace, name), {
      body: patch,
      contentType: MERGE_PATCH,
      signal,
    });
  }

  getLease(namespace: string, name: string, signal?: AbortSignal): Promise<Lease | undefined> {
    return this.getOptional<Lease>(leasePath(namespace, name), signal);
  }

  createLease(lease: Lease, signal?: AbortSignal): Promise<Lease> {
    return this.client.request('POST', leasePath(lease.metadata.namespace ?? 'default'), {
      body: lease,
      signal,
    });
  }

  /** PUT with the lease's resourceVersion: fails with 409 when someone else wrote it first. */
  replaceLease(lease: Lease, signal?: AbortSignal): Promise<Lease> {
    return this.client.request('PUT', leasePath(lease.metadata.namespace ?? 'default', lease.metadata.name), {
      body: lease,
      signal,
    });
  }

  private async getOptional<T>(path: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.client.request<T>('GET', path, { signal });
    } catch (error) {
      if (isKubeError(error, 404)) return undefined;
      throw error;
    }
  }
}
