import { existsSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { OperatorConfig } from '../config/schema.js';
import type { PolicySource } from '../policy/store.js';
import { type RunningController, startController } from '../controller/index.js';
import type { Logger } from '../util/logger.js';

export const LEASE_NAME = 'stow-controller';

/** KUBECONFIG (or ~/.kube/config), else the in-cluster service account. */
export function loadKubeConfig(): KubeConfig {
  const home = process.env.HOME ?? homedir();
  const configured =
    Boolean(process.env.KUBECONFIG) ||
    existsSync(join(home, '.kube', 'config')) ||
    Boolean(process.env.KUBERNETES_SERVICE_HOST);
  const kubeConfig = new KubeConfig();
  // Without any of these, client-node would invent a cluster at http://localhost:8080.
  if (configured) kubeConfig.loadFromDefault();
  if (!configured || !kubeConfig.getCurrentCluster()) {
    throw Object.assign(
      new Error(
        'no Kubernetes cluster configured: set KUBECONFIG, run in a cluster, or try `stow playground`',
      ),
      { name: 'UsageError' },
    );
  }
  return kubeConfig;
}

export function startControllerForCli(opts: {
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
