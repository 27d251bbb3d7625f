import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isExecutable, runInstallScript } from '../control-plane/install-script.js';

/** Where Debian's `postgresql` packages put each major version's server binaries. */
const DEBIAN_ROOT = '/usr/lib/postgresql';

export interface PostgresBinaries {
  dir: string;
  initdb: string;
  postgres: string;
  /** Copies a running server's data consistently (snapshots); from the client package, which the server needs. */
  pgBasebackup: string;
  major: number;
}

let located: Promise<PostgresBinaries> | undefined;

/**
 * The newest installed PostgreSQL server; when there is none, scripts/postgres/install.sh installs
 * Debian's `postgresql` package (once per process).
 */
export function locatePostgresBinaries(log: (line: string) => void = () => {}): Promise<PostgresBinaries> {
  const installed = newestInstalled();
  if (installed) return Promise.resolve(installed);
  located ??= runInstallScript('postgres', log).then((dir) => {
    const found = newestInstalled();
    if (!found) throw new Error(`scripts/postgres/install.sh named ${dir}, which has no initdb and postgres`);
    return found;
  });
  located.catch(() => {
    located = undefined;
  });
  return located;
}

function newestInstalled(): PostgresBinaries | undefined {
  let majors: number[];
  try {
    majors = readdirSync(DEBIAN_ROOT)
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .sort((a, b) => b - a);
  } catch {
    return undefined;
  }
  for (const major of majors) {
    const dir = join(DEBIAN_ROOT, String(major), 'bin');
    const initdb = join(dir, 'initdb');
    const postgres = join(dir, 'postgres');
    if (isExecutable(initdb) && isExecutable(postgres))
      return { dir, initdb, postgres, pgBasebackup: join(dir, 'pg_basebackup'), major };
  }
  return undefined;
}
