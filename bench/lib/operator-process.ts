import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Family, parseExposition } from '../../test/support/prometheus.js';
import { type BenchProcess, startBenchProcess } from './child-process.js';
import { type CpuProfile, InspectorSession, inspectorUrl, type MemoryUsage } from './inspector.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const EMULATOR = fileURLToPath(new URL('../../src/dev/emulator/main.js', import.meta.url));

export interface OperatorLaunch {
  name: string;
  /** `stow run` flags besides the ports, e.g. `--no-controller`. */
  flags: string[];
  configFile: string;
  certsDir: string;
  webhookPort: number;
  metricsPort: number;
  /** Node's --max-old-space-size, in MiB. */
  heapLimitMb: number;
  env: NodeJS.ProcessEnv;
  logDir: string;
}

/** An operator as `stow run` runs it, in its own process, seen from outside: logs, /metrics, /proc and the inspector. */
export interface OperatorProcess {
  readonly process: BenchProcess;
  /** Where it serves the webhooks. */
  readonly webhookPort: number;
  /** Date.now() when it was started. */
  readonly startedAt: number;
  metrics(): Promise<Map<string, Family>>;
  /** `VmHWM` (peak resident set) or `VmRSS` of the process, in bytes. */
  vm(field: 'VmHWM' | 'VmRSS'): number;
  /** A full GC, then process.memoryUsage(), through the inspector. */
  memoryAfterGc(): Promise<MemoryUsage>;
  /** Heap snapshots of every isolate (main thread and workers); the files written. */
  writeHeapSnapshots(file: string): Promise<string[]>;
  /** V8's sampling profiler in every isolate, through the inspector. */
  startCpuProfiles(): Promise<void>;
  stopCpuProfiles(): Promise<CpuProfile[]>;
  /** When it logged `became leader` (Date.now() clock), waiting for it if need be. */
  becameLeader(timeoutMs: number): Promise<number>;
  /** When it logged `caches filled` (its informers' first lists, leading or not), waiting if need be. */
  cachesFilled(timeoutMs: number): Promise<number>;
  /** Resolves once the postgresdb work queue is empty and no worker is busy, twice in a row. */
  waitIdle(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

const VM_FIELD = (field: string) => new RegExp(`^${field}:\\s+(\\d+) kB`, 'm');

export async function startOperatorProcess(launch: OperatorLaunch): Promise<OperatorProcess> {
  const child = startBenchProcess(
    launch.name,
    process.execPath,
    [
      `--max-old-space-size=${launch.heapLimitMb}`,
      '--inspect=127.0.0.1:0',
      CLI,
      'run',
      '--config',
      launch.configFile,
      '--tls-dir',
      launch.certsDir,
      '--webhook-port',
      String(launch.webhookPort),
      '--metrics-port',
      String(launch.metricsPort),
      '--bind-address',
      '127.0.0.1',
      '--leader-election-namespace',
      'default',
      ...launch.flags,
    ],
    { env: launch.env, logFile: join(launch.logDir, `${launch.name.replaceAll(' ', '-')}.log`) },
  );
  const startedAt = Date.now();
  try {
    const url = inspectorUrl(await child.waitForLine((line) => inspectorUrl(line) !== undefined, 30_000));
    const inspector = await InspectorSession.connect(url!);
    await child.waitForLine((line) => line.includes('"msg":"stow is running"'), 60_000);
    const metricsUrl = `http://127.0.0.1:${launch.metricsPort}/metrics`;
    const loggedAt = async (message: string, timeoutMs: number) => {
      const line = await child.waitForLine((text) => text.includes(`"msg":"${message}"`), timeoutMs);
      return Date.parse((JSON.parse(line) as { time: string }).time);
    };
    const metrics = async () => parseExposition(await (await fetch(metricsUrl)).text());
    return {
      process: child,
      webhookPort: launch.webhookPort,
      startedAt,
      metrics,
      vm: (field) =>
        Number(VM_FIELD(field).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) * 1024,
      memoryAfterGc: () => inspector.memoryAfterGc(),
      writeHeapSnapshots: (file) => inspector.writeHeapSnapshots(file),
      startCpuProfiles: () => inspector.startCpuProfiles(),
      stopCpuProfiles: () => inspector.stopCpuProfiles(),
      becameLeader: (timeoutMs) => loggedAt('became leader', timeoutMs),
      cachesFilled: (timeoutMs) => loggedAt('caches filled', timeoutMs),
      async waitIdle(timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        let idleInARow = 0;
        while (idleInARow < 2) {
          if (Date.now() > deadline) throw new Error(`${launch.name}: not idle after ${timeoutMs} ms`);
          await sleep(250);
          const families = await metrics();
          const busy =
            sumOf(families, 'workqueue_depth', { name: 'postgresdb' }) +
            sumOf(families, 'controller_runtime_active_workers', { controller: 'postgresdb' });
          idleInARow = busy === 0 ? idleInARow + 1 : 0;
        }
      },
      async stop() {
        inspector.close();
        await child.stop();
      },
      async kill() {
        inspector.close();
        await child.kill('SIGKILL');
      },
    };
  } catch (error) {
    await child.kill('SIGKILL');
    throw error;
  }
}

/** The sum of a family's samples whose labels include `labels`. */
export function sumOf(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.get(name) ?? families.get(name.replace(/_(sum|count|bucket)$/, ''));
  const samples = family?.samples ?? [];
  return samples
    .filter(
      (sample) => sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** The RDS emulator's own process (`--delay-ms 0`: every state change at once). */
export async function startEmulatorProcess(logDir: string): Promise<{ url: string; process: BenchProcess }> {
  const emulator = startBenchProcess(
    'rds emulator',
    process.execPath,
    [EMULATOR, '--port', '0', '--delay-ms', '0'],
    {
      env: process.env,
      logFile: join(logDir, 'emulator.log'),
    },
  );
  try {
    const url = await emulator.waitForLine((line) => line.startsWith('http://'), 30_000);
    return { url: url.trim(), process: emulator };
  } catch (error) {
    await emulator.kill('SIGKILL');
    throw error;
  }
}
