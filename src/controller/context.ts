import type { Logger } from 'pino';
import type { RdsGateway, RdsInstance } from '../aws/types.js';
import type { OperatorConfig } from '../config/schema.js';
import type { PolicySource } from '../policy/store.js';
import { POSTGRESDB_SNAPSHOTS, type PostgresDBSnapshot } from '../api/postgres-db-snapshot.js';
import type { AccessVerdicts } from './access-check.js';
import { type PostgresDB, POSTGRESDBS } from '../api/v1beta1.js';
import type { EventSink as KubeEventSink, EventType } from '../kube/events.js';
import { objectReference } from '../kube/references.js';
import type { KubeResources } from '../kube/resources.js';
import { type Secret, SECRETS, type Service, SERVICES } from '../kube/types.js';

/** The Kubernetes writes and reads a reconcile makes (kubeOps over KubeResources; a fake in unit tests). */
export interface KubeOps {
  /** A merge patch; with `metadata.resourceVersion` in it, the API server refuses a stale write (409). */
  patchPostgresDB(namespace: string, name: string, patch: unknown, signal?: AbortSignal): Promise<PostgresDB>;
  patchPostgresDBStatus(
    namespace: string,
    name: string,
    patch: unknown,
    signal?: AbortSignal,
  ): Promise<PostgresDB>;
  getSecret(namespace: string, name: string, signal?: AbortSignal): Promise<Secret | undefined>;
  createSecret(secret: Secret, signal?: AbortSignal): Promise<Secret>;
  patchSecret(namespace: string, name: string, patch: unknown, signal?: AbortSignal): Promise<Secret>;
  getService(namespace: string, name: string, signal?: AbortSignal): Promise<Service | undefined>;
  createService(service: Service, signal?: AbortSignal): Promise<Service>;
  patchService(namespace: string, name: string, patch: unknown, signal?: AbortSignal): Promise<Service>;
  getPostgresDB(namespace: string, name: string, signal?: AbortSignal): Promise<PostgresDB | undefined>;
  getPostgresDBSnapshot(
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<PostgresDBSnapshot | undefined>;
  createPostgresDBSnapshot(object: PostgresDBSnapshot, signal?: AbortSignal): Promise<PostgresDBSnapshot>;
}

export function kubeOps(kube: KubeResources): KubeOps {
  return {
    patchPostgresDB: (namespace, name, patch, signal) =>
      kube.patch(POSTGRESDBS, { namespace, name }, patch, { signal }),
    patchPostgresDBStatus: (namespace, name, patch, signal) =>
      kube.patch(POSTGRESDBS, { namespace, name }, patch, { signal, subresource: 'status' }),
    getSecret: (namespace, name, signal) => kube.get(SECRETS, { namespace, name }, signal),
    createSecret: (secret, signal) => kube.create(SECRETS, secret, signal),
    patchSecret: (namespace, name, patch, signal) =>
      kube.patch(SECRETS, { namespace, name }, patch, { signal }),
    getService: (namespace, name, signal) => kube.get(SERVICES, { namespace, name }, signal),
    createService: (service, signal) => kube.create(SERVICES, service, signal),
    patchService: (namespace, name, patch, signal) =>
      kube.patch(SERVICES, { namespace, name }, patch, { signal }),
    getPostgresDB: (namespace, name, signal) => kube.get(POSTGRESDBS, { namespace, name }, signal),
    getPostgresDBSnapshot: (namespace, name, signal) =>
      kube.get(POSTGRESDB_SNAPSHOTS, { namespace, name }, signal),
    createPostgresDBSnapshot: (object, signal) => kube.create(POSTGRESDB_SNAPSHOTS, object, signal),
  };
}

/** Events about a PostgresDB. */
export interface EventSink {
  record(
    object: PostgresDB,
    type: EventType,
    reason: string,
    message: string,
    signal?: AbortSignal,
  ): Promise<void>;
}

export function postgresDBEvents(events: KubeEventSink): EventSink {
  return {
    record: (object, ...rest) => events.record(objectReference(POSTGRESDBS, object), ...rest),
  };
}

export interface ObjectCache<T> {
  /** By `namespace/name`. */
  get(key: string): T | undefined;
}

/** The Secrets a reconcile reads, with their data (OwnedSecrets). */
export interface SecretReader {
  /** Undefined when the informer has not seen the Secret (absent, or not labelled managed-by=stow). */
  get(namespace: string, name: string, signal: AbortSignal): Promise<Secret | undefined>;
  /** Whether the informer has seen the Secret (no read). */
  seen(namespace: string, name: string): boolean;
}

/** Everything a reconcile uses, so tests can hand in their own. */
export interface ReconcilerContext {
  config: OperatorConfig;
  rds: RdsGateway;
  kube: KubeOps;
  secrets: SecretReader;
  services: ObjectCache<Service>;
  events: EventSink;
  /** Platform policies by namespace, checked before every AWS write. */
  policies: PolicySource;
  logger: Logger;
  /** How soon an instance that is not available (or has pending changes) is looked at again. */
  pollIntervalMs: number;
  /** Connecting with the Secret's credentials; absent when the check is turned off. */
  access?: AccessVerdicts | undefined;
  now(): Date;
}

export interface RunOptions {
  signal: AbortSignal;
  /** The instance as listed by the last resync; only trusted to confirm that nothing needs doing. */
  listed?: RdsInstance;
}
