// Pure helpers for the tests that hold the documentation to the code (test/unit/docs/).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's root (tests run compiled, from dist/test/...). */
export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

/** Every file under `dir` whose name ends with `suffix`, recursively, sorted. */
export function filesUnder(dir: string, suffix: string, skip: readonly string[] = []): string[] {
  return readdirSync(dir)
    .filter((entry) => !skip.includes(entry))
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return filesUnder(path, suffix, skip);
      return path.endsWith(suffix) ? [path] : [];
    })
    .sort();
}

/** The bodies of the fenced code blocks in `lang` (indented fences, as in lists, included). */
export function fencedBlocks(markdown: string, lang: string): string[] {
  const blocks: string[] = [];
  for (const match of markdown.matchAll(/^([ \t]*)```([\w-]*)[ \t]*\n([\s\S]*?)^\1```/gm)) {
    const [, indent = '', language, body = ''] = match;
    if (language !== lang) continue;
    blocks.push(
      body
        .split('\n')
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n'),
    );
  }
  return blocks;
}

// ---- AWS: the RDS operations the code sends, and the actions an IAM policy allows ------------------

const RDS_CLIENT = `['"]@aws-sdk/client-rds['"]`;

/**
 * The RDS API operations a source file sends: each `new XxxCommand(` whose class is imported from
 * @aws-sdk/client-rds (by name, under an alias, or through a namespace import). Commands of other
 * AWS clients are not RDS's and are left out.
 */
export function rdsOperationsIn(source: string): string[] {
  const commands = new Map<string, string>();
  for (const match of source.matchAll(new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*${RDS_CLIENT}`, 'g'))) {
    for (const specifier of (match[1] ?? '').split(',')) {
      const [imported = '', local = imported] = specifier
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/);
      if (imported.endsWith('Command')) commands.set(local, imported);
    }
  }
  const found = new Set<string>();
  for (const match of source.matchAll(/\bnew\s+([A-Za-z_$][\w$]*)\s*\(/g)) {
    const imported = commands.get(match[1] ?? '');
    if (imported) found.add(imported.slice(0, -'Command'.length));
  }
  for (const match of source.matchAll(
    new RegExp(`import\\s*\\*\\s*as\\s+(\\w+)\\s+from\\s*${RDS_CLIENT}`, 'g'),
  )) {
    const namespace = match[1] ?? '';
    for (const call of source.matchAll(new RegExp(`\\bnew\\s+${namespace}\\.(\\w+)Command\\s*\\(`, 'g')))
      found.add(call[1] ?? '');
  }
  return [...found].sort();
}

interface PolicyStatement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
}

/**
 * The actions of `service` (e.g. `rds`) that a policy document's Allow statements name, as written:
 * a wildcard such as `rds:Describe*` comes back as is, so a comparison with exact operations reports
 * it. A `NotAction` statement allows everything it does not name, and is reported as `NotAction`.
 */
export function allowedActions(policy: unknown, service: string): string[] {
  const statements = (policy as { Statement?: unknown })?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  const actions = new Set<string>();
  for (const statement of list as PolicyStatement[]) {
    if (statement.Effect !== 'Allow') continue;
    if (statement.NotAction !== undefined) actions.add('NotAction');
    const named = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    for (const action of named) {
      if (typeof action === 'string' && action.toLowerCase().startsWith(`${service}:`)) actions.add(action);
    }
  }
  return [...actions].sort();
}

/** What `actual` lacks of `expected`, and what it has beyond it. */
export function difference(
  expected: Iterable<string>,
  actual: Iterable<string>,
): { missing: string[]; extra: string[] } {
  const want = new Set(expected);
  const have = new Set(actual);
  return {
    missing: [...want].filter((item) => !have.has(item)).sort(),
    extra: [...have].filter((item) => !want.has(item)).sort(),
  };
}

// ---- Reasons: condition and Event reasons written in the code, and the ones a page documents --------

export type ReasonSite = 'ReconcileError' | 'Event' | 'reason';

const QUOTED_REASON = `(['"\`])([A-Z][A-Za-z0-9]*)`;
const REASON_PATTERNS: ReadonlyArray<[ReasonSite, RegExp]> = [
  // new ReconcileError('SecretMissing', ...): the Synced condition and a Warning Event.
  ['ReconcileError', new RegExp(`\\bnew\\s+ReconcileError\\s*\\(\\s*${QUOTED_REASON}\\1`, 'g')],
  // event('Normal', 'Creating', ...), notice(instance, 'Warning', 'OrphanedInstance', ...): any call
  // whose Event type is a literal, followed by a literal reason.
  ['Event', new RegExp(`(['"\`])(?:Normal|Warning)\\1\\s*,\\s*${QUOTED_REASON}\\2`, 'g')],
  // { type: 'Ready', reason: 'InstanceNotFound', ... }, and fallbacks: reason || 'Unknown'.
  ['reason', new RegExp(`\\breason\\s*(?::|\\|\\||\\?\\?)\\s*${QUOTED_REASON}\\1`, 'g')],
];

/** Comments are dropped first, so an example in a comment is not taken for a reason. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Every literal condition or Event reason in a source file, with the kind of place it was found in. */
export function reasonSites(source: string): Array<{ reason: string; site: ReasonSite }> {
  const code = withoutComments(source);
  const sites: Array<{ reason: string; site: ReasonSite }> = [];
  for (const [site, pattern] of REASON_PATTERNS) {
    for (const match of code.matchAll(pattern)) sites.push({ reason: match[match.length - 1] ?? '', site });
  }
  return sites;
}

/** The first argument of the call whose argument list starts at `from`: up to a comma or `)` at depth 0. */
function firstArgument(code: string, from: number): string {
  let depth = 0;
  for (let index = from; index < code.length; index++) {
    const char = code[index];
    if (char === '(' || char === '[' || char === '{') depth++;
    else if ((char === ')' || char === ']' || char === '}') && depth > 0) depth--;
    else if ((char === ',' || char === ')') && depth === 0) return code.slice(from, index).trim();
  }
  return code.slice(from).trim();
}

/** `new ReconcileError(` calls whose reason is not a literal, which reasonSites cannot read. */
export function reconcileErrorsWithoutLiteralReason(source: string): string[] {
  const code = withoutComments(source);
  return [...code.matchAll(/\bnew\s+ReconcileError\s*\(/g)]
    .map((match) => firstArgument(code, (match.index ?? 0) + match[0].length))
    .filter((argument) => !/^(['"`])[A-Z][A-Za-z0-9]*\1$/.test(argument));
}

/** The reasons that `doc` does not mention as code (`Reason`, in backticks). */
export function undocumented(reasons: Iterable<string>, doc: string): string[] {
  const mentioned = new Set([...doc.matchAll(/`([A-Za-z0-9]+)`/g)].map((match) => match[1]));
  return [...new Set(reasons)].filter((reason) => !mentioned.has(reason)).sort();
}

// ---- Markdown links ---------------------------------------------------------------------------------

/** Relative link targets of a page: `[text](target)` outside code, without external URLs. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^([ \t]*)```[\s\S]*?^\1```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's anchors for a page's headings (lowercase, punctuation dropped, spaces to hyphens). */
export function headingAnchors(markdown: string): Set<string> {
  const prose = markdown.replace(/^([ \t]*)```[\s\S]*?^\1```/gm, '');
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of prose.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const slug = (match[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count ? `${slug}-${count}` : slug);
  }
  return anchors;
}
