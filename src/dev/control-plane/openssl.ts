import { execFile } from 'node:child_process';

/** Runs the machine's `openssl` and rejects with its stderr when it fails. */
export function openssl(args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { encoding: 'utf8', cwd }, (error, stdout, stderr) => {
      if (error) reject(new Error(`openssl ${args[0]} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}
