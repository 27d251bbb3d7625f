// The scale bench (issue 16): N PostgresDBs against a real API server and the RDS emulator, with the
// operator run as users run it (`stow run`, webhooks + controller, in a process of its own, its
// webhooks registered with the API server) and measured only from outside: the API server, the
// emulator's call counter, the operator's /metrics and logs, /proc, and the inspector for its heap.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { buildWebhookConfigurations } from '../../src/admission/registration.js';
import { type PostgresDB, POSTGRESDBS } from '../../src/api/v1beta1.js';
import { makeDevCerts } from '../../src/dev/control-plane/certs.js';
import { startControlPlane } from '../../src/dev/control-plane/control-plane.js';
import { freeLoopbackPorts } from '../../src/dev/control-plane/ports.js';
import { createKubeClient, isKubeError, type KubeClient } from '../../src/kube/client.js';
import { pathOf } from '../../src/kube/paths.js';
import { LEASE_NAME } from '../../src/operator.js';
import { awsEnvironment, installCrd, parseWrites, postgresDB } from '../../test/support/harness.js';
import { imageEnvironment } from '../../test/support/image-environment.js';
import type { Family } from '../../test/support/prometheus.js';
import { type CpuSummary, summarizeCpuProfiles } from './cpu-profile.js';
import type { CpuProfile } from './inspector.js';
import { summarizeHeapSnapshotFiles } from './heap-snapshot.js';
import { inParallel } from './in-parallel.js';
import { applyObjects, kubectlOrThrow } from '../../test/support/kubectl.js';
import { startOpenLoop } from './open-loop.js';
import { cpuSecondsOf } from './proc-stat.js';
import {
  type OperatorProcess,
  startEmulatorProcess,
  startOperatorProcess,
  sumOf,
} from './operator-process.js';
import { PostgresDBTracker } from './postgresdb-tracker.js';
import { kubeCounts, subtract } from './request-counts.js';
import type { HeapPoint, RdsCalls, ScaleReport, WebhookWindow } from './scale-report.js';
import { slope } from './scale-report.js';

export interface ScaleOptions {
  /** N: the PostgresDBs created. */
  resources: number;
  /** Created (beside the N) while the webhook latency is measured, controller on and off: default min(N, 1,000). */
  webhookResources?: number;
  /** Admission requests per second sent to /validate meanwhile. Default 200. */
  webhookRate?: number;
  /** The operator's --max-old-space-size. Default 384 (MiB): what the chart sets for a 512 Mi container. */
  heapLimitMb?: number;
  /** The operator's awsCallBudget (rate and burst). Default 1,000, the highest the configuration takes. */
  awsCallsPerSecond?: number;
  /** Heap snapshots, summarized: of an operator leading with no resource, and of the operator at N. */
  heapSnapshot?: boolean;
  /** A CPU profile of the operator from the first create to all Ready: written here, and summarized. */
  cpuProfileDir?: string;
  log?: (line: string) => void;
}

const APPS = 'apps';
const WEBHOOK_LOAD = 'webhook-load';
const CREATE_PARALLELISM = 16;
const WARM_UP_MS = 3000;
const REVIEW = fileURLToPath(
  new URL('../../../bench/fixtures/admission-review-create.json', import.meta.url),
);

/** The whole run; every process it starts is stopped before it returns or throws. */
export async function runScale(options: ScaleOptions): Promise<ScaleReport> {
  const log = options.log ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), 'stow-scale-'));
  log(`working folder (logs of every process): ${dir}`);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const report = await run(options, dir, log, stops);
    await rm(dir, { recursive: true, force: true });
    return report;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/** What every phase works with: the processes, the bench's own client and watch, and the counters. */
interface Environment {
  client: KubeClient;
  tracker: PostgresDBTracker;
  webhookUrl: string;
  caFile: string;
  dir: string;
  /**
   * `stow run` with these flags, in its own process, its webhooks on the registered port, or on a port
   * of its own (a second replica beside a running one): `routeWebhooksTo` registers that one.
   */
  launch(name: string, flags?: string[], port?: 'registered' | 'own'): Promise<OperatorProcess>;
  /** Registers the webhooks at this operator's port (the API server calls it from then on). */
  routeWebhooksTo(operator: OperatorProcess): Promise<void>;
  create(namespace: string, names: string[]): Promise<void>;
  emulatorCalls(): Promise<RdsCalls>;
  resetCalls(): Promise<void>;
  apiServerWrites(): Promise<Record<string, number>>;
  /** CPU seconds used so far by each process of the run (the bench's own included), by name. */
  cpuSeconds(operator: OperatorProcess): Record<string, number>;
  timeoutMs: number;
}

async function run(
  options: ScaleOptions,
  dir: string,
  log: (line: string) => void,
  stops: Array<() => Promise<unknown>>,
): Promise<ScaleReport> {
  const n = options.resources;
  const heapLimitMb = options.heapLimitMb ?? 384;
  const awsCallsPerSecond = options.awsCallsPerSecond ?? 1000;
  const load = [loadavg()[0]!];
  log('starting the control plane and the RDS emulator');
  const env = await startEnvironment({ dir, resources: n, heapLimitMb, awsCallsPerSecond }, stops);

  // With snapshots, one of an operator leading with no resource, in a process of its own: a snapshot
  // leaves the resident set high, so the operator whose peak is measured takes none before N.
  let baselineSnapshots: string[] = [];
  if (options.heapSnapshot) {
    const idle = await env.launch('operator-baseline');
    await idle.becameLeader(60_000);
    await idle.waitIdle(60_000);
    baselineSnapshots = await idle.writeHeapSnapshots(join(dir, 'operator-0.heapsnapshot'));
    await idle.stop();
  }

  log(`creating ${n} PostgresDBs`);
  const names = range(n, 'bench');
  const { operator, create, memory } = await measureCreates(env, names, log, options.cpuProfileDir);
  load.push(loadavg()[0]!);
  let snapshots: string[] = [];
  if (options.heapSnapshot) {
    log('writing a heap snapshot of the operator');
    snapshots = await operator.writeHeapSnapshots(join(dir, `operator-${n}.heapsnapshot`));
  }

  log('cold start');
  const restarted = await measureColdStart(env, { kill: () => operator.kill(), changed: names[0]! });

  // Webhook latency while M more PostgresDBs are created: by the operator that caught up with the N,
  // until they are Ready; then by an operator with its controller off.
  const m = Math.min(n, options.webhookResources ?? 1000);
  const rate = options.webhookRate ?? 200;
  log('webhook latency, controller on');
  const controllerOn = await measureWebhooks(env, { controller: true, resources: m, rate });
  await restarted.operator.stop();
  await env.routeWebhooksTo(await env.launch('webhooks-only', ['--no-controller']));
  log('webhook latency, controller off');
  const controllerOff = await measureWebhooks(env, { controller: false, resources: m, rate });
  load.push(loadavg()[0]!);
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  if (options.heapSnapshot) log('reading the heap snapshots');

  return {
    resources: n,
    webhookResources: m,
    heapLimitMb,
    awsCallsPerSecond,
    node: process.version,
    load,
    create,
    memory,
    coldStart: restarted.report,
    webhooks: { rate, controllerOff, controllerOn },
    ...(options.heapSnapshot
      ? {
          heap: {
            baseline: await summarizeHeapSnapshotFiles(baselineSnapshots),
            atN: await summarizeHeapSnapshotFiles(snapshots),
          },
        }
      : {}),
  };
}

/**
 * The control plane with the CRDs and the webhooks registered (pointing at a loopback port every
 * operator of the run serves on), the emulator, the operator's configuration, and the bench's watch.
 */
async function startEnvironment(
  settings: { dir: string; resources: number; heapLimitMb: number; awsCallsPerSecond: number },
  stops: Array<() => Promise<unknown>>,
): Promise<Environment> {
  const { dir, heapLimitMb, awsCallsPerSecond } = settings;
  const [cp, emulator] = await Promise.all([startControlPlane(), startEmulatorProcess(dir)]);
  stops.push(
    () => cp.stop(),
    () => emulator.process.stop(),
  );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(cp.kubeconfigPath);
  const client = await createKubeClient(kubeConfig);
  stops.push(async () => client.close());
  await installCrd(cp);
  for (const namespace of [APPS, WEBHOOK_LOAD]) await kubectlOrThrow(cp, ['create', 'namespace', namespace]);
  const certsDir = join(dir, 'certs');
  const certs = await makeDevCerts(certsDir);
  const [webhookPort] = await freeLoopbackPorts(1);
  const webhookUrl = `https://127.0.0.1:${webhookPort}`;
  const caBundle = Buffer.from(certs.caPem).toString('base64');
  const registerWebhooks = async (url: string) => {
    const webhooks = buildWebhookConfigurations({ url, caBundle });
    await applyObjects(cp, webhooks);
  };
  await registerWebhooks(webhookUrl);
  const configFile = join(dir, 'operator.yaml');
  await writeFile(
    configFile,
    `clusterName: bench\nawsCallBudget: { ratePerSecond: ${awsCallsPerSecond}, burst: ${awsCallsPerSecond} }\naccessCheck: { enabled: false }\n`,
  );
  const tracker = new PostgresDBTracker(client);
  await tracker.start();
  stops.push(() => tracker.stop());
  const running = new Set<OperatorProcess>();
  stops.push(async () => Promise.all([...running].map((operator) => operator.kill())));

  const environment: Environment = {
    client,
    tracker,
    webhookUrl,
    caFile: join(certsDir, 'ca.crt'),
    dir,
    async launch(name, flags = [], port = 'registered') {
      const [metricsPort, ownPort] = await freeLoopbackPorts(2);
      const operator = await startOperatorProcess({
        name,
        flags,
        configFile,
        certsDir,
        webhookPort: port === 'own' ? ownPort! : webhookPort!,
        metricsPort: metricsPort!,
        heapLimitMb,
        env: {
          ...process.env,
          // As the image runs it (two malloc arenas, ADR 0031).
          ...imageEnvironment(),
          ...awsEnvironment(emulator),
          KUBECONFIG: cp.kubeconfigPath,
          LOG_LEVEL: 'info',
        },
        logDir: dir,
      });
      running.add(operator);
      void operator.process.exited.then(() => running.delete(operator));
      return operator;
    },
    async routeWebhooksTo(operator) {
      const url = `https://127.0.0.1:${operator.webhookPort}`;
      if (url === environment.webhookUrl) return;
      await registerWebhooks(url);
      environment.webhookUrl = url;
    },
    create: (namespace, names) => createAll(client, namespace, names),
    async emulatorCalls() {
      const { total, byAction } = (await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as RdsCalls;
      return { total, byAction };
    },
    async resetCalls() {
      const response = await fetch(`${emulator.url}/_emulator/calls`, { method: 'DELETE' });
      if (!response.ok) throw new Error(`resetting the emulator's call counter: ${response.status}`);
    },
    cpuSeconds: (operator) => {
      const bench = process.cpuUsage();
      return {
        ...Object.fromEntries(cp.processes.map(({ name, pid }) => [name, cpuSecondsOf(pid)])),
        'rds emulator': cpuSecondsOf(emulator.process.pid),
        operator: cpuSecondsOf(operator.process.pid),
        bench: (bench.user + bench.system) / 1e6,
      };
    },
    apiServerWrites: async () =>
      parseWrites(await client.request<string>('GET', '/metrics', { responseType: 'text' })).byResource,
    // Generous: other work may share the machine; how long anything took is reported, never judged here.
    timeoutMs: 600_000 + settings.resources * 300,
  };
  return environment;
}

/**
 * N PostgresDBs from the first create to all Ready, the apply pausing at N/10 and N/2 until the
 * controller has reconciled each created so far once, to read the heap after a full GC. The operator
 * is left running, idle.
 */
async function measureCreates(
  env: Environment,
  names: readonly string[],
  log: (line: string) => void,
  cpuProfileDir: string | undefined,
): Promise<{ operator: OperatorProcess; create: ScaleReport['create']; memory: ScaleReport['memory'] }> {
  const { tracker, timeoutMs } = env;
  const n = names.length;
  const operator = await env.launch('operator');
  await operator.becameLeader(60_000);
  await operator.waitIdle(60_000);
  const baseline = await operator.memoryAfterGc();
  const kubeBefore = await operator.metrics();
  const writesBefore = await env.apiServerWrites();
  await env.resetCalls();
  const checkpoints = [...new Set([Math.ceil(n / 10), Math.ceil(n / 2)])].filter((c) => c < n);
  const points: HeapPoint[] = [];
  let applyMs = 0;
  let checkpointMs = 0;
  let created = 0;
  if (cpuProfileDir) await operator.startCpuProfiles();
  const cpuBefore = env.cpuSeconds(operator);
  const started = performance.now();
  for (const upTo of [...checkpoints, n]) {
    const applyStarted = performance.now();
    await env.create(APPS, names.slice(created, upTo));
    created = upTo;
    applyMs += performance.now() - applyStarted;
    if (upTo === n) break;
    const paused = performance.now();
    await tracker.waitFor(APPS, `${upTo} reconciled once`, (c) => c.reconciled >= upTo, timeoutMs);
    points.push({ resources: upTo, ...(await operator.memoryAfterGc()) });
    checkpointMs += performance.now() - paused;
    log(`heap checkpoint at ${upTo}`);
  }
  await tracker.waitFor(APPS, 'all Ready', (c) => c.ready >= n, timeoutMs);
  const readySeconds = (performance.now() - started) / 1000;
  log(`all ${n} Ready after ${readySeconds.toFixed(1)} s`);
  const cpuSeconds = subtract(env.cpuSeconds(operator), cpuBefore);
  // Before the profiles are sent (a spike of their own) and the forced GC at N.
  const peakRssBytes = operator.vm('VmHWM');
  const profile = cpuProfileDir
    ? await keepCpuProfiles(await operator.stopCpuProfiles(), cpuProfileDir, log)
    : undefined;
  await operator.waitIdle(timeoutMs);
  points.push({ resources: n, ...(await operator.memoryAfterGc()) });
  const kubeAfter = await operator.metrics();
  const apiServerWrites = subtract(await env.apiServerWrites(), writesBefore);
  apiServerWrites['POST postgresdbs'] = (apiServerWrites['POST postgresdbs'] ?? 0) - n;
  const resyncs = (families: Map<string, Family>) => sumOf(families, 'stow_resync_duration_seconds_count');
  return {
    operator,
    create: {
      applySeconds: applyMs / 1000,
      readySeconds,
      checkpointSeconds: checkpointMs / 1000,
      kube: kubeCounts(kubeAfter, kubeBefore),
      apiServerWrites,
      rds: await env.emulatorCalls(),
      resyncs: resyncs(kubeAfter) - resyncs(kubeBefore),
      cpuSeconds,
      ...(profile ? { profile } : {}),
    },
    memory: {
      baseline,
      points,
      slopeBytesPerResource: slope(points.map((p) => ({ x: p.resources, y: p.heapUsed }))),
      peakRssBytes,
    },
  };
}

/**
 * Open-loop admission load on /validate (warmed up first) while M PostgresDBs are created: with the
 * controller on, until they are Ready; with it off, until the API server has answered every create.
 */
async function measureWebhooks(
  env: Environment,
  phase: { controller: boolean; resources: number; rate: number },
): Promise<WebhookWindow> {
  const generator = await startOpenLoop({
    url: `${env.webhookUrl}/validate`,
    caFile: env.caFile,
    body: readFileSync(REVIEW, 'utf8'),
    rate: phase.rate,
    dir: env.dir,
    warmUpMs: WARM_UP_MS,
  });
  const started = performance.now();
  await env.create(WEBHOOK_LOAD, range(phase.resources, phase.controller ? 'load-on' : 'load-off'));
  if (phase.controller)
    await env.tracker.waitFor(WEBHOOK_LOAD, 'all Ready', (c) => c.ready >= phase.resources, env.timeoutMs);
  const windowSeconds = (performance.now() - started) / 1000;
  return { ...(await generator.stop()), created: phase.resources, windowSeconds };
}

/**
 * A standby operator starts beside the leader and fills its caches, as a second replica does; then
 * the leader dies (SIGKILL), one PostgresDB's spec changes (through the standby's webhooks), and the
 * bench deletes the dead leader's Lease rather than waiting out its 15 s. Caught up: every resource
 * reconciled once (controller_runtime_reconcile_total) and the work queue empty with no worker busy.
 * The new leader is left running.
 */
async function measureColdStart(
  env: Environment,
  leader: { kill(): Promise<void>; changed: string },
): Promise<{ report: ScaleReport['coldStart']; operator: OperatorProcess }> {
  const { client, tracker } = env;
  const { changed } = leader;
  const resources = tracker.in(APPS).objects;
  const operator = await env.launch('operator-standby', [], 'own');
  const filledAt = await operator.cachesFilled(env.timeoutMs);
  const killedAt = Date.now();
  await leader.kill();
  // As a Service would, once the dead pod's endpoint is gone: the API server may take a moment to see it.
  await env.routeWebhooksTo(operator);
  await env.resetCalls();
  const writesBefore = await env.apiServerWrites();
  const patched = await withRetries(
    () =>
      client.request<PostgresDB>('PATCH', pathOf(POSTGRESDBS, APPS, changed), {
        body: { spec: { tags: { 'bench-cold-start': 'changed' } } },
        contentType: 'application/merge-patch+json',
      }),
    { attempts: 20, delayMs: () => 250 },
  );
  const generation = patched.metadata.generation ?? 0;
  await client
    .request('DELETE', `/apis/coordination.k8s.io/v1/namespaces/default/leases/${LEASE_NAME}`)
    .catch((error: unknown) => {
      if (!isKubeError(error, 404)) throw error;
    });
  const leaderAt = await operator.becameLeader(60_000);
  const deadline = Date.now() + env.timeoutMs;
  const changedReconciled = (async () => {
    while ((tracker.observedGeneration(APPS, changed) ?? 0) < generation) {
      if (Date.now() > deadline) throw new Error(`${changed} not reconciled after the restart`);
      await sleep(20);
    }
    return Date.now();
  })();
  const caughtUp = (async () => {
    for (;;) {
      if (Date.now() > deadline) throw new Error('the new leader did not catch up');
      const families = await operator.metrics();
      const reconciled = sumOf(families, 'controller_runtime_reconcile_total', { controller: 'postgresdb' });
      const busy =
        sumOf(families, 'workqueue_depth', { name: 'postgresdb' }) +
        sumOf(families, 'controller_runtime_active_workers', { controller: 'postgresdb' });
      if (reconciled >= resources && busy === 0) return { at: Date.now(), families };
      await sleep(200);
    }
  })();
  const [changedAt, caught] = await Promise.all([changedReconciled, caughtUp]);
  const apiServerWrites = subtract(await env.apiServerWrites(), writesBefore);
  apiServerWrites['PATCH postgresdbs'] = (apiServerWrites['PATCH postgresdbs'] ?? 0) - 1;
  const report: ScaleReport['coldStart'] = {
    cachesFilledSeconds: (filledAt - operator.startedAt) / 1000,
    leaderSeconds: (leaderAt - killedAt) / 1000,
    changedReconciledSeconds: (changedAt - leaderAt) / 1000,
    caughtUpSeconds: (caught.at - leaderAt) / 1000,
    rds: await env.emulatorCalls(),
    kube: kubeCounts(caught.families),
    apiServerWrites,
    resync: {
      seconds: sumOf(caught.families, 'stow_resync_duration_seconds_sum'),
      instances: sumOf(caught.families, 'stow_resync_instances'),
    },
    peakRssBytes: operator.vm('VmHWM'),
  };
  return { report, operator };
}

/** `attempt` until it succeeds, `attempts` times at most, waiting `delayMs(tried)` after each failure. */
async function withRetries<T>(
  attempt: () => Promise<T>,
  { attempts, delayMs }: { attempts: number; delayMs: (tried: number) => number },
): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (tried >= attempts) throw error;
      await sleep(delayMs(tried));
    }
  }
}

function range(count: number, prefix: string): string[] {
  const width = String(Math.max(count - 1, 0)).length;
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(width, '0')}`);
}

/** POSTs every PostgresDB, a few at a time; a failed create is tried again (an existing one is left). */
async function createAll(client: KubeClient, namespace: string, names: string[]): Promise<void> {
  await inParallel(names, CREATE_PARALLELISM, (name) =>
    withRetries(
      () =>
        client
          .request('POST', pathOf(POSTGRESDBS, namespace), {
            body: { ...postgresDB(name), metadata: { name, namespace } },
          })
          .then(
            () => undefined,
            (error: unknown) => {
              if (!isKubeError(error, 409)) throw error;
            },
          ),
      { attempts: 5, delayMs: (tried) => 500 * tried },
    ),
  );
}

/** Writes the profiles where they outlive the run (for DevTools or a flame graph), then summarizes them. */
async function keepCpuProfiles(
  profiles: CpuProfile[],
  dir: string,
  log: (line: string) => void,
): Promise<CpuSummary> {
  for (const [index, profile] of profiles.entries()) {
    const file = join(dir, `operator-${index === 0 ? 'main' : `worker-${index}`}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    log(`CPU profile written: ${file}`);
  }
  return summarizeCpuProfiles(profiles);
}
