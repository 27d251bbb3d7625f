import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import t from 'tap';

// The controller runtime knows no kind: it imports only the generic layers, and no word of it is
// PostgreSQL's or PostgresDB's (a kind's code lives beside it, in src/controller/).
const src = new URL('../../../../../src/', import.meta.url).pathname;
const runtime = join(src, 'controller/runtime');
const ALLOWED = ['util/', 'kube/', 'api/resource-type.ts', 'controller/runtime/'];

const modules = readdirSync(runtime).filter((file) => file.endsWith('.ts'));

t.test('the runtime imports only generic modules', async (t) => {
  t.ok(modules.length >= 2, `modules: ${modules.join(', ')}`);
  const outside: string[] = [];
  for (const module of modules) {
    const text = readFileSync(join(runtime, module), 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = relative(src, normalize(join(runtime, dirname(module), match[1]!))).replace(
        /\.js$/,
        '.ts',
      );
      if (!ALLOWED.some((prefix) => target.startsWith(prefix))) outside.push(`${module} imports ${target}`);
    }
  }
  t.same(outside, []);
});

t.test('no kind or engine is named in the runtime', async (t) => {
  const named = modules.flatMap((module) =>
    readFileSync(join(runtime, module), 'utf8')
      .split('\n')
      .map((line, index) => ({ line, at: `${module}:${index + 1}` }))
      .filter(({ line }) => /postgres|\bRDS\b|\bSecret\b|\bService\b/i.test(line))
      .map(({ at, line }) => `${at}: ${line.trim()}`),
  );
  t.same(named, []);
});
