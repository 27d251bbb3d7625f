import type { Logger } from 'pino';
import type { RdsGateway, RdsInstance } from '../aws/types.js';
import type { OperatorConfig } from '../config/schema.js';
import type { PolicySource } from '../policy/store.js';
import type { EventSink } from './events.js';
import type { KubeResources } from '../kube/resources.js';
import type { Secret, Service } from '../kube/types.js';

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
