import type { PostgresDBPolicy } from '../../src/api/policy.js';

const policy = (name: string, spec: PostgresDBPolicy['spec']): PostgresDBPolicy => ({
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDBPolicy',
  metadata: { name },
  spec,
});

/** Policies a platform might have, all selecting the benchmark's namespace, none violated by its reviews. */
export const BENCH_POLICIES: PostgresDBPolicy[] = [
  policy('tenants', {
    namespaceSelector: { matchLabels: { tenant: 'true' } },
    instanceClasses: ['db.t3.*', 'db.t4g.*', 'db.m6g.*'],
    storage: { types: ['gp3', 'gp2'], maxSizeGiB: 1000, maxIops: 20000 },
    allowPublicAccess: false,
    kmsKeys: { allowed: ['alias/*'] },
    deletionPolicies: ['Delete', 'Snapshot', 'Retain'],
  }),
  policy('network', {
    subnetGroup: { allowed: ['*'] },
    parameterGroup: { allowed: ['default.*', 'tenants-*'] },
  }),
  policy('adoption', {
    namespaceSelector: { matchExpressions: [{ key: 'tenant', operator: 'Exists' }] },
    adoption: { enabled: true, identifiers: ['legacy-*'] },
  }),
];
