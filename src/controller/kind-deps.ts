import type { Logger } from 'pino';
import type { RdsGateway } from '../aws/types.js';
import type { OperatorConfig } from '../config/schema.js';
import type { BackoffPolicy } from '../kube/backoff.js';
import type { KubeClient } from '../kube/client.js';
import type { EventSink } from '../kube/events.js';
import type { KubeResources } from '../kube/resources.js';
import type { PolicySource } from '../policy/store.js';
import type { ControllerMetrics } from './metrics.js';

export interface RuntimeSettings {
  resyncPeriodMs: number;
  pollIntervalMs: number;
  watchdogMs: number;
  relistPeriodMs: number;
  concurrency: number;
  backoff?: BackoffPolicy;
}

/** What every kind's controller is made with: the clients, configuration and policies the replica shares. */
export interface KindDeps {
  client: KubeClient;
  kube: KubeResources;
  rds: RdsGateway;
  config: OperatorConfig;
  logger: Logger;
  metrics: ControllerMetrics;
  events: EventSink;
  policies: PolicySource;
  settings: RuntimeSettings;
}
