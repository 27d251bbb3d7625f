import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { type DevCerts, makeDevCerts } from '../control-plane/certs.js';
import { guardDir, releaseDir } from '../control-plane/orphan-guard.js';
import { locatePostgresBinaries, type PostgresBinaries } from '../postgres/binaries.js';
import { type PostgresServer, type ServerDataCopy, startPostgresServer } from '../postgres/server.js';
import { giveToServer, type ServerUser, serverUser } from '../postgres/server-user.js';
import type { DbInstance } from './model.js';

/** What runs behind the emulated instances: a real PostgreSQL server each, or nothing. */
export const SERVER_MODES = ['postgres', 'none'] as const;
export type ServerMode = (typeof SERVER_MODES)[number];
export const SERVER_MODE_VARIABLE = 'STOW_EMULATOR_SERVERS';

/** The option if given, else $STOW_EMULATOR_SERVERS, else `none` (the mode that scales to thousands). */
export function serverModeOf(option: ServerMode | undefined, env = process.env): ServerMode {
  const value = option ?? env[SERVER_MODE_VARIABLE] ?? 'none';
  if (!(SERVER_MODES as readonly string[]).includes(value)) {
    throw new Error(
      `${option === undefined ? SERVER_MODE_VARIABLE : 'servers'} must be ${SERVER_MODES.join(' or ')} (got ${JSON.stringify(value)})`,
    );
  }
  return value as ServerMode;
}

export interface ServerEndpoint {
  address: string;
  port: number;
}

/** The servers behind instances, as the lifecycle drives them; keyed by instance (identifiers are reused). */
export interface InstanceServers {
  /** Starts the instance's server; resolves once it accepts connections with the master credentials. */
  start(instance: DbInstance): Promise<ServerEndpoint>;
  /** Undefined until the server accepts connections (and for instances without one). */
  endpointOf(instance: DbInstance): ServerEndpoint | undefined;
  setMasterPassword(instance: DbInstance, password: string): Promise<void>;
  /** Stops the instance's server and removes its data. */
  stop(instance: DbInstance): Promise<void>;
  stopAll(): Promise<void>;
}

/**
 * One PostgreSQL server per instance, in one temporary folder, all with one certificate; copies of
 * their data (for snapshots and points in time) in a subfolder.
 */
export class PostgresInstanceServers implements InstanceServers {
  private readonly servers = new Map<DbInstance, Promise<PostgresServer>>();
  private readonly endpoints = new Map<DbInstance, ServerEndpoint>();
  private started = 0;
  private copied = 0;

  private constructor(
    private readonly binaries: PostgresBinaries,
    private readonly user: ServerUser | undefined,
    private readonly root: string,
    private readonly tls: DevCerts,
    private readonly logger: FastifyBaseLogger | undefined,
  ) {}

  /** Finds (or installs) PostgreSQL and makes the certificate, so a machine without it fails at once. */
  static async prepare(logger?: FastifyBaseLogger): Promise<PostgresInstanceServers> {
    const binaries = await locatePostgresBinaries((line) => logger?.info(line));
    const user = await serverUser();
    const root = await mkdtemp(join(tmpdir(), 'stow-rds-'));
    guardDir(root);
    try {
      const tls = await makeDevCerts(join(root, 'tls'));
      await mkdir(join(root, 'copies'), { mode: 0o700 });
      await giveToServer(join(root, 'copies'), user);
      await giveToServer(root, user);
      return new PostgresInstanceServers(binaries, user, root, tls, logger);
    } catch (error) {
      await removeFolder(root);
      throw error;
    }
  }

  /** The CA that signed every server's certificate (for `localhost` and `127.0.0.1`). */
  get caPem(): string {
    return this.tls.caPem;
  }

  /** From `from`, a copy of another server's data, when given; else a new cluster. */
  start(instance: DbInstance, from?: ServerDataCopy): Promise<ServerEndpoint> {
    // Short folder names: the Unix socket's path must stay under 108 bytes.
    const starting = startPostgresServer({
      ...(from ? { from } : {}),
      binaries: this.binaries,
      user: this.user,
      dir: join(this.root, `pg-${++this.started}`),
      tls: { certPem: this.tls.certPem, keyPem: this.tls.keyPem },
      master: {
        username: instance.masterUsername,
        password: instance.masterUserPassword,
        databaseName: instance.dbName,
      },
    });
    this.servers.set(instance, starting);
    return starting.then(
      (server) => {
        const endpoint = { address: server.address, port: server.port };
        this.endpoints.set(instance, endpoint);
        return endpoint;
      },
      (error: Error) => {
        this.servers.delete(instance);
        this.logger?.error(
          { instance: instance.identifier, err: error.message },
          'the PostgreSQL server of an instance did not start',
        );
        throw error;
      },
    );
  }

  endpointOf(instance: DbInstance): ServerEndpoint | undefined {
    return this.endpoints.get(instance);
  }

  /** The instances whose server accepts connections. */
  running(): DbInstance[] {
    return [...this.endpoints.keys()];
  }

  /** A consistent copy of the instance's data, taken while its server runs; fails when it has none. */
  async copyData(instance: DbInstance): Promise<ServerDataCopy> {
    return (await this.serverOf(instance)).copyData(join(this.root, 'copies', `c-${++this.copied}`));
  }

  /** Equal values mean the instance's data has not changed in between. */
  async dataVersion(instance: DbInstance): Promise<string> {
    return (await this.serverOf(instance)).dataVersion();
  }

  async removeCopy(copy: ServerDataCopy): Promise<void> {
    await rm(copy.dataDir, { recursive: true, force: true });
  }

  private async serverOf(instance: DbInstance): Promise<PostgresServer> {
    const server = await this.servers.get(instance);
    if (!server) throw new Error(`instance ${instance.identifier} has no PostgreSQL server`);
    return server;
  }

  async setMasterPassword(instance: DbInstance, password: string): Promise<void> {
    const server = await this.servers.get(instance);
    if (!server) return;
    try {
      await server.setPassword(instance.masterUsername, password);
    } catch (error) {
      this.logger?.error(
        { instance: instance.identifier, err: (error as Error).message },
        'could not set the master password in the PostgreSQL server',
      );
      throw error;
    }
  }

  async stop(instance: DbInstance): Promise<void> {
    const starting = this.servers.get(instance);
    this.servers.delete(instance);
    this.endpoints.delete(instance);
    const server = await starting?.catch(() => undefined);
    await server
      ?.stop()
      .catch((error: Error) =>
        this.logger?.warn({ instance: instance.identifier, err: error.message }, 'stopping a server failed'),
      );
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((instance) => this.stop(instance)));
  }

  /** Stops every server and removes the folder. */
  async close(): Promise<void> {
    await this.stopAll();
    await removeFolder(this.root);
  }
}

async function removeFolder(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  releaseDir(dir);
}
