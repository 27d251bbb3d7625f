import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { guardGroupUntilExit } from '../../src/dev/control-plane/managed-process.js';
import { killGroup } from '../../src/dev/control-plane/orphan-guard.js';

/** A process of the bench (the emulator, an operator, the load generator), read line by line. */
export interface BenchProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<string>;
  hasExited(): boolean;
  /** Resolves with the first line (stdout or stderr, from the start) matching, or fails on exit or timeout. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** Called with every line from now on. */
  onLine(listener: (line: string) => void): void;
  /** A signal to the process group; resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines it wrote, for error messages. */
  tail(): string;
}

const KEPT_LINES = 60;
/** Lines remembered for waitForLine: the start-up lines it is asked about come early. */
const EARLY_LINES = 200;

/**
 * Starts a process in a group of its own (guarded: nothing outlives the bench, however it ends), its
 * output appended to `logFile` and offered line by line. NODE_OPTIONS is dropped, so a test runner's
 * loader does not ride along and the process's memory is its own.
 */
export function startBenchProcess(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; logFile: string },
): BenchProcess {
  const { NODE_OPTIONS: _dropped, ...env } = options.env;
  const child = spawn(command, args, { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const { pid, exited, hasExited } = guardGroupUntilExit(child, name, command);
  const log = createWriteStream(options.logFile, { flags: 'a' });
  // After its streams, which may still deliver once the process has exited.
  child.once('close', () => log.end());
  const early: string[] = [];
  const recent: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      log.write(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (early.length < EARLY_LINES) early.push(line);
        recent.push(line);
        if (recent.length > KEPT_LINES * 2) recent.splice(0, recent.length - KEPT_LINES);
        for (const listener of listeners) listener(line);
      }
    });
  }

  const kill = async (signal: NodeJS.Signals) => {
    if (!hasExited()) killGroup(pid, signal);
    await exited;
  };
  return {
    name,
    pid,
    exited,
    hasExited,
    waitForLine(match, timeoutMs) {
      const seen = early.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`${name}: no such line after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const listener = (line: string) => {
          if (match(line)) finish(undefined, line);
        };
        const finish = (error?: Error, line?: string) => {
          clearTimeout(timer);
          listeners.delete(listener);
          if (error) reject(new Error(`${error.message}\n${recent.slice(-KEPT_LINES).join('\n')}`));
          else resolve(line!);
        };
        listeners.add(listener);
        void exited.then((how) => finish(new Error(`${name} exited (${how})`)));
      });
    },
    onLine: (listener) => listeners.add(listener),
    kill,
    async stop(graceMs = 10_000) {
      if (hasExited()) return;
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await kill('SIGTERM');
      clearTimeout(timer);
    },
    tail: () => recent.slice(-KEPT_LINES).join('\n'),
  };
}
