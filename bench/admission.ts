// bench/admission: throughput and p50/p99 latency of Stow's /validate and /mutate over TLS with
// keep-alive, against a bare Fastify TLS handler that always allows, measured in the same run.
// Target: Stow reaches at least 0.8 of the bare handler's throughput.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDevCerts } from '../src/dev/control-plane/certs.js';
import { minimalReview } from './admission-object.js';
import { combineLoads, connectionPool, type LoadResult, runLoad } from './lib/load.js';

const TARGET_RATIO = 0.8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
/** Per round: each server is measured for SLICES slices of SLICE_MS, alternating with the other. */
const SLICES = Number(process.env.BENCH_SLICES ?? 4);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 750);
const WARM_UP_MS = 1500;
// BENCH_PIN=1 puts the servers on CPU 0 and the load generator on CPU 1 (taskset), so a server is
// measured alone; off by default, where they share the machine as a webhook shares its node.
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

type Mode = 'bare' | 'stow';

/** What a server reports when stopped: requests served and CPU time used since measuring started. */
interface ServerUsage {
  served: number;
  cpuMicros: number;
}

interface Measurement extends LoadResult {
  /** Server CPU time (user + system) per request served in the measured slices. */
  cpuMicrosPerRequest: number;
}

async function startServer(mode: Mode, certsDir: string) {
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
      new Promise<ServerUsage>((resolve) => {
        child.once('exit', () => resolve(JSON.parse(lines[1] ?? '{"served":0,"cpuMicros":0}')));
        child.kill('SIGTERM');
      }),
  };
}

/**
 * One round: a fresh bare and a fresh Stow server, both warmed up, then measured in alternating slices
 * (bare, Stow, Stow, bare, ...) so that both see the same moments of a shared machine; slices of a
 * second apart drift far less than whole runs do.
 */
async function measureRound(path: string, body: string, certsDir: string, ca: string) {
  const modes: Mode[] = ['bare', 'stow'];
  const servers = { bare: await startServer('bare', certsDir), stow: await startServer('stow', certsDir) };
  const pools = {
    bare: connectionPool({ ca, connections: CONNECTIONS }),
    stow: connectionPool({ ca, connections: CONNECTIONS }),
  };
  const load = (mode: Mode, durationMs: number) =>
    runLoad({
      url: `https://127.0.0.1:${servers[mode].port}${path}`,
      body,
      ca,
      connections: CONNECTIONS,
      durationMs,
      dispatcher: pools[mode],
    });
  const slices: Record<Mode, LoadResult[]> = { bare: [], stow: [] };
  const usage = {} as Record<Mode, ServerUsage>;
  try {
    for (const mode of modes) await load(mode, WARM_UP_MS);
    for (const mode of modes) servers[mode].startMeasuring();
    for (let slice = 0; slice < SLICES; slice++) {
      for (const mode of slice % 2 ? [...modes].reverse() : modes) {
        slices[mode].push(await load(mode, SLICE_MS));
      }
    }
  } finally {
    await Promise.all(modes.map((mode) => pools[mode].close()));
    for (const mode of modes) usage[mode] = await servers[mode].stop();
  }
  const measurement = (mode: Mode): Measurement => ({
    ...combineLoads(slices[mode]),
    cpuMicrosPerRequest: usage[mode].cpuMicros / Math.max(usage[mode].served, 1),
  });
  return { bare: measurement('bare'), stow: measurement('stow') };
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
    `bench/admission: ${CONNECTIONS} keep-alive TLS connections; ${ROUNDS} rounds, each a fresh bare and Stow server ` +
      `measured in ${SLICES} alternating slices of ${SLICE_MS / 1000}s apiece; medians over rounds; ` +
      `${PIN ? 'servers pinned to CPU 0' : 'servers and load share the CPUs'}; ${process.version}`,
  );
  let worst = Number.POSITIVE_INFINITY;
  for (const [reviewName, review] of REVIEWS) {
    const body = JSON.stringify(review);
    console.log(`\n${reviewName} (${body.length} bytes)`);
    for (const path of ['/validate', '/mutate']) {
      const rounds: Array<Record<Mode, Measurement>> = [];
      for (let round = 0; round < ROUNDS; round++) rounds.push(await measureRound(path, body, dir, ca));
      const ratios = rounds.map((round) => round.stow.rps / round.bare.rps);
      const ratio = medianBy(ratios, (value) => value);
      worst = Math.min(worst, ratio);
      for (const mode of ['bare', 'stow'] as const) {
        const median = medianBy(rounds, (round) => round[mode].rps)[mode];
        const cpu = medianBy(rounds, (round) => round[mode].cpuMicrosPerRequest)[mode].cpuMicrosPerRequest;
        console.log(`${path.padEnd(10)} ${mode}  ${fmt(median, cpu)}`);
      }
      const extraCpu = medianBy(
        rounds.map((round) => round.stow.cpuMicrosPerRequest - round.bare.cpuMicrosPerRequest),
        (value) => value,
      );
      console.log(
        `${path.padEnd(10)} ratio ${ratio.toFixed(2)} of the bare handler's throughput (target >= ${TARGET_RATIO}; ` +
          `rounds: ${ratios.map((value) => value.toFixed(2)).join(' ')}); Stow adds ${extraCpu.toFixed(1)} µs of server CPU per request`,
      );
    }
  }
  console.log(
    `result: ${worst >= TARGET_RATIO ? 'meets' : 'BELOW'} target (worst ratio ${worst.toFixed(2)})`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
