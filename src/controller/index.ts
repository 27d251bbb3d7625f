import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { SdkRdsGateway } from '../aws/sdk-gateway.js';
import type { RdsGateway } from '../aws/types.js';
import type { OperatorConfig } from '../config/schema.js';
import type { BackoffPolicy } from '../kube/backoff.js';
import { type PolicySource, PolicyStore } from '../policy/store.js';
import { EventRecorder } from '../kube/events.js';
import { createKubeClient, type RequestObserver } from '../kube/client.js';
import { KubeResources } from '../kube/resources.js';
import type { LeaderElectionOptions } from '../kube/leader-election.js';
import { controllerMetrics } from './metrics.js';
import type { KindDeps } from './kind-deps.js';
import { PostgresDBController, type ResyncReport } from './postgresdb-controller.js';
import { PostgresDBSnapshotController } from './postgresdb-snapshot/controller.js';
import { type Controller, type Leadership, Manager } from './runtime/manager.js';

export type { LeaderElectionOptions } from '../kube/leader-election.js';
export type { KindDeps } from './kind-deps.js';
export type { ResyncReport } from './postgresdb-controller.js';

/** A reconciled kind: how its controller is made for a term of leadership. */
export type KindRegistration = (deps: KindDeps, leadership: Leadership) => Controller;

/** PostgresDB: RDS instances, with their Secrets and Services. */
export const postgresDBKind: KindRegistration = (deps, leadership) =>
  new PostgresDBController({ ...deps, operatorObject: leadership.operatorObject });

/** PostgresDBSnapshot: RDS snapshots of PostgresDBs' instances, and the snapshots no object binds. */
export const postgresDBSnapshotKind: KindRegistration = (deps, leadership) =>
  new PostgresDBSnapshotController({ ...deps, operatorObject: leadership.operatorObject });

export interface StartControllerOptions {
  kubeConfig: KubeConfig;
  /** The kinds to reconcile, all under one leader election. */
  kinds: readonly KindRegistration[];
  config: OperatorConfig;
  /** Default: the AWS SDK gateway (default credential chain; AWS_ENDPOINT_URL_RDS honoured). */
  rds?: RdsGateway;
  /** For the default gateway: an RDS endpoint overriding the environment (the emulator). */
  rdsEndpoint?: string;
  logger: Logger;
  registry: Registry;
  leaderElection: LeaderElectionOptions;
  /** Default: config.resyncPeriodSeconds. */
  resyncPeriodSeconds?: number;
  /** How soon a non-available instance is looked at again. Default 15. */
  pollIntervalSeconds?: number;
  /** Reconnect a watch silent this long. Default 300. */
  watchdogSeconds?: number;
  /** Full re-list of the watched objects this often. Default 1800. */
  relistPeriodSeconds?: number;
  /** Default: config.reconcileConcurrency. */
  concurrency?: number;
  backoff?: BackoffPolicy;
  /** A Kubernetes request without an answer for this long fails (watches excepted). Default 30. */
  requestTimeoutSeconds?: number;
  /** Platform policies; default: a PolicyStore of the controller's own, watched while it runs. */
  policies?: PolicySource;
  /** Sees every Kubernetes request the controller makes (tests count writes with it). */
  observeKubeRequest?: RequestObserver;
  /** Told when this replica starts and stops leading. */
  onLeadership?: (leading: boolean) => void;
}

export interface RunningController {
  /** Stops reconciling, then releases the Lease. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** Runs a resync now and waits until the reconciles it queued are done; undefined when not leading. */
  resyncNow(): Promise<ResyncReport | undefined>;
  /** Resolves when the work queue is empty and idle (immediately when not leading). */
  waitIdle(): Promise<void>;
}

/**
 * Campaigns for the Lease; while this replica holds it, runs a controller for every registered kind.
 * Losing the Lease stops reconciling at once (in-flight calls are aborted); the replica then campaigns
 * again.
 */
export async function startController(options: StartControllerOptions): Promise<RunningController> {
  const { config, logger } = options;
  const server = options.kubeConfig.getCurrentCluster()?.server;
  const metrics = controllerMetrics(options.registry, {
    apiServerHost: server ? new URL(server).host : '',
    leaseName: options.leaderElection.name,
  });
  const observe: RequestObserver = (method, path, code) => {
    metrics.kubeRequest(method, path, code);
    options.observeKubeRequest?.(method, path, code);
  };
  const client = await createKubeClient(options.kubeConfig, {
    observe,
    ...(options.requestTimeoutSeconds ? { requestTimeoutMs: options.requestTimeoutSeconds * 1000 } : {}),
  });
  const kube = new KubeResources(client);
  const ownGateway = options.rds
    ? undefined
    : new SdkRdsGateway({
        region: config.region,
        registry: options.registry,
        budget: config.awsCallBudget,
        ...(options.rdsEndpoint ? { endpoint: options.rdsEndpoint } : {}),
      });
  const controllerLogger = logger.child({ component: 'controller' });
  const ownPolicies = options.policies ? undefined : new PolicyStore(client, controllerLogger);
  await ownPolicies?.start();
  const deps: KindDeps = {
    client,
    kube,
    rds: options.rds ?? ownGateway!,
    config,
    logger: controllerLogger,
    metrics,
    events: new EventRecorder(kube, 'stow-controller', options.leaderElection.identity, controllerLogger),
    policies: options.policies ?? ownPolicies!,
    settings: {
      resyncPeriodMs: (options.resyncPeriodSeconds ?? config.resyncPeriodSeconds) * 1000,
      pollIntervalMs: (options.pollIntervalSeconds ?? 15) * 1000,
      watchdogMs: (options.watchdogSeconds ?? 300) * 1000,
      relistPeriodMs: (options.relistPeriodSeconds ?? 1800) * 1000,
      concurrency: options.concurrency ?? config.reconcileConcurrency,
      ...(options.backoff ? { backoff: options.backoff } : {}),
    },
  };
  const manager = new Manager({
    kube,
    leaderElection: options.leaderElection,
    logger: controllerLogger,
    controllers: options.kinds.map((kind) => (leadership: Leadership) => kind(deps, leadership)),
    onLeadership: (leading) => {
      metrics.isLeader(leading);
      options.onLeadership?.(leading);
    },
  });
  manager.start();

  const postgresDBs = () => manager.controllers().find((c) => c instanceof PostgresDBController);
  return {
    async stop() {
      await manager.stop();
      await ownPolicies?.stop();
      client.close();
      ownGateway?.destroy();
    },
    isLeader: () => manager.isLeader(),
    async resyncNow() {
      const current = postgresDBs();
      if (!current) return undefined;
      const report = await current.resyncNow();
      await current.waitIdle();
      return report;
    },
    waitIdle: () => manager.waitIdle(),
  };
}
