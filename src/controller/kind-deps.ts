import type { Logger } from 'pino';
import type { RdsGateway } from '../aws/types.js';
import type { OperatorConfig } from '../config/schema.js';
import type { BackoffPolicy } from '../kube/backoff.js';
import type { KubeClient } from '../kube/client.js';
import type { EventSink } from '../kube/events.js';
import type { KubeResources } from '../kube/resources.js';
import type { PolicySource } from '../policy/store.js';
import type { PostgresDB } from '../api/v1beta1.js';
import { cachedResource } from './cached-objects.js';
import type { ControllerMetrics } from './metrics.js';
import type { KindRunnerOptions } from './runtime/kind-runner.js';

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

/**
 * What every kind's KindRunner is made with, apart from its type and reconciler: the replica's
 * client, logger, watched namespaces, timing, concurrency and metrics; objects cached without their
 * write history (cachedResource).
 */
export function kindRunnerOptions<T extends Pick<PostgresDB, 'metadata'>>(
  deps: KindDeps,
): Omit<KindRunnerOptions<T>, 'type' | 'reconciler'> {
  const { settings } = deps;
  return {
    client: deps.client,
    logger: deps.logger,
    namespaces: deps.config.watchNamespaces ?? [],
    transform: cachedResource,
    watchdogMs: settings.watchdogMs,
    relistPeriodMs: settings.relistPeriodMs,
    concurrency: settings.concurrency,
    ...(settings.backoff ? { backoff: settings.backoff } : {}),
    metrics: deps.metrics.runtime,
  };
}
