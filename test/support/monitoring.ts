// The chart's monitoring objects as a cluster gets them: the Grafana dashboard and the alert rules,
// rendered by `helm template`, with the PromQL each one runs.
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCommand } from '../../src/dev/control-plane/run-command.js';

const root = new URL('../../../', import.meta.url).pathname;

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are arbitrary JSON
export type Manifest = Record<string, any>;

export const MONITORING_ON = ['metrics.dashboard.enabled=true', 'metrics.prometheusRule.enabled=true'];

/** `helm template` of the chart with these `--set`s: every object, or the failure. */
export async function renderChart(
  sets: string[],
): Promise<{ code: number; stderr: string; objects: Manifest[] }> {
  const result = await runCommand(
    'bash',
    [
      join(root, 'scripts/helm.sh'),
      'template',
      'stow',
      join(root, 'helm/stow'),
      '--namespace',
      'stow-system',
      ...sets.flatMap((set) => ['--set', set]),
    ],
    undefined,
    { cwd: root },
  );
  const objects =
    result.code === 0
      ? parseAllDocuments(result.stdout)
          .map((document) => document.toJSON() as Manifest | null)
          .filter((object): object is Manifest => object !== null)
      : [];
  return { code: result.code, stderr: result.stderr, objects };
}

/** The dashboard's queries, each with where it stands: panel targets and template variables. */
export function dashboardQueries(dashboard: Manifest): Array<{ where: string; expr: string }> {
  const panels: Manifest[] = (dashboard.panels ?? []).flatMap((panel: Manifest) => [
    panel,
    ...(panel.panels ?? []),
  ]);
  return [
    ...panels.flatMap((panel) =>
      (panel.targets ?? []).map((target: Manifest) => ({
        where: `panel "${panel.title}"`,
        expr: target.expr as string,
      })),
    ),
    ...(dashboard.templating?.list ?? [])
      .filter((variable: Manifest) => variable.type === 'query')
      .map((variable: Manifest) => ({
        where: `variable $${variable.name}`,
        expr: (typeof variable.query === 'string' ? variable.query : variable.query.query) as string,
      })),
  ];
}

/** Every rule's expression in a PrometheusRule, by alert (or record) name. */
export function ruleQueries(rule: Manifest): Array<{ where: string; expr: string }> {
  return (rule.spec.groups as Manifest[]).flatMap((group) =>
    (group.rules as Manifest[]).map((r) => ({
      where: `rule ${r.alert ?? r.record}`,
      expr: r.expr as string,
    })),
  );
}
