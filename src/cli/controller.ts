import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { OperatorConfig } from '../config/schema.js';
import { type RunningController, startController } from '../controller/index.js';
import type { Logger } from '../util/logger.js';

export const LEASE_NAME = 'stow-controller';

/** KUBECONFIG (or ~/.kube/config), else the in-cluster service account. */
export function loadKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  if (!kubeConfig.getCurrentCluster()) {
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
}): Promise<RunningController> {
  return startController({
    kubeConfig: loadKubeConfig(),
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
