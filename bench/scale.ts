import { spawnSync } from 'node:child_process';
import { runScale } from './lib/scale.js';
import { formatScaleReport } from './lib/scale-report.js';

// bench/scale (issue 16): N PostgresDBs (default 10,000) against a real API server and the RDS
// emulator in its own process with zero delays, the operator run as `stow run` in its own process.
// Prints the time to all Ready, Kubernetes and RDS requests per resource, the operator's peak RSS and
// heap after GC at N/10, N/2 and N, a cold start of a new leader, webhook latency under load with the
// controller off and on, each next to its target, and what holds the operator's heap at N.

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim();
const report = await runScale({
  resources: number('STOW_BENCH_RESOURCES', 10_000),
  webhookResources: number('STOW_BENCH_WEBHOOK_RESOURCES', 1000),
  webhookRate: number('STOW_BENCH_WEBHOOK_RATE', 200),
  heapLimitMb: number('STOW_BENCH_HEAP_LIMIT_MB', 384),
  awsCallsPerSecond: number('STOW_BENCH_AWS_RATE', 1000),
  heapSnapshot: process.env.STOW_BENCH_HEAP_SNAPSHOT !== '0',
  ...(process.env.STOW_BENCH_CPU_PROFILE ? { cpuProfileDir: process.env.STOW_BENCH_CPU_PROFILE } : {}),
  log: (line) => console.error(`[${new Date().toISOString()}] ${line}`),
});
console.log(`${new Date().toISOString().slice(0, 10)}${commit ? `, commit ${commit}` : ''}`);
for (const line of formatScaleReport(report)) console.log(line);
