import { Agent, request } from 'undici';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  /** Every request's latency, in ascending order. */
  latenciesMs: number[];
}

export interface LoadOptions {
  url: string;
  body: string;
  ca: string;
  connections: number;
  durationMs: number;
  /** Reuse these connections (left open); by default a pool is opened and closed for this run alone. */
  dispatcher?: Agent;
}

/** A keep-alive TLS connection pool for runLoad. */
export function connectionPool(opts: Pick<LoadOptions, 'ca' | 'connections'>): Agent {
  return new Agent({ connections: opts.connections, pipelining: 1, connect: { ca: opts.ca } });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Closed-loop load over keep-alive TLS connections: each connection sends its next request on reply. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const dispatcher = opts.dispatcher ?? connectionPool(opts);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const response = await request(opts.url, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/json' },
          body: opts.body,
        });
        await response.body.text();
        if (response.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (!opts.dispatcher) await dispatcher.close();
  return summarise(latencies, errors, seconds);
}

function summarise(latencies: number[], errors: number, seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
    latenciesMs: latencies,
  };
}

/** Several runs as one: their requests over their summed durations, percentiles over all latencies. */
export function combineLoads(runs: readonly LoadResult[]): LoadResult {
  return summarise(
    runs.flatMap((run) => run.latenciesMs),
    runs.reduce((sum, run) => sum + run.errors, 0),
    runs.reduce((sum, run) => sum + run.seconds, 0),
  );
}
