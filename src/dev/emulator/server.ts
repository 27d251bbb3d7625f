import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { adminApi } from './admin-api.js';
import { CallLog, type CallReport } from './call-log.js';
import { EmulatorControl, type SeedInstanceInput } from './control.js';
import { FaultInjector } from './faults.js';
import { HeldResponses } from './held-responses.js';
import {
  type InstanceServers,
  PostgresInstanceServers,
  type ServerMode,
  serverModeOf,
} from './instance-servers.js';
import { type InstanceData, NO_DATA } from './instance-data.js';
import { InstanceLifecycle } from './lifecycle.js';
import type { DbInstance } from './model.js';
import {
  defaultAccountId,
  defaultCallLogLimit,
  defaultCopyIntervalMs,
  defaultDelays,
  defaultRegion,
  type FaultSettings,
  type RdsEmulatorOptions,
  type StateDelays,
} from './options.js';
import { queryApi } from './query-api.js';
import { ServerData } from './server-data.js';
import { SnapshotLifecycle } from './snapshots.js';
import { EmulatorState } from './state.js';

export const adminPrefix = '/_emulator';

export interface RdsEmulator {
  /** `http://host:port`, the value for the SDK's `endpoint` or `AWS_ENDPOINT_URL_RDS`. */
  readonly url: string;
  readonly port: number;
  /** Spread into `new RDSClient({...})`: endpoint, region and throwaway credentials. */
  readonly sdkConfig: EmulatorSdkConfig;
  /** The in-memory account, for in-process tests. */
  readonly state: EmulatorState;
  readonly control: EmulatorControl;
  /** What runs behind the instances. */
  readonly servers: ServerMode;
  /** With servers: the CA (PEM) that signed every server's certificate. */
  readonly caPem: string | undefined;
  setFaults(patch: Partial<FaultSettings>): FaultSettings;
  setDelays(patch: Partial<StateDelays>): StateDelays;
  calls(): CallReport;
  resetCalls(): void;
  seedInstance(input: SeedInstanceInput): DbInstance;
  forceStatus(dbInstanceIdentifier: string, status: string): DbInstance;
  /** Starts applying deferred modifications, as the maintenance window would; returns the instances. */
  applyPendingModifications(dbInstanceIdentifier?: string): string[];
  releaseHeldResponses(): number;
  /** Empties the account and restores the start-up delays and faults. */
  reset(): void;
  close(): Promise<void>;
}

export interface EmulatorSdkConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface EmulatorServer {
  app: FastifyInstance;
  control: EmulatorControl;
}

export type BuildEmulatorOptions = Omit<
  RdsEmulatorOptions,
  'port' | 'host' | 'servers' | 'copyIntervalMs'
> & {
  /** The servers behind instances (startRdsEmulator prepares them); none when absent. */
  instanceServers?: InstanceServers;
};

/** The emulator as a Fastify app that is not listening yet (`app.inject()` works on it). */
export function buildEmulatorServer(options: BuildEmulatorOptions = {}): EmulatorServer {
  const state = new EmulatorState(
    options.region ?? process.env.AWS_REGION ?? defaultRegion,
    options.accountId ?? defaultAccountId,
  );
  const initial = { delays: { ...defaultDelays, ...options.delays }, faults: options.faults ?? {} };
  const faults = new FaultInjector(initial.faults);
  const callLog = new CallLog(options.callLogLimit ?? defaultCallLogLimit);
  const held = new HeldResponses();
  const data = options.instanceData ?? NO_DATA;
  const lifecycle = new InstanceLifecycle(state, initial.delays, options.instanceServers, data);
  const snapshots = new SnapshotLifecycle(state, lifecycle, () => faults.failsSnapshots(), data);
  const control = new EmulatorControl(state, lifecycle, faults, callLog, held, initial, snapshots);

  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    // Held responses and the SDK's keep-alive sockets must not keep close() waiting.
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.register(queryApi({ context: { state, lifecycle, snapshots }, faults, callLog, held }));
  app.register(adminApi(control), { prefix: adminPrefix });
  app.addHook('onClose', async () => {
    held.releaseAll();
    lifecycle.close();
    snapshots.close();
    faults.close();
  });
  return { app, control };
}

export async function startRdsEmulator(options: RdsEmulatorOptions = {}): Promise<RdsEmulator> {
  const mode = serverModeOf(options.servers);
  const servers = mode === 'postgres' ? await PostgresInstanceServers.prepare(options.logger) : undefined;
  let serverData: ServerData | undefined;
  try {
    // With servers, snapshots and restores carry their data unless the caller brings its own hook.
    if (servers && !options.instanceData)
      serverData = new ServerData(servers, {
        copyIntervalMs: options.copyIntervalMs ?? defaultCopyIntervalMs,
        logger: options.logger,
      });
  } catch (error) {
    await servers?.close();
    throw error;
  }
  const instanceData: InstanceData | undefined = options.instanceData ?? serverData;
  const { app, control } = buildEmulatorServer({
    ...options,
    ...(servers ? { instanceServers: servers } : {}),
    ...(instanceData ? { instanceData } : {}),
  });
  if (servers)
    app.addHook('onClose', async () => {
      await serverData?.close();
      await servers.close();
    });
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    port,
    sdkConfig: {
      endpoint: url,
      region: control.state.region,
      credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
    },
    state: control.state,
    control,
    servers: mode,
    caPem: servers?.caPem,
    setFaults: (patch) => control.setFaults(patch),
    setDelays: (patch) => control.setDelays(patch),
    calls: () => control.calls(),
    resetCalls: () => control.resetCalls(),
    seedInstance: (input) => control.seedInstance(input),
    forceStatus: (id, status) => control.forceStatus(id, status),
    applyPendingModifications: (id) => control.applyPendingModifications(id),
    releaseHeldResponses: () => control.releaseHeldResponses(),
    reset: () => control.reset(),
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
