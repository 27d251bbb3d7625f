import type { Logger } from 'pino';
import { ANNOTATION_IDENTIFIER, ANNOTATION_RECONCILE, FINALIZER } from '../api/constants.js';
import type { PostgresDB } from '../api/v1beta1.js';
import type { RdsGateway, RdsInstance } from '../aws/types.js';
import type { OperatorConfig } from '../config/schema.js';
import type { PolicySource } from '../policy/store.js';
import type { EventSink } from './events.js';
import { instanceIdentifier, type ResourceIdentity } from './identifier.js';
import type { KubeResources } from './kube/resources.js';
import type { Secret, Service } from './kube/types.js';

/** The Kubernetes writes and reads a reconcile makes (KubeResources; a fake in unit tests). */
export type KubeOps = Pick<
  KubeResources,
  | 'patchPostgresDB'
  | 'patchPostgresDBStatus'
  | 'getSecret'
  | 'createSecret'
  | 'patchSecret'
  | 'getService'
  | 'createService'
  | 'patchService'
>;

export interface ObjectCache<T> {
  /** By `namespace/name`. */
  get(key: string): T | undefined;
}

/** The Secrets a reconcile reads, with their data (OwnedSecrets). */
export interface SecretReader {
  /** Undefined when the informer has not seen the Secret (absent, or not labelled managed-by=stow). */
  get(namespace: string, name: string, signal: AbortSignal): Promise<Secret | undefined>;
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
  now(): Date;
}

export interface RunOptions {
  signal: AbortSignal;
  /** The instance as listed by the last resync; only trusted to confirm that nothing needs doing. */
  listed?: RdsInstance;
}

export function identityOf(object: PostgresDB, config: OperatorConfig): ResourceIdentity {
  return {
    clusterName: config.clusterName,
    namespace: object.metadata.namespace ?? 'default',
    name: object.metadata.name ?? '',
    uid: object.metadata.uid ?? '',
  };
}

/**
 * The adoption annotation wins; then the identifier the resource is already bound to (so changing
 * the configured prefix or cluster name never orphans an instance); then the derived one.
 */
export function boundIdentifier(object: PostgresDB, config: OperatorConfig): string {
  return (
    object.metadata.annotations?.[ANNOTATION_IDENTIFIER] ??
    object.status?.dbInstanceIdentifier ??
    instanceIdentifier(config.identifierPrefix, identityOf(object, config))
  );
}

export function isPaused(object: PostgresDB): boolean {
  return object.metadata.annotations?.[ANNOTATION_RECONCILE] === 'paused';
}

export function isAdopting(object: PostgresDB): boolean {
  return object.metadata.annotations?.[ANNOTATION_IDENTIFIER] !== undefined;
}

export function hasFinalizer(object: PostgresDB): boolean {
  return object.metadata.finalizers?.includes(FINALIZER) ?? false;
}

export function objectKey(object: PostgresDB): string {
  return `${object.metadata.namespace}/${object.metadata.name}`;
}
