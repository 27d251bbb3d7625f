import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { type LocalEnvironment, startLocalEnvironment } from '../../src/dev/local/environment.js';
import { dashboardQueries, MONITORING_ON, renderChart, ruleQueries } from '../support/monitoring.js';
import { type Family, metricNames, parseExposition, seriesNames } from '../support/prometheus.js';

// Issue 15 acceptance: /metrics of a running operator (webhooks, controller, RDS emulator, real API
// server) has the families controller-runtime's dashboards and alerts read, with their labels, beside
// Stow's own; and the chart's dashboard and alert rules read only metrics that page has.

const root = new URL('../../..', import.meta.url).pathname;
const NS = 'default';
/** Not ours: the alert on cert-manager's Certificates reads what cert-manager exports. */
const CERT_MANAGER = /^certmanager_/;

let env: LocalEnvironment;
let workDir: string;
let families: Map<string, Family>;

t.before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'stow-observability-'));
  const configFile = join(workDir, 'operator.yaml');
  await writeFile(configFile, 'clusterName: e2e\nresyncPeriodSeconds: 3600\nreconcileConcurrency: 3\n');
  env = await startLocalEnvironment({
    rdsEmulator: { delays: { creating: 100, backingUp: 50, modifying: 100, deleting: 100 } },
    operatorFlags: { config: configFile },
  });
});
t.teardown(async () => {
  await env?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function scrape(): Promise<Map<string, Family>> {
  const { port } = env.operator!.metricsServer.server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseExposition(await response.text());
}

async function ready(name: string): Promise<boolean> {
  const result = await env.kubectl(['get', 'postgresdb', name, '-n', NS, '-o', 'json']);
  if (result.code !== 0) return false;
  const object = JSON.parse(result.stdout) as {
    status?: { conditions?: Array<{ type: string; status: string }> };
  };
  return object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

t.test(
  'a PostgresDB goes Ready through the webhooks and the controller, then /metrics is read',
  async (t) => {
    const applied = await env.apply({
      apiVersion: 'stow.dev/v1beta1',
      kind: 'PostgresDB',
      metadata: { name: 'observed', namespace: NS },
      spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 } },
    });
    t.equal(applied.code, 0, applied.stderr);
    const deadline = Date.now() + 60_000;
    while (!(await ready('observed'))) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the PostgresDB to be Ready');
      await sleep(200);
    }
    const legacy = await env.kubectl([
      'get',
      'postgresdbs.v1alpha1.stow.dev',
      'observed',
      '-n',
      NS,
      '-o',
      'json',
    ]);
    t.equal(legacy.code, 0, `read as v1alpha1 through the conversion webhook: ${legacy.stderr}`);
    // Ready is written by the reconcile that sees the instance available, which is counted as it returns.
    const succeeded = (page: Map<string, Family>) =>
      page
        .get('controller_runtime_reconcile_total')
        ?.samples.some(
          (s) => s.labels.controller === 'postgresdb' && s.labels.result === 'success' && s.value > 0,
        );
    for (families = await scrape(); !succeeded(families); families = await scrape()) {
      if (Date.now() > deadline)
        throw new Error('timed out waiting for a successful reconcile to be counted');
      await sleep(100);
    }
    t.ok(families.size > 40, `${families.size} families`);
  },
);

/** The label sets of a family's samples (a histogram's `le` left out), each once. */
function labelSets(family: Family | undefined): Array<Record<string, string>> {
  const seen = new Map<string, Record<string, string>>();
  for (const { labels } of family?.samples ?? []) {
    const { le: _bucket, ...rest } = labels;
    seen.set(JSON.stringify(rest), rest);
  }
  return [...seen.values()];
}

t.test("controller-runtime's families, named and labelled as its dashboards expect", async (t) => {
  const expected: Array<[string, string, string[]]> = [
    ['controller_runtime_reconcile_total', 'counter', ['controller', 'result']],
    ['controller_runtime_reconcile_errors_total', 'counter', ['controller']],
    ['controller_runtime_reconcile_time_seconds', 'histogram', ['controller']],
    ['controller_runtime_max_concurrent_reconciles', 'gauge', ['controller']],
    ['controller_runtime_active_workers', 'gauge', ['controller']],
    ['workqueue_depth', 'gauge', ['name', 'controller']],
    ['workqueue_adds_total', 'counter', ['name', 'controller']],
    ['workqueue_queue_duration_seconds', 'histogram', ['name', 'controller']],
    ['workqueue_work_duration_seconds', 'histogram', ['name', 'controller']],
    ['workqueue_retries_total', 'counter', ['name', 'controller']],
    ['workqueue_unfinished_work_seconds', 'gauge', ['name', 'controller']],
    ['workqueue_longest_running_processor_seconds', 'gauge', ['name', 'controller']],
    ['leader_election_master_status', 'gauge', ['name']],
    ['rest_client_requests_total', 'counter', ['code', 'method', 'host']],
  ];
  for (const [name, type, labels] of expected) {
    const family = families.get(name);
    t.equal(family?.type, type, `${name} is a ${type}`);
    const sets = labelSets(family);
    t.ok(sets.length > 0, `${name} has samples`);
    t.same(
      sets.filter((set) => Object.keys(set).sort().join() !== [...labels].sort().join()),
      [],
      `${name}: labels ${labels.join(', ')}`,
    );
  }
  const samples = [...families.values()].flatMap((family) => family.samples);
  const value = (name: string, labels: Record<string, string>) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      ?.value;
  const postgresdb = { controller: 'postgresdb' };
  t.same(
    labelSets(families.get('controller_runtime_reconcile_total'))
      .filter((set) => set.controller === 'postgresdb')
      .map((set) => set.result)
      .sort(),
    ['error', 'requeue', 'requeue_after', 'success'],
    "controller-runtime's results, each from the start",
  );
  t.ok(
    (value('controller_runtime_reconcile_total', { ...postgresdb, result: 'success' }) ?? 0) >= 1,
    'reconciled',
  );
  t.ok(
    (value('controller_runtime_reconcile_total', { ...postgresdb, result: 'requeue_after' }) ?? 0) >= 1,
    'polled while the instance was being created',
  );
  t.equal(value('controller_runtime_max_concurrent_reconciles', postgresdb), 3, 'reconcileConcurrency');
  t.ok((value('workqueue_adds_total', { name: 'postgresdb' }) ?? 0) >= 2, 'keys added');
  t.ok((value('workqueue_retries_total', { name: 'postgresdb' }) ?? 0) >= 1, 'requeues counted as retries');
  t.ok(
    (value('workqueue_queue_duration_seconds_count', { name: 'postgresdb' }) ?? 0) >= 2,
    'every key taken had its wait observed',
  );
  t.equal(value('leader_election_master_status', { name: 'stow-controller' }), 1, 'this replica leads');
  const apiServer = new URL(env.controlPlane.server).host;
  t.ok(
    (value('rest_client_requests_total', { method: 'GET', code: '200', host: apiServer }) ?? 0) > 0,
    `requests to ${apiServer}`,
  );
  t.ok(value('rest_client_requests_total', { method: 'PATCH', host: apiServer }), 'writes too');
});

t.test(
  "Stow's own families beside them; process and Node.js metrics with their standard names",
  async (t) => {
    for (const [name, labels] of [
      ['stow_aws_calls_total', ['action', 'outcome']],
      ['stow_webhook_requests_total', ['route', 'code']],
      ['stow_webhook_request_duration_seconds', ['route']],
      ['stow_conversions_total', ['from', 'to', 'result']],
      ['stow_conversion_review_duration_seconds', ['result']],
      ['stow_kube_requests_total', ['method', 'resource', 'code']],
      ['stow_orphaned_instances', []],
      ['stow_resync_duration_seconds', []],
      ['stow_resync_instances', []],
      ['stow_webhook_certificate_expiration_timestamp_seconds', []],
    ] as const) {
      const sets = labelSets(families.get(name));
      t.ok(sets.length > 0, `${name} has samples`);
      t.same(
        sets.map((set) => Object.keys(set).sort().join()),
        sets.map(() => [...labels].sort().join()),
        `${name}: ${labels.join(', ') || 'no labels'}`,
      );
    }
    const routes = labelSets(families.get('stow_webhook_requests_total')).map((set) => set.route);
    for (const route of ['/mutate', '/validate', '/convert'])
      t.ok(routes.includes(route), `${route} requests counted`);
    const actions = labelSets(families.get('stow_aws_calls_total')).map(
      (set) => `${set.action} ${set.outcome}`,
    );
    t.ok(
      actions.includes('CreateDBInstance success'),
      `RDS calls by action and outcome: ${actions.join(', ')}`,
    );
    const expiry =
      families.get('stow_webhook_certificate_expiration_timestamp_seconds')?.samples[0]?.value ?? 0;
    t.ok(expiry > Date.now() / 1000, 'the served certificate expires in the future');

    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      t.ok(families.get(name)?.samples.length, `${name}`);
    const renamed = [...families.keys()].filter((name) => /^stow_(process|nodejs)_/.test(name));
    t.same(renamed, [], 'no process metric under a stow_ name');
    const unprefixed = [...families.keys()].filter(
      (name) =>
        !/^(stow|controller_runtime|workqueue|leader_election|rest_client|process|nodejs)_/.test(name),
    );
    t.same(unprefixed, [], "every family is Stow's, controller-runtime's, client-go's or the process's");
  },
);

/** Each query's metric names that the page has no series of. */
function unknownMetrics(queries: Array<{ where: string; expr: string }>, allowed: RegExp | undefined) {
  const series = seriesNames(families);
  return queries.flatMap(({ where, expr }) =>
    metricNames(expr)
      .filter((name) => !series.has(name) && !allowed?.test(name))
      .map((name) => `${where}: ${name}`),
  );
}

t.test('the dashboard reads only metrics the operator exposes', async (t) => {
  const dashboard = JSON.parse(readFileSync(join(root, 'helm/stow/files/dashboard.json'), 'utf8'));
  const queries = dashboardQueries(dashboard);
  const names = new Set(queries.flatMap(({ expr }) => metricNames(expr)));
  t.ok(names.size >= 25, `${names.size} metrics read: ${[...names].sort().join(', ')}`);
  t.same(unknownMetrics(queries, undefined), [], 'every one has series on /metrics');
});

t.test("the alert rules read only metrics the operator exposes (and cert-manager's)", async (t) => {
  for (const sets of [MONITORING_ON, [...MONITORING_ON, 'certManager.enabled=false']]) {
    const { objects, code, stderr } = await renderChart(sets);
    t.equal(code, 0, stderr);
    const rule = objects.find((object) => object.kind === 'PrometheusRule');
    const queries = ruleQueries(rule!);
    t.ok(queries.length >= 7, `${queries.length} rules with ${sets.join(' ')}`);
    t.same(unknownMetrics(queries, CERT_MANAGER), [], 'every one has series on /metrics');
  }
});

t.test('the API server accepts the dashboard ConfigMap (server-side dry run)', async (t) => {
  const { objects, code, stderr } = await renderChart([
    ...MONITORING_ON,
    `metrics.dashboard.namespace=${NS}`,
  ]);
  t.equal(code, 0, stderr);
  const configMap = objects.find(
    (object) => object.kind === 'ConfigMap' && object.metadata.name === 'stow-dashboard',
  );
  const result = await env.apply(configMap!, ['--dry-run=server']);
  t.equal(result.code, 0, `kubectl apply --dry-run=server: ${result.stderr}`);
});
