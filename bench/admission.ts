// bench/admission: throughput and p50/p99 latency of Stow's /validate and /mutate over TLS with
// keep-alive, against a bare Fastify TLS handler that always allows, measured in the same run.
// Target: Stow reaches at least 0.8 of the bare handler's throughput.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDevCerts } from '../src/devenv/certs.js';
import { minimalReview } from './admission-object.js';
import { type LoadResult, runLoad } from './lib/load.js';

const TARGET_RATIO = 0.8;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// BENCH_PIN=1 puts the server on CPU 0 and the load generator on CPU 1 (taskset), so the server is
// measured alone; off by default, where the two share the machine as a webhook shares its node.
const PIN =
  process.env.BENCH_PIN === '1' &&
  cpus().length >= 2 &&
  spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]).status === 0;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const serverScript = fileURLToPath(new URL('./admission-server.js', import.meta.url));

/** The review kube-apiserver sends for `kubectl apply` (bench/capture-admission-review.ts), and the bare minimum. */
const REVIEWS: Array<[string, unknown]> = [
  [
    'as kube-apiserver sends it',
    JSON.parse(
      readFileSync(
        fileURLToPath(new URL('../../bench/fixtures/admission-review-create.json', import.meta.url)),
        'utf8',
      ),
    ),
  ],
  ['minimal review', minimalReview],
];

interface Measurement extends LoadResult {
  /** Server CPU time (user + system) per request served in the measured phase. */
  cpuMicrosPerRequest: number;
}

async function startServer(mode: 'stow' | 'bare', certsDir: string) {
  const command = [process.execPath, serverScript, mode, certsDir];
  const child = PIN
    ? spawn('taskset', ['-c', '0', ...command], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let pending = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      const parts = (pending + String(chunk)).split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts);
      if (lines.length === 1) resolve(Number(lines[0]));
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return {
    port,
    startMeasuring: () => child.kill('SIGUSR2'),
    stop: () =>
      new Promise<{ served: number; cpuMicros: number }>((resolve) => {
        child.once('exit', () => resolve(JSON.parse(lines[1] ?? '{"served":0,"cpuMicros":0}')));
        child.kill('SIGTERM');
      }),
  };
}

async function measure(
  mode: 'stow' | 'bare',
  path: string,
  review: unknown,
  certsDir: string,
  ca: string,
): Promise<Measurement> {
  const server = await startServer(mode, certsDir);
  let load: LoadResult;
  try {
    const url = `https://127.0.0.1:${server.port}${path}`;
    const body = JSON.stringify(review);
    await runLoad({ url, body, ca, connections: CONNECTIONS, durationMs: 1000 }); // warm-up
    server.startMeasuring();
    load = await runLoad({ url, body, ca, connections: CONNECTIONS, durationMs: DURATION_MS });
  } catch (error) {
    await server.stop();
    throw error;
  }
  const usage = await server.stop();
  return { ...load, cpuMicrosPerRequest: usage.cpuMicros / Math.max(usage.served, 1) };
}

const fmt = (r: Measurement, cpu: number) =>
  `${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50ms.toFixed(2).padStart(6)} ms  p99 ${r.p99ms.toFixed(2).padStart(6)} ms  server CPU ${cpu.toFixed(1).padStart(5)} µs/req  (${r.requests} requests, ${r.errors} errors)`;

function medianBy<T>(items: T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor(sorted.length / 2)] as T;
}

const dir = await mkdtemp(join(tmpdir(), 'stow-bench-'));
try {
  await makeDevCerts(dir);
  const ca = await readFile(join(dir, 'ca.crt'), 'utf8');
  console.log(
    `bench/admission: ${CONNECTIONS} keep-alive TLS connections, ${ROUNDS} alternating rounds of ${DURATION_MS / 1000}s, ` +
      `medians; ${PIN ? 'server pinned to CPU 0' : 'server and load share the CPUs'}; ${process.version}`,
  );
  let worst = Number.POSITIVE_INFINITY;
  for (const [reviewName, review] of REVIEWS) {
    console.log(`\n${reviewName} (${JSON.stringify(review).length} bytes)`);
    for (const path of ['/validate', '/mutate']) {
      const runs: Record<'bare' | 'stow', Measurement[]> = { bare: [], stow: [] };
      for (let round = 0; round < ROUNDS; round++) {
        runs.bare.push(await measure('bare', path, review, dir, ca));
        runs.stow.push(await measure('stow', path, review, dir, ca));
      }
      const bare = medianBy(runs.bare, (run) => run.rps);
      const stow = medianBy(runs.stow, (run) => run.rps);
      const bareCpu = medianBy(runs.bare, (run) => run.cpuMicrosPerRequest).cpuMicrosPerRequest;
      const stowCpu = medianBy(runs.stow, (run) => run.cpuMicrosPerRequest).cpuMicrosPerRequest;
      const ratio = stow.rps / bare.rps;
      worst = Math.min(worst, ratio);
      console.log(`${path.padEnd(10)} bare  ${fmt(bare, bareCpu)}`);
      console.log(`${path.padEnd(10)} stow  ${fmt(stow, stowCpu)}`);
      console.log(
        `${path.padEnd(10)} ratio ${ratio.toFixed(2)} of the bare handler's throughput (target >= ${TARGET_RATIO}); ` +
          `Stow adds ${(stowCpu - bareCpu).toFixed(1)} µs of server CPU per request`,
      );
    }
  }
  console.log(
    `result: ${worst >= TARGET_RATIO ? 'meets' : 'BELOW'} target (worst ratio ${worst.toFixed(2)})`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
