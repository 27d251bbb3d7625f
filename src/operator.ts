import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { OperatorConfig } from './config/schema.js';
import type { PolicySource } from './policy/store.js';
import type { Logger } from './util/logger.js';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_CONFIG_FILE, loadConfig } from './config/load.js';
import { conversionPlugin } from './conversion/index.js';
import { createLogger } from './util/logger.js';
import { createRegistry } from './util/metrics.js';
import { CertWatcher } from './server/cert-watcher.js';
import { servingCertificateExpiry } from './server/certificate-metrics.js';
import { buildMetricsServer, buildWebhookServer, replaceCertificate } from './server/server.js';
import {
  type KindRegistration,
  postgresDBKind,
  postgresDBSnapshotKind,
  type RunningController,
  startController,
} from './controller/index.js';
import { postgresDatabaseKind } from './controller/postgres-database/controller.js';
import { createKubeClient } from './kube/client.js';
import { PolicyStore } from './policy/store.js';
import { subjectAccessReviewAuthorizer } from './admission/adoption-authorizer.js';
import { admissionRoutes } from './admission/plugin.js';
import { kubeRestoreSources } from './admission/restore-sources.js';
import { postgresDatabaseAdmission } from './admission/postgres-database.js';
import { postgresDBAdmission } from './admission/postgresdb.js';
import { postgresDBSnapshotAdmission } from './admission/postgres-db-snapshot.js';
import { loadKubeConfig } from './kube/kubeconfig.js';

export interface RunFlags {
  config?: string;
  'tls-dir'?: string;
  'webhook-port'?: string;
  'metrics-port'?: string;
  'bind-address'?: string;
  controller?: boolean;
  webhooks?: boolean;
  'leader-election-namespace'?: string;
  'leader-election-id'?: string;
}

class UsageError extends Error {
  override name = 'UsageError';
}

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new UsageError(`--${flag} must be a port number 0-65535 (got ${JSON.stringify(value)})`);
  }
  return parsed;
}

export interface RunningOperator {
  webhookServer?: FastifyInstance;
  controller?: RunningController;
  metricsServer: FastifyInstance;
  stop(): Promise<void>;
}

/** Starts the webhook server, the metrics server and (leader-elected) controller; returns handles. */
export async function startOperator(flags: RunFlags): Promise<RunningOperator> {
  const started: Array<() => Promise<void>> = [];
  try {
    return await startParts(flags, started);
  } catch (error) {
    // A half-started operator must not keep the process alive (a listening server would).
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

async function startParts(flags: RunFlags, started: Array<() => Promise<void>>): Promise<RunningOperator> {
  const logger = createLogger();
  const config = loadConfig(flags.config ? resolve(flags.config) : DEFAULT_CONFIG_FILE);
  const registry = createRegistry();
  const host = flags['bind-address'] ?? '0.0.0.0';
  const webhooksEnabled = flags.webhooks ?? true;
  const controllerEnabled = flags.controller ?? true;
  if (!webhooksEnabled && !controllerEnabled)
    throw new UsageError('--no-webhooks and --no-controller leave nothing to run');

  // Webhooks and controller share one view of the platform policies (and one Kubernetes client).
  const kubeConfig = loadKubeConfig();
  const client = await createKubeClient(kubeConfig);
  started.push(async () => client.close());
  const policies = new PolicyStore(client, logger.child({ component: 'policy' }));
  await policies.start();
  started.push(() => policies.stop());

  let webhookServer: FastifyInstance | undefined;
  if (webhooksEnabled) {
    const tlsDir = resolve(flags['tls-dir'] ?? 'certs/dev');
    const certificateExpiry = servingCertificateExpiry(registry);
    const certWatcher = new CertWatcher({
      dir: tlsDir,
      logger,
      onChange: (pair) => {
        replaceCertificate(server, pair);
        certificateExpiry(pair.notAfter);
      },
    });
    certificateExpiry(certWatcher.initial.notAfter);
    const admission = postgresDBAdmission(config, {
      policies,
      adoption: subjectAccessReviewAuthorizer(client),
      restoreSources: kubeRestoreSources(client),
    });
    const server = buildWebhookServer({
      logger,
      registry,
      tls: certWatcher.initial,
      routes: [
        admissionRoutes(
          [admission, postgresDatabaseAdmission(config, { policies }), postgresDBSnapshotAdmission()],
          logger,
        ),
      ],
      plugins: [async (app) => app.register(conversionPlugin, { registry, logger })],
    });
    webhookServer = server;
    await server.listen({ host, port: port(flags['webhook-port'], 9443, 'webhook-port') });
    started.push(() => server.close().then(() => undefined));
    certWatcher.start();
    started.push(async () => certWatcher.stop());
  }

  const controller = controllerEnabled
    ? await startElectedController({
        config,
        logger,
        registry,
        kubeConfig,
        policies,
        ...(flags['leader-election-namespace'] ? { leaseNamespace: flags['leader-election-namespace'] } : {}),
        ...(flags['leader-election-id'] ? { leaseName: flags['leader-election-id'] } : {}),
      })
    : undefined;
  if (controller) started.push(() => controller.stop());

  const metricsServer = buildMetricsServer({
    logger,
    registry,
    notReadyReason: () =>
      webhooksEnabled && !webhookServer?.server.listening ? 'webhook server not listening' : undefined,
  });
  await metricsServer.listen({ host, port: port(flags['metrics-port'], 8080, 'metrics-port') });
  logger.info(
    {
      webhooks: webhookServer ? webhookServer.server.address() : 'off',
      metrics: metricsServer.server.address(),
      controller: controllerEnabled,
    },
    'stow is running',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('shutting down');
      // The same list a failed start unwinds: last started, first stopped.
      for (const stopPart of [...started].reverse()) await stopPart();
      await metricsServer.close();
    })();
    return stopping;
  };
  return { webhookServer, controller, metricsServer, stop };
}

export const LEASE_NAME = 'stow-controller';

/** The kinds the controller reconciles, under one leader election: a new kind is one line here. */
export const RECONCILED_KINDS: readonly KindRegistration[] = [
  postgresDBKind,
  postgresDatabaseKind,
  postgresDBSnapshotKind,
];

/** The controller, leader-elected on a Lease in the pod's namespace, named after the pod. */
function startElectedController(opts: {
  config: OperatorConfig;
  logger: Logger;
  registry: Registry;
  leaseNamespace?: string;
  leaseName?: string;
  leaseDurationSeconds?: number;
  kubeConfig?: KubeConfig;
  policies?: PolicySource;
}): Promise<RunningController> {
  return startController({
    kinds: RECONCILED_KINDS,
    kubeConfig: opts.kubeConfig ?? loadKubeConfig(),
    ...(opts.policies ? { policies: opts.policies } : {}),
    config: opts.config,
    logger: opts.logger,
    registry: opts.registry,
    leaderElection: {
      namespace: opts.leaseNamespace ?? process.env.POD_NAMESPACE ?? 'default',
      name: opts.leaseName ?? LEASE_NAME,
      identity: process.env.POD_NAME ?? `${hostname()}-${process.pid}`,
      ...(opts.leaseDurationSeconds ? { leaseDurationSeconds: opts.leaseDurationSeconds } : {}),
    },
  });
}
