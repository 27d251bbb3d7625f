import type { Registry } from 'prom-client';
import { counter, gauge, histogram } from '../util/metrics.js';
import type { RequestObserver } from '../kube/client.js';
import { resourceOfPath } from '../kube/paths.js';

import type { ReconcileResult } from './runtime/kind-runner.js';

export interface ControllerMetrics {
  reconciled(result: ReconcileResult, seconds: number): void;
  queueDepth(depth: number): void;
  kubeRequest: RequestObserver;
  isLeader(leader: boolean): void;
  resync(seconds: number, instances: number): void;
  orphans(count: number): void;
}

/** Registered once per process; the controller may start and stop several times (leadership). */
export function controllerMetrics(registry: Registry): ControllerMetrics {
  const reconciles = counter(registry, 'reconcile_total', 'Reconciles by result', ['result']);
  const duration = histogram(
    registry,
    'reconcile_duration_seconds',
    'Time one reconcile took',
    [],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  const depth = gauge(registry, 'workqueue_depth', 'Keys waiting for a worker', []);
  const kube = counter(
    registry,
    'kube_requests_total',
    'Kubernetes API requests by method, resource and code',
    ['method', 'resource', 'code'],
  );
  const leader = gauge(
    registry,
    'leader',
    '1 while this replica holds the Lease and runs the controller',
    [],
  );
  const resyncDuration = histogram(registry, 'resync_duration_seconds', 'Time one RDS resync took', []);
  const listed = gauge(registry, 'resync_instances', 'RDS instances seen by the last resync', []);
  const orphaned = gauge(
    registry,
    'orphaned_instances',
    'RDS instances tagged for this cluster and managed by Stow that no PostgresDB binds (last resync)',
    [],
  );
  return {
    reconciled(result, seconds) {
      reconciles.inc({ result });
      duration.observe(seconds);
    },
    queueDepth: (value) => depth.set(value),
    kubeRequest: (method, path, code) =>
      kube.inc({ method, resource: resourceOfPath(path), code: String(code) }),
    isLeader: (value) => leader.set(value ? 1 : 0),
    resync(seconds, instances) {
      resyncDuration.observe(seconds);
      listed.set(instances);
    },
    orphans: (count) => orphaned.set(count),
  };
}
