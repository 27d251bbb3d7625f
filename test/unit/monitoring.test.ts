// The chart's optional monitoring: the Grafana dashboard ConfigMap and the PrometheusRule render, the
// rules pass `promtool check rules` (Debian's promtool, scripts/promtool.sh), and the values schema
// holds. That they read only metrics the operator exposes is test/e2e/observability.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { runCommand } from '../../src/dev/control-plane/run-command.js';
import { dashboardQueries, MONITORING_ON, renderChart, ruleQueries } from '../support/monitoring.js';
import { metricNames, parseExposition } from '../support/prometheus.js';

const root = new URL('../../../', import.meta.url).pathname;
const dashboardFile = join(root, 'helm/stow/files/dashboard.json');

t.test('metricNames finds the metrics of an expression and nothing else', async (t) => {
  const cases: Array<[string, string[]]> = [
    ['up', ['up']],
    [
      'sum by (controller, result) (rate(controller_runtime_reconcile_total{namespace="$namespace",job=~"a|b"}[$__rate_interval]))',
      ['controller_runtime_reconcile_total'],
    ],
    [
      'histogram_quantile(0.99, sum by (name, le) (rate(workqueue_work_duration_seconds_bucket{x="y"}[5m])))',
      ['workqueue_work_duration_seconds_bucket'],
    ],
    [
      'sum by (namespace, name) (workqueue_depth) > 0 unless on (namespace, name) sum without (pod) (rate(workqueue_adds_total[10m])) > 0',
      ['workqueue_depth', 'workqueue_adds_total'],
    ],
    [
      'min by (name) (a_seconds{n="x"} or b_seconds{name=~"c-(d|e)"}) - time() < 7 * 24 * 3600 + 1e3',
      ['a_seconds', 'b_seconds'],
    ],
    [
      'label_values(controller_runtime_reconcile_total{controller="postgresdb"}, namespace)',
      ['controller_runtime_reconcile_total'],
    ],
    ['label_values(job)', ['job']],
    ['rate(x_total[5m] offset 1h) / ignoring (code) group_left y_total', ['x_total', 'y_total']],
  ];
  for (const [expression, names] of cases) t.same(metricNames(expression), names, expression);
});

t.test('parseExposition reads families, histograms and escaped label values', async (t) => {
  const families = parseExposition(
    [
      '# HELP a_total Things.',
      '# TYPE a_total counter',
      'a_total{code="200",path="a\\"b\\\\c"} 3',
      '# HELP h_seconds Time.',
      '# TYPE h_seconds histogram',
      'h_seconds_bucket{le="0.1",controller="x"} 1',
      'h_seconds_bucket{le="+Inf",controller="x"} 2',
      'h_seconds_sum{controller="x"} 0.3',
      'h_seconds_count{controller="x"} 2',
      'up 1',
      '',
    ].join('\n'),
  );
  t.same([...families.keys()], ['a_total', 'h_seconds', 'up']);
  t.same(families.get('a_total')?.samples, [
    { name: 'a_total', labels: { code: '200', path: 'a"b\\c' }, value: 3 },
  ]);
  t.equal(families.get('h_seconds')?.type, 'histogram');
  t.same(
    families.get('h_seconds')?.samples.map((s) => s.name),
    ['h_seconds_bucket', 'h_seconds_bucket', 'h_seconds_sum', 'h_seconds_count'],
  );
});

t.test('both are off by default, and lint passes with them on', async (t) => {
  const defaults = await renderChart([]);
  t.equal(defaults.code, 0, defaults.stderr);
  t.notOk(
    defaults.objects.some((o) => o.kind === 'PrometheusRule'),
    'no PrometheusRule',
  );
  t.notOk(
    defaults.objects.some((o) => o.metadata.name === 'stow-dashboard'),
    'no dashboard ConfigMap',
  );
  for (const sets of [MONITORING_ON, [...MONITORING_ON, 'certManager.enabled=false']]) {
    const lint = await runCommand(
      'bash',
      [
        join(root, 'scripts/helm.sh'),
        'lint',
        '--strict',
        join(root, 'helm/stow'),
        ...sets.flatMap((s) => ['--set', s]),
      ],
      undefined,
      { cwd: root },
    );
    t.equal(lint.code, 0, `helm lint --strict ${sets.join(' ')}\n${lint.stdout}${lint.stderr}`);
  }
});

t.test('the dashboard: a ConfigMap the Grafana sidecar picks up, holding files/dashboard.json', async (t) => {
  const { objects, code, stderr } = await renderChart([
    ...MONITORING_ON,
    'metrics.dashboard.namespace=monitoring',
    'metrics.dashboard.labels.team=platform',
    'metrics.dashboard.annotations.grafana_folder=Databases',
  ]);
  t.equal(code, 0, stderr);
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'stow-dashboard');
  t.equal(configMap?.metadata.namespace, 'monitoring');
  t.match(configMap?.metadata.labels, {
    grafana_dashboard: '1',
    team: 'platform',
    'app.kubernetes.io/name': 'stow',
  });
  t.same(configMap?.metadata.annotations, { grafana_folder: 'Databases' });
  const dashboard = JSON.parse(configMap?.data['stow.json']);
  t.same(dashboard, JSON.parse(readFileSync(dashboardFile, 'utf8')), 'the file, unchanged');
  t.equal(dashboard.uid, 'stow-operator');
  const queries = dashboardQueries(dashboard);
  t.ok(queries.length >= 30, `${queries.length} queries`);
  const unfiltered = queries.filter(
    ({ where, expr }) => where.startsWith('panel') && !/namespace="\$namespace",job="\$job"/.test(expr),
  );
  t.same(unfiltered, [], 'every panel reads the chosen release only');
  const datasources = new Set(
    dashboard.panels
      .filter((p: { type: string }) => p.type !== 'row')
      .map((p: { datasource: { uid: string } }) => p.datasource.uid),
  );
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
  t.same([...datasources], ['${datasource}'], 'every panel uses the chosen data source');
});

t.test(
  "the dashboard's panel queries are valid PromQL (promtool, Grafana's variables filled in)",
  async (t) => {
    const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8'));
    const queries = dashboardQueries(dashboard).filter(({ where }) => where.startsWith('panel'));
    const rules = queries.map(({ expr }, i) => ({
      record: `dashboard:query_${i}`,
      expr: expr.replaceAll('$__rate_interval', '5m').replace(/\$\w+/g, 'x'),
    }));
    const dir = mkdtempSync(join(tmpdir(), 'stow-dashboard-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'dashboard-queries.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const check = await runCommand('bash', [join(root, 'scripts/promtool.sh'), 'check', 'rules', file]);
    t.equal(check.code, 0, `promtool check rules\n${check.stdout}${check.stderr}`);
    t.match(check.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
  },
);

t.test('the PrometheusRule passes promtool check rules, with and without cert-manager', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stow-rules-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [title, sets, alerts] of [
    ['cert-manager', MONITORING_ON, 8],
    ['generated certificate', [...MONITORING_ON, 'certManager.enabled=false'], 7],
  ] as const) {
    const { objects, code, stderr } = await renderChart([
      ...sets,
      'metrics.prometheusRule.labels.release=kube-prometheus',
    ]);
    t.equal(code, 0, stderr);
    const rule = objects.find((o) => o.kind === 'PrometheusRule');
    t.equal(rule?.metadata.namespace, 'stow-system');
    t.equal(rule?.metadata.labels.release, 'kube-prometheus', `${title}: extra labels`);
    const file = join(dir, `${title}.yaml`);
    writeFileSync(file, stringify({ groups: rule?.spec.groups }));
    const check = await runCommand('bash', [join(root, 'scripts/promtool.sh'), 'check', 'rules', file]);
    t.equal(check.code, 0, `${title}: promtool check rules\n${check.stdout}${check.stderr}`);
    t.match(check.stdout, new RegExp(`SUCCESS: ${alerts} rules found`), `${title}: ${alerts} alerts`);
    const names = (rule?.spec.groups[0].rules ?? []).map((r: { alert: string }) => r.alert);
    for (const expected of [
      'StowReconcileErrors',
      'StowWorkQueueStuck',
      'StowAwsThrottling',
      'StowServingCertificateExpiresSoon',
      'StowOrphanedInstances',
    ])
      t.ok(names.includes(expected), `${title}: ${expected}`);
    t.equal(
      names.includes('StowCertificateExpiresSoon'),
      title === 'cert-manager',
      "cert-manager's Certificates only with it",
    );
    for (const { where, expr } of ruleQueries(rule!))
      t.match(
        expr,
        /job="stow-metrics",namespace="stow-system"|namespace="stow-system",name=~"stow-/,
        `${where} reads this release only`,
      );
  }
});

t.test('the values schema rejects bad monitoring values', async (t) => {
  for (const [title, sets, message] of [
    ['a string for dashboard.enabled', ['metrics.dashboard.enabled=yes'], /dashboard\/enabled/],
    ['a bad dashboard namespace', ['metrics.dashboard.namespace=Monitoring'], /dashboard\/namespace/],
    [
      'an unknown prometheusRule key',
      ['metrics.prometheusRule.severity=page'],
      /additional propert(y|ies) 'severity' not allowed/,
    ],
    ['a numeric rule label', ['metrics.prometheusRule.labels.release=1'], /prometheusRule\/labels\/release/],
  ] as const) {
    const result = await renderChart([...sets]);
    t.not(result.code, 0, `${title} is rejected`);
    t.match(result.stderr, message, `${title}: the error names it`);
  }
});
