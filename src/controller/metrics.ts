import type { Registry } from 'prom-client';
import { counter, gauge, histogram } from '../util/metrics.js';
import type { RequestObserver } from '../kube/client.js';
import { leaderElectionStatus, restClientRequests } from '../kube/metrics.js';
import { resourceOfPath } from '../kube/paths.js';
import { type RuntimeMetrics, runtimeMetrics } from './runtime/metrics.js';

export interface ControllerMetrics {
  /** controller-runtime's reconcile and work-queue families, per kind. */
  runtime: RuntimeMetrics;
  kubeRequest: RequestObserver;
  isLeader(leader: boolean): void;
  resync(seconds: number, instances: number): void;
  orphans(count: number): void;
}

export interface ControllerMetricsContext {
  /** The API server's host and port, for `rest_client_requests_total`. */
  apiServerHost: string;
  /** The Lease the replicas elect their leader on. */
  leaseName: string;
}

/**
 * Registered once per process; the controller may start and stop several times (leadership). The
 * families every Kubernetes dashboard knows keep their own names (ADR 0022); Stow's own are `stow_`.
 */
export function controllerMetrics(registry: Registry, context: ControllerMetricsContext): ControllerMetrics {
  const kube = counter(
    registry,
    'kube_requests_total',
    'Kubernetes API requests by method, resource and code',
    ['method', 'resource', 'code'],
  );
  const restClient = restClientRequests(registry, context.apiServerHost);
  const resyncDuration = histogram(registry, 'resync_duration_seconds', 'Time one RDS resync took', []);
  const listed = gauge(registry, 'resync_instances', 'RDS instances seen by the last resync', []);
  const orphaned = gauge(
    registry,
    'orphaned_instances',
    'RDS instances tagged for this cluster and managed by Stow that no PostgresDB binds (last resync)',
    [],
  );
  return {
    runtime: runtimeMetrics(registry),
    kubeRequest(method, path, code) {
      kube.inc({ method, resource: resourceOfPath(path), code: String(code) });
      restClient(method, path, code);
    },
    isLeader: leaderElectionStatus(registry, context.leaseName),
    resync(seconds, instances) {
      resyncDuration.observe(seconds);
      listed.set(instances);
    },
    orphans: (count) => orphaned.set(count),
  };
}
