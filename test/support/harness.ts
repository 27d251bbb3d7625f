import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { GROUP } from '../../src/api/constants.js';
import { buildAllCrds } from '../../src/api/crd.js';
import { type PostgresDB, POSTGRESDBS } from '../../src/api/v1beta1.js';
import type { OperatorConfig } from '../../src/config/schema.js';
import { RECONCILED_KINDS } from '../../src/operator.js';
import {
  type RunningController,
  type StartControllerOptions,
  startController,
} from '../../src/controller/index.js';
import { createKubeClient, isKubeError, type KubeClient } from '../../src/kube/client.js';
import { pathOf } from '../../src/kube/paths.js';
import { KubeResources } from '../../src/kube/resources.js';
import {
  type CoreEvent,
  EVENTS,
  type List,
  type Secret,
  SECRETS,
  type Service,
  SERVICES,
} from '../../src/kube/types.js';
import { type ControlPlane, startControlPlane } from '../../src/dev/control-plane/control-plane.js';
import { type RdsEmulator, type StateDelays, startRdsEmulator } from '../../src/dev/emulator/index.js';
import { createLogger } from '../../src/util/logger.js';
import { testConfig } from './config.js';
import { applyObjects, kubectlOrThrow } from './kubectl.js';

export { testConfig } from './config.js';

export const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Log lines of every controller started by the harness, for the password grep. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
}

/** Counts the controller's Kubernetes requests; Lease traffic (leader election) is counted apart. */
export class RequestCounter {
  writes: string[] = [];
  reads = 0;
  leaseWrites = 0;
  observe = (method: string, path: string, _code: number) => {
    if (!WRITE_METHODS.has(method)) {
      this.reads++;
      return;
    }
    if (path.includes('/leases')) this.leaseWrites++;
    else this.writes.push(`${method} ${path}`);
  };
  reset() {
    this.writes = [];
    this.reads = 0;
    this.leaseWrites = 0;
  }
}

export interface Harness {
  cp: ControlPlane;
  emulator: RdsEmulator;
  kubeConfig: KubeConfig;
  client: KubeClient;
  /** Reads and writes of any kind, through the client. */
  kube: KubeResources;
  config: OperatorConfig;
  logs: LogCapture;
  counter: RequestCounter;
  namespace: string;
  start(overrides?: Partial<StartControllerOptions>): Promise<RunningController>;
  apply(objects: unknown[]): Promise<void>;
  get(name: string, namespace?: string): Promise<PostgresDB | undefined>;
  list(namespace?: string): Promise<PostgresDB[]>;
  secret(name: string, namespace?: string): Promise<Secret | undefined>;
  service(name: string, namespace?: string): Promise<Service | undefined>;
  events(namespace?: string): Promise<CoreEvent[]>;
  remove(name: string, namespace?: string): Promise<void>;
  patch(name: string, patch: unknown, namespace?: string): Promise<PostgresDB>;
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  /** The emulator's delays changed until the test ends, then back to what they were. */
  delayUntilTeardown(t: { teardown(fn: () => void): void }, patch: Partial<StateDelays>): void;
  /** Sum of the API server's own write counter (apiserver_request_total, non-read verbs), leases apart. */
  apiServerWrites(): Promise<{ total: number; byResource: Record<string, number> }>;
  stop(): Promise<void>;
}

export function postgresDB(
  name: string,
  spec: Partial<PostgresDB['spec']> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata: { name, ...((extra.metadata as object) ?? {}) },
    spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 }, deletionPolicy: 'Delete', ...spec },
  };
}

export function condition(object: PostgresDB | undefined, type: string) {
  return object?.status?.conditions?.find((c) => c.type === type);
}

export function isReady(object: PostgresDB | undefined) {
  return condition(object, 'Ready')?.status === 'True';
}

/** Fake credentials for the SDK's default chain, and the emulator through AWS_ENDPOINT_URL_RDS. */
export function awsEnvironment(emulator: Pick<RdsEmulator, 'url'>): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: 'emulator',
    AWS_SECRET_ACCESS_KEY: 'emulator',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_RDS: emulator.url,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export async function installCrd(cp: ControlPlane): Promise<void> {
  const crds = buildAllCrds({ versions: ['v1beta1'] });
  await applyObjects(
    cp,
    crds.map(({ crd }) => crd),
  );
  await kubectlOrThrow(cp, [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    ...crds.map(({ plural }) => `crd/${plural}.${GROUP}`),
  ]);
}

/** `emulatorDelays`: the emulator's options (delays, and `servers: 'postgres'` for real servers). */
export async function startHarness(
  options: { emulatorDelays?: Parameters<typeof startRdsEmulator>[0] } = {},
): Promise<Harness> {
  const [cpResult, emulatorResult] = await Promise.allSettled([
    startControlPlane(),
    startRdsEmulator({
      delays: { creating: 200, backingUp: 100, modifying: 200, deleting: 200 },
      ...options.emulatorDelays,
    }),
  ]);
  const cp = cpResult.status === 'fulfilled' ? cpResult.value : undefined;
  const emulator = emulatorResult.status === 'fulfilled' ? emulatorResult.value : undefined;
  const namespace = 'apps';
  try {
    if (!cp || !emulator)
      throw cpResult.status === 'rejected'
        ? cpResult.reason
        : (emulatorResult as PromiseRejectedResult).reason;
    Object.assign(process.env, awsEnvironment(emulator));
    await installCrd(cp);
    await kubectlOrThrow(cp, ['create', 'namespace', namespace]);
  } catch (error) {
    await Promise.allSettled([cp?.stop(), emulator?.close()]);
    throw error;
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cp.kubeconfigPath);
  const client = await createKubeClient(kubeConfig);
  const logs = new LogCapture();
  const counter = new RequestCounter();
  const config = testConfig();
  // With real servers behind the instances there is something to connect to.
  if (emulator.servers === 'postgres') config.accessCheck = { ...config.accessCheck, enabled: true };
  const running: RunningController[] = [];
  let replica = 0;

  const harness: Harness = {
    cp,
    emulator,
    kubeConfig,
    client,
    kube: new KubeResources(client),
    config,
    logs,
    counter,
    namespace,
    async start(overrides = {}) {
      replica++;
      const logger = createLogger({ level: 'debug', destination: logs });
      const controller = await startController({
        kinds: RECONCILED_KINDS,
        kubeConfig,
        config,
        logger,
        registry: new Registry(),
        leaderElection: {
          namespace: 'default',
          name: 'stow-controller',
          identity: `replica-${replica}`,
          leaseDurationSeconds: 3,
        },
        resyncPeriodSeconds: 60,
        pollIntervalSeconds: 0.3,
        backoff: { baseMs: 100, maxMs: 3000 },
        observeKubeRequest: counter.observe,
        ...overrides,
      });
      running.push(controller);
      return controller;
    },
    apply: (objects) => applyObjects(cp, objects, namespace),
    get: (name, ns = namespace) => getOptional<PostgresDB>(client, pathOf(POSTGRESDBS, ns, name)),
    async list(ns = namespace) {
      return (await client.request<List<PostgresDB>>('GET', pathOf(POSTGRESDBS, ns))).items;
    },
    secret: (name, ns = namespace) => getOptional<Secret>(client, pathOf(SECRETS, ns, name)),
    service: (name, ns = namespace) => getOptional<Service>(client, pathOf(SERVICES, ns, name)),
    async events(ns = namespace) {
      return (await client.request<List<CoreEvent>>('GET', pathOf(EVENTS, ns))).items;
    },
    async remove(name, ns = namespace) {
      await client.request('DELETE', pathOf(POSTGRESDBS, ns, name));
    },
    patch: (name, patch, ns = namespace) =>
      client.request<PostgresDB>('PATCH', pathOf(POSTGRESDBS, ns, name), {
        body: patch,
        contentType: 'application/merge-patch+json',
      }),
    async waitFor(what, probe, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value !== undefined && value !== false) return value as never;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(100);
      }
    },
    delayUntilTeardown(t, patch) {
      const before = emulator.control.currentDelays();
      emulator.setDelays(patch);
      t.teardown(() => void emulator.setDelays(before));
    },
    async apiServerWrites() {
      return parseWrites(await client.request<string>('GET', '/metrics', { responseType: 'text' }));
    },
    async stop() {
      await Promise.allSettled(running.map((c) => c.stop()));
      client.close();
      await Promise.allSettled([cp.stop(), emulator.close()]);
    },
  };
  return harness;
}

async function getOptional<T>(client: KubeClient, path: string): Promise<T | undefined> {
  try {
    return await client.request<T>('GET', path);
  } catch (error) {
    if (isKubeError(error, 404)) return undefined;
    throw error;
  }
}

/** Writes counted by the API server (`apiserver_request_total`, non-read verbs) in a /metrics page, leases apart. */
export function parseWrites(text: string): { total: number; byResource: Record<string, number> } {
  const byResource: Record<string, number> = {};
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY', 'CREATE', 'UPDATE'].includes(labels.verb ?? ''))
      continue;
    if (labels.resource === 'leases') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    byResource[key] = (byResource[key] ?? 0) + value;
    total += value;
  }
  return { total, byResource };
}
