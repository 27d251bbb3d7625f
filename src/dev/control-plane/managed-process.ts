import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { guardProcessGroup, killGroup, releaseProcessGroup } from './orphan-guard.js';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process has exited (and been reaped), with its exit code or signal. */
  readonly exited: Promise<string>;
  readonly hasExited: () => boolean;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): Promise<string>;
}

/** Whom the process runs as (a root parent may drop to another user), and its environment. */
export interface ProcessIdentity {
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `command` in a process group of its own (so a terminal's Ctrl-C does not reach it before
 * we decide, and a stop reaches anything it forks), with stdout and stderr appended to `logFile`.
 */
export function startManagedProcess(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  identity: ProcessIdentity = {},
): ManagedProcess {
  const fd = openSync(logFile, 'a');
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], ...identity });
  } finally {
    closeSync(fd);
  }
  const { pid, exited, hasExited } = guardGroupUntilExit(child, name, command);
  // A forgotten stop() must not keep the test process alive; orphan-guard cleans up at exit.
  child.unref();

  return {
    name,
    pid,
    logFile,
    exited,
    hasExited,
    async stop(graceMs) {
      if (hasExited()) return;
      child.ref();
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async logTail(lines = 40) {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    },
  };
}

/**
 * For a child started `detached` (a process group of its own): guards the group (orphan-guard) until the
 * child exits, then ends whatever it forked into the group. Resolves `exited` with how it ended.
 */
export function guardGroupUntilExit(
  child: ChildProcess,
  name: string,
  command: string,
): { pid: number; exited: Promise<string>; hasExited(): boolean } {
  child.once('error', () => {});
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${name} (${command})`);
  guardProcessGroup(pid);
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      // Anything the process forked into its group goes with it.
      killGroup(pid);
      releaseProcessGroup(pid);
      resolve(signal ?? `exit code ${code}`);
    });
  });
  return { pid, exited, hasExited: () => done };
}
