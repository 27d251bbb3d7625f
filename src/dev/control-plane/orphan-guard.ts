import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Makes sure process groups and temp dirs do not outlive this Node process, however it ends.
 *
 * - Normal exit, process.exit() and uncaught exceptions run the 'exit' handler, which kills
 *   synchronously.
 * - Signals and SIGKILL end Node without running JavaScript, so a small detached watchdog process
 *   holds the read end of a pipe from us: when we die the pipe closes and it does the cleaning.
 *   Installing no signal handlers of our own leaves the host's (tap's, the CLI's) behaviour alone.
 */
const groups = new Set<number>();
const dirs = new Set<string>();
let watchdog: ChildProcess | undefined;

export function guardProcessGroup(pgid: number): void {
  groups.add(pgid);
  tellWatchdog(`+group ${pgid}`);
}

export function releaseProcessGroup(pgid: number): void {
  groups.delete(pgid);
  tellWatchdog(`-group ${pgid}`);
}

export function guardDir(dir: string): void {
  dirs.add(dir);
  tellWatchdog(`+dir ${dir}`);
}

export function releaseDir(dir: string): void {
  dirs.delete(dir);
  tellWatchdog(`-dir ${dir}`);
}

function tellWatchdog(line: string): void {
  startWatchdog().stdin?.write(`${line}\n`);
}

function startWatchdog(): ChildProcess {
  if (watchdog) return watchdog;
  process.once('exit', cleanUpNow);
  watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref(): void }).unref();
  watchdog.stdin?.on('error', () => {});
  return watchdog;
}

function cleanUpNow(): void {
  for (const pgid of groups) killGroup(pgid);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

const WATCHDOG_SOURCE = `
const fs = require('node:fs');
const groups = new Set();
const dirs = new Set();
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  const lines = buffered.split('\\n');
  buffered = lines.pop();
  for (const line of lines) {
    const match = /^([+-])(group|dir) (.+)$/.exec(line);
    if (!match) continue;
    const set = match[2] === 'group' ? groups : dirs;
    if (match[1] === '+') set.add(match[3]);
    else set.delete(match[3]);
  }
});
process.stdin.on('end', () => {
  for (const pgid of groups) { try { process.kill(-Number(pgid), 'SIGKILL'); } catch {} }
  for (const dir of dirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} }
  process.exit(0);
});
`;
