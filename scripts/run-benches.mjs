#!/usr/bin/env node
// `npm run bench [-- name...]`: runs the benchmarks in bench/ one after another (each prints its own
// figures and its comparison against the baseline measured in the same run, or its targets).
// Without names it runs the quick ones; `budget` and `scale` (many minutes each) and `apiserver-cost`
// (what the API server spends per request, to read bench/scale's figures by) run when named.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const QUICK = ['admission', 'conversion', 'controller', 'databases'];
const KNOWN = [...QUICK, 'budget', 'scale', 'apiserver-cost'];
const selected = process.argv.slice(2);
let failed = 0;
for (const name of selected.length ? selected : QUICK) {
  const script = join(root, 'dist/bench', `${name}.js`);
  if (!existsSync(script)) {
    process.stderr.write(`bench ${name}: ${script} not found (known: ${KNOWN.join(', ')})\n`);
    failed++;
    continue;
  }
  process.stdout.write(`\n=== bench/${name}\n`);
  const result = spawnSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
