// An open-loop load generator in a process of its own (so the bench's own work cannot delay it):
// POSTs one body to one HTTPS URL at a fixed rate, each request sent when the schedule says whatever
// the earlier ones are doing, and each latency measured from the moment it was due (no coordinated
// omission). Prints `ready` once its connections are open and requests flow; measures from SIGUSR2
// on (what came before warmed the server up) and prints a JSON summary after SIGTERM.
// Usage: node open-loop-process.js '{"url":...,"caFile":...,"bodyFile":...,"rate":200,"connections":16}'
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { percentile } from './load.js';
import type { OpenLoopResult } from './open-loop.js';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  caFile: string;
  bodyFile: string;
  rate: number;
  connections: number;
};
/** As the API server waits for a webhook (timeoutSeconds in the webhook configuration). */
const TIMEOUT_MS = 10_000;

const body = readFileSync(options.bodyFile, 'utf8');
const dispatcher = new Agent({
  connections: options.connections,
  pipelining: 1,
  connect: { ca: readFileSync(options.caFile, 'utf8') },
});
const latencies: number[] = [];
const lags: number[] = [];
let sent = 0;
let errors = 0;
const outstanding = new Set<Promise<void>>();

async function send(): Promise<boolean> {
  try {
    const response = await request(options.url, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body.text();
    return response.statusCode === 200;
  } catch {
    return false;
  }
}

/** Requests sent before measuring started are answered, but not counted. */
let epoch = 0;

function fire(due: number): void {
  const sentIn = epoch;
  sent++;
  lags.push(performance.now() - due);
  const done = send().then((ok) => {
    outstanding.delete(done);
    if (sentIn !== epoch) return;
    latencies.push(performance.now() - due);
    if (!ok) errors++;
  });
  outstanding.add(done);
}

// Open the connections first, so the measured requests do not pay the TLS handshakes.
await Promise.all(Array.from({ length: options.connections }, send));
const interval = 1000 / options.rate;
let started = performance.now();
let next = started;
let timer: NodeJS.Timeout | undefined;
const tick = () => {
  const now = performance.now();
  while (next <= now) {
    fire(next);
    next += interval;
  }
  timer = setTimeout(tick, Math.max(0, next - performance.now()));
};
tick();
process.stdout.write('ready\n');

process.on('SIGUSR2', () => {
  epoch++;
  started = performance.now();
  sent = 0;
  errors = 0;
  latencies.length = 0;
  lags.length = 0;
});

process.once('SIGTERM', async () => {
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([...outstanding]);
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  const result: OpenLoopResult = {
    sent,
    errors,
    seconds,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    generatorLagP99ms: percentile(lags, 99),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await dispatcher.close();
  process.exit(0);
});
