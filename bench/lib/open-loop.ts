import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type BenchProcess, startBenchProcess } from './child-process.js';

/** What the open-loop generator measured: latency from each request's due time to its answer. */
export interface OpenLoopResult {
  sent: number;
  /** Answers other than 200, and requests that failed or took over 10 s. */
  errors: number;
  seconds: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
  /** How late the generator's own timer sent requests (p99): high means the generator was starved. */
  generatorLagP99ms: number;
}

export interface OpenLoopOptions {
  url: string;
  caFile: string;
  body: string;
  rate: number;
  /** Where the request body and the generator's log are written. */
  dir: string;
  /** Load sent before measuring starts, so the server's handlers are compiled and warm. */
  warmUpMs: number;
  connections?: number;
}

const SCRIPT = fileURLToPath(new URL('./open-loop-process.js', import.meta.url));

/** Starts the generator and resolves once it has warmed the server up and measures; `stop` ends it and reads its figures. */
export async function startOpenLoop(options: OpenLoopOptions): Promise<{ stop(): Promise<OpenLoopResult> }> {
  const bodyFile = join(options.dir, 'open-loop-body.json');
  await writeFile(bodyFile, options.body);
  const args = {
    url: options.url,
    caFile: options.caFile,
    bodyFile,
    rate: options.rate,
    connections: options.connections ?? 16,
  };
  const generator: BenchProcess = startBenchProcess(
    'open-loop load',
    process.execPath,
    [SCRIPT, JSON.stringify(args)],
    { env: process.env, logFile: join(options.dir, 'open-loop.log') },
  );
  await generator.waitForLine((line) => line === 'ready', 30_000);
  await sleep(options.warmUpMs);
  process.kill(generator.pid, 'SIGUSR2');
  return {
    async stop() {
      const summary = generator.waitForLine((line) => line.startsWith('{"sent"'), 30_000);
      process.kill(generator.pid, 'SIGTERM');
      const line = await summary;
      await generator.exited;
      return JSON.parse(line) as OpenLoopResult;
    },
  };
}
