import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_CONFIG_FILE, loadConfig } from './config/load.js';
import { conversionPlugin } from './conversion/index.js';
import { createLogger } from './util/logger.js';
import { createRegistry } from './util/metrics.js';
import { startControllerThread } from './controller/thread/controller-thread.js';
import { CertWatcher } from './server/cert-watcher.js';
import { servingCertificateExpiry } from './server/certificate-metrics.js';
import { buildMetricsServer, buildWebhookServer, replaceCertificate } from './server/server.js';
import type { RunningController } from './controller/index.js';
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
  const configPath = flags.config ? resolve(flags.config) : DEFAULT_CONFIG_FILE;
  const config = loadConfig(configPath);
  const registry = createRegistry();
  const host = flags['bind-address'] ?? '0.0.0.0';
  const webhooksEnabled = flags.webhooks ?? true;
  const controllerEnabled = flags.controller ?? true;
  if (!webhooksEnabled && !controllerEnabled)
    throw new UsageError('--no-webhooks and --no-controller leave nothing to run');

  let webhookServer: FastifyInstance | undefined;
  if (webhooksEnabled) {
    // The webhooks' view of the platform policies (the controller thread watches its own).
    const client = await createKubeClient(loadKubeConfig());
    started.push(async () => client.close());
    const policies = new PolicyStore(client, logger.child({ component: 'policy' }));
    await policies.start();
    started.push(() => policies.stop());
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

  // The controller runs in a thread of its own, so that reconciling never delays an admission answer
  // (ADR 0025). Should it die, the process ends with it: the kubelet restarts both.
  const controller = controllerEnabled
    ? await startControllerThread(
        {
          configPath,
          leaseNamespace: flags['leader-election-namespace'] ?? process.env.POD_NAMESPACE ?? 'default',
          leaseName: flags['leader-election-id'] ?? LEASE_NAME,
          identity: process.env.POD_NAME ?? `${hostname()}-${process.pid}`,
          logLevel: logger.level,
        },
        logger,
        (reason) => {
          logger.fatal(reason);
          process.exit(1);
        },
      )
    : undefined;
  if (controller) started.push(() => controller.stop());

  const metricsServer = buildMetricsServer({
    logger,
    registry,
    ...(controller ? { moreMetrics: () => controller.metrics() } : {}),
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

export { RECONCILED_KINDS } from './controller/kinds.js';
