#!/usr/bin/env node
// The project's test command (`npm test`): lint, type-check, make sure a real control plane is
// available, run every tap suite, and end with one line `N passed, N failed[, N skipped]`.
// `npm test -- test/unit` runs only the suites under the given folders or files.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules/.bin', name);

function step(title, command, args) {
  process.stdout.write(`\n== ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  return result.status === 0;
}

/** A compiled test counts only while its TypeScript source exists (dist/ may hold stale output). */
function hasSource(compiled) {
  return existsSync(join(root, relative(join(root, 'dist'), compiled)).replace(/\.js$/, '.ts'));
}

function findTests(dir) {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return dir.endsWith('.test.js') && hasSource(dir) ? [dir] : [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.name === 'fixtures' ? [] : findTests(join(dir, entry.name))))
    .sort();
}

const selected = process.argv.slice(2);
const testRoots = (selected.length ? selected : ['test/unit', 'test/integration', 'test/e2e']).map((path) =>
  join(root, 'dist', path.replace(/\.ts$/, '.js')),
);

let failedSteps = 0;
// tsc still emits on a type error, so the suites run and the summary counts the failed check.
if (!step('type-check and build (tsc, strict)', bin('tsc'), ['-p', 'tsconfig.json'])) failedSteps++;
if (!step('lint (biome)', bin('biome'), ['check', 'src', 'test', 'bench', 'scripts'])) failedSteps++;
// .taprc leaves out tap's TypeScript loader (the suites run compiled); tap rebuilds its test class for
// that plugin set once, here, rather than in the middle of the first run. Once built, tap itself checks
// the plugin set before each run (and rebuilds only if it changed): building again here would only race
// with another run sharing node_modules.
const builtTap = join(root, 'node_modules/@tapjs/test/test-built/dist/esm/index.js');
if (!existsSync(builtTap) || readFileSync(builtTap, 'utf8').includes('@tapjs/typescript')) {
  if (!step('tap plugins (tap build)', bin('tap'), ['build'])) failedSteps++;
}

/** Runs an install script that prints the folder of what it provides on its last line. */
function ensure(title, script, consequence) {
  process.stdout.write(`\n== ${title}\n`);
  const install = spawnSync('bash', [join(root, script)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (install.status !== 0) {
    process.stdout.write(`${script} failed: ${consequence}\n`);
    failedSteps++;
  } else {
    process.stdout.write(`binaries: ${install.stdout.trim().split('\n').pop()}\n`);
  }
}
ensure(
  'control plane (real kube-apiserver + etcd)',
  'scripts/control-plane/install.sh',
  'integration and e2e suites will fail',
);
ensure(
  "PostgreSQL (the RDS emulator's real servers)",
  'scripts/postgres/install.sh',
  'suites with real PostgreSQL servers will fail',
);

const files = testRoots.flatMap(findTests);
process.stdout.write(`\n== tap: ${files.length} suites\n`);
const tap = spawn(bin('tap'), ['--reporter=tap', ...files.map((file) => relative(root, file))], {
  cwd: root,
  env: { ...process.env, STOW_TEST: '1', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let summary;
let buffered = '';
// The names of the subtests open at each depth, so that a failure can be named by its whole path at the
// end: CI keeps only the tail of the output, and a failure deep in a long run would otherwise be lost.
const openSubtests = [];
const failures = [];
tap.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk.toString();
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  for (const line of lines) {
    const depth = Math.floor((/^ */.exec(line)?.[0].length ?? 0) / 4);
    const subtest = /^\s*# Subtest: (.*)$/.exec(line);
    if (subtest) openSubtests.splice(depth, Infinity, subtest[1]);
    const failure = /^\s*not ok \d+ - (.*?)(?: # time=.*)?$/.exec(line);
    if (failure) failures.push([...openSubtests.slice(0, depth), failure[1]].join(' > '));
    const match = /^# \{ total: \d+(.*)\}$/.exec(line.trim());
    if (match) summary = line.trim();
  }
});
const tapCode = await new Promise((resolve) => tap.on('close', resolve));

const count = (key) => Number(new RegExp(`${key}: (\\d+)`).exec(summary ?? '')?.[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + failedSteps + (summary ? 0 : 1);
const skipped = count('skip') + count('todo');
if (!summary) process.stdout.write('tap printed no summary: counted as a failure\n');
if (failures.length) {
  // A failed assertion fails every subtest around it too: the longest paths are the causes.
  const causes = failures.filter((path) => !failures.some((other) => other.startsWith(`${path} > `)));
  process.stdout.write(`\nfailed (${causes.length}):\n${causes.map((path) => `  ${path}\n`).join('')}`);
}
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(tapCode === 0 && failed === 0 ? 0 : 1);
