import { execFile } from 'node:child_process';
import { chown } from 'node:fs/promises';

/** The user a server runs as: PostgreSQL refuses root, so a root process hands it to `postgres`. */
export interface ServerUser {
  uid: number;
  gid: number;
}

let lookedUp: Promise<ServerUser | undefined> | undefined;

/** Undefined when this process is not root: the server then runs as the current user. */
export function serverUser(): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return Promise.resolve(undefined);
  lookedUp ??= Promise.all([idOf('-u'), idOf('-g')]).then(([uid, gid]) => ({ uid, gid }));
  lookedUp.catch(() => {
    lookedUp = undefined;
  });
  return lookedUp;
}

/** Hands a file or folder made by this process to the server's user (nothing to do when not root). */
export async function giveToServer(path: string, user: ServerUser | undefined): Promise<void> {
  if (user) await chown(path, user.uid, user.gid);
}

function idOf(flag: '-u' | '-g'): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('id', [flag, 'postgres'], { encoding: 'utf8' }, (error, stdout) => {
      const id = Number(stdout.trim());
      if (error || !Number.isInteger(id)) {
        reject(
          new Error(
            'PostgreSQL refuses to run as root, and there is no postgres user to run it as: ' +
              "install Debian's postgresql package (scripts/postgres/install.sh)",
          ),
        );
      } else resolve(id);
    });
  });
}
