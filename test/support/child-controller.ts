import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Harness } from './harness.js';
import { awsEnvironment } from './harness.js';

const FIXTURE = fileURLToPath(new URL('./run-controller.js', import.meta.url));

/** A controller in its own process; its stdout (pino JSON lines) is kept. */
export interface ChildController {
  identity: string;
  process: ChildProcess;
  lines: string[];
  /** Log records with this message. */
  records(message: string): Array<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * With `nodeFlags`, the process runs with exactly those flags: the test runner's NODE_OPTIONS (its
 * module loader keeps every source file loaded, about 180 MiB) are dropped, so memory is the controller's own.
 */
export function spawnController(
  h: Harness,
  identity: string,
  env: Record<string, string> = {},
  nodeFlags?: string[],
): ChildController {
  const [command, args] = nodeFlags
    ? ['env', ['-u', 'NODE_OPTIONS', process.execPath, ...nodeFlags, FIXTURE]]
    : [process.execPath, ['--enable-source-maps', FIXTURE]];
  const child = spawn(command, args, {
    env: {
      ...process.env,
      ...awsEnvironment(h.emulator),
      KUBECONFIG: h.cp.kubeconfigPath,
      STOW_IDENTITY: identity,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    lines.push(...complete.filter(Boolean));
  });
  child
    .stderr!.setEncoding('utf8')
    .on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    identity,
    process: child,
    lines,
    records(message) {
      return lines.flatMap((line) => {
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          return record.msg === message ? [record] : [];
        } catch {
          return [];
        }
      });
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
