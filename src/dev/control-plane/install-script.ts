import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs one of the project's install scripts (`scripts/<name>/install.sh`, found above this module
 * in a checkout or an installed package) and resolves with the last line of its stdout: the folder
 * holding what it installed. Its stderr goes to `log`, line by line.
 */
export function runInstallScript(name: string, log: (line: string) => void): Promise<string> {
  const script = findInstallScript(name);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      for (const line of chunk.trimEnd().split('\n')) log(line);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const dir = stdout.trimEnd().split('\n').pop()?.trim();
      if (code === 0 && dir) resolve(dir);
      else
        reject(
          new Error(`${script} failed (exit code ${code}):\n${stderr.split('\n').slice(-30).join('\n')}`),
        );
    });
  });
}

function findInstallScript(name: string): string {
  const relative = join('scripts', name, 'install.sh');
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, relative);
    try {
      accessSync(candidate, constants.R_OK);
      return candidate;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) throw new Error(`${relative} not found above ${import.meta.url}`);
      dir = parent;
    }
  }
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
