// Reading what Prometheus reads: the text exposition format of a /metrics page, and the metric names
// a PromQL expression selects (for checking dashboards and alert rules against a live operator).

export interface Sample {
  /** The series name, e.g. `workqueue_queue_duration_seconds_bucket`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The families of a text exposition, by name; a histogram's `_bucket`, `_sum`, `_count` series are its samples. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (name: string): Family => {
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
    }
    return family;
  };
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      current = familyOf(comment[2]!);
      if (comment[1] === 'TYPE') current.type = comment[3]!;
      else current.help = comment[3]!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!sample) throw new Error(`not an exposition line: ${line}`);
    const [, name, labelText, value] = sample as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    for (const [, label, raw] of (labelText ?? '').matchAll(LABEL))
      labels[label!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const owner = current && name.startsWith(current.name) ? current : familyOf(name);
    owner.samples.push({ name, labels, value: Number(value) });
  }
  return families;
}

/** Every series name a page has samples of (histograms' `_bucket`, `_sum` and `_count` included). */
export function seriesNames(families: Map<string, Family>): Set<string> {
  return new Set([...families.values()].flatMap((family) => family.samples.map((sample) => sample.name)));
}

const NOT_METRICS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions, keywords, label
 * names (in matchers and groupings), strings, durations or Grafana variables. Grafana's
 * `label_values(selector, label)` counts its selector only.
 */
export function metricNames(expression: string): string[] {
  const plain = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\blabel_values\s*\(([^,()]*(?:\{[^}]*\})?)\s*,\s*\w+\s*\)/g, 'label_values($1)')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names: string[] = [];
  for (const match of plain.matchAll(/(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = plain.slice(match.index + match[0].length).trimStart();
    if (rest.startsWith('(') || NOT_METRICS.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return [...new Set(names)];
}
