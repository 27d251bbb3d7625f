import type { Family } from '../../test/support/prometheus.js';
import type { KubeCounts } from './scale-report.js';

/** The operator's Kubernetes requests between two /metrics pages (from its start without `before`). */
export function kubeCounts(after: Map<string, Family>, before?: Map<string, Family>): KubeCounts {
  const byRequest = subtract(requestCounts(after), before ? requestCounts(before) : {});
  const counts: KubeCounts = { writes: 0, events: 0, reads: 0, leases: 0, byRequest };
  for (const [key, count] of Object.entries(byRequest)) {
    const [method, resource] = key.split(' ') as [string, string];
    if (resource === 'leases') counts.leases += count;
    else if (method === 'GET' || method === 'WATCH') counts.reads += count;
    else if (resource === 'events') counts.events += count;
    else counts.writes += count;
  }
  return counts;
}

function requestCounts(families: Map<string, Family>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of families.get('stow_kube_requests_total')?.samples ?? []) {
    const key = `${sample.labels.method} ${sample.labels.resource}`;
    counts[key] = (counts[key] ?? 0) + sample.value;
  }
  return counts;
}

export function subtract(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const difference: Record<string, number> = {};
  for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const value = (after[key] ?? 0) - (before[key] ?? 0);
    if (value !== 0) difference[key] = value;
  }
  return difference;
}
