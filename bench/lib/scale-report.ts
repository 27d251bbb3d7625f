import { availableParallelism } from 'node:os';
import type { CpuSummary } from './cpu-profile.js';
import type { HeapSummary } from './heap-snapshot.js';
import type { MemoryUsage } from './inspector.js';
import type { OpenLoopResult } from './open-loop.js';

/** Kubernetes requests made by the operator, from its own `stow_kube_requests_total`. */
export interface KubeCounts {
  /** POST, PUT, PATCH and DELETE of objects, Events and Leases apart. */
  writes: number;
  /** Writes of Events. */
  events: number;
  /** GET (lists included) and WATCH, of anything but Leases. */
  reads: number;
  /** Leader election: every request on Leases. */
  leases: number;
  /** Every request, as `METHOD resource` (e.g. `PATCH postgresdbs/status`). */
  byRequest: Record<string, number>;
}

export interface RdsCalls {
  total: number;
  byAction: Record<string, number>;
}

export interface WebhookWindow extends OpenLoopResult {
  /** The PostgresDBs created meanwhile (beside the N), through the API server and so the webhooks. */
  created: number;
  /** The window measured: from the first create until all were created (controller off) or Ready (on). */
  windowSeconds: number;
}

export interface HeapPoint extends MemoryUsage {
  resources: number;
}

export interface ScaleReport {
  resources: number;
  webhookResources: number;
  heapLimitMb: number;
  awsCallsPerSecond: number;
  node: string;
  /** One-minute load averages: at the start, after the creates, at the end. */
  load: number[];
  create: {
    applySeconds: number;
    readySeconds: number;
    /** Time the apply stood still at N/10 and N/2, waiting for the controller to catch up, and for the GC. */
    checkpointSeconds: number;
    kube: KubeCounts;
    /** The API server's own count of writes (apiserver_request_total), less the bench's creates. */
    apiServerWrites: Record<string, number>;
    rds: RdsCalls;
    /** Periodic resyncs that ran while the resources were created. */
    resyncs: number;
    /** CPU seconds each process of the run used from the first create to all Ready. */
    cpuSeconds: Record<string, number>;
    /** Where the operator's CPU went meanwhile (with STOW_BENCH_CPU_PROFILE=<folder>). */
    profile?: CpuSummary;
  };
  memory: {
    /** Heap after GC once the operator led and had nothing to do. */
    baseline: MemoryUsage;
    /** At N/10 and N/2 (every resource created so far reconciled once), and at N (all Ready, idle). */
    points: HeapPoint[];
    /** Least squares over the points: heap used after GC per resource, in bytes. */
    slopeBytesPerResource: number;
    /** VmHWM of the operator process when all N were Ready (its peak since it started). */
    peakRssBytes: number;
  };
  coldStart: {
    /** From the standby's start to its informers' first lists cached (`caches filled`), before the kill. */
    cachesFilledSeconds: number;
    /** From the kill to the standby's `became leader` (the bench ends the killed leader's Lease). */
    leaderSeconds: number;
    /** From `became leader` until the PostgresDB changed while no operator led has its new generation observed. */
    changedReconciledSeconds: number;
    /** From `became leader` until every resource was reconciled once and the work queue is empty. */
    caughtUpSeconds: number;
    rds: RdsCalls;
    kube: KubeCounts;
    apiServerWrites: Record<string, number>;
    /** The new leader's first resync: the RDS listing (stow_resync_duration_seconds) and what it found. */
    resync: { seconds: number; instances: number };
    peakRssBytes: number;
  };
  /** On: the operator that caught up after the cold start; off: `stow run --no-controller`. */
  webhooks: { rate: number; controllerOff: WebhookWindow; controllerOn: WebhookWindow };
  /** Heap snapshots: of an operator leading and idle with no resource, and of the operator at N. */
  heap?: { baseline: HeapSummary; atN: HeapSummary };
}

/** Least squares slope of y over x. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  const covariance = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
  const variance = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  return variance === 0 ? Number.NaN : covariance / variance;
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;
const seconds = (value: number) => `${value.toFixed(1)} s`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** Per resource; a count too small to show so (a watch that ended, a Lease read) is given in all. */
function perResource(counts: Record<string, number>, resources: number): string {
  return Object.entries(counts)
    .filter(([, count]) => count !== 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) =>
      count / resources < 0.005 ? `${key} ${count} in all` : `${key} ${(count / resources).toFixed(2)}`,
    )
    .join(', ');
}

function inAll(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, count]) => count !== 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => `${key} ${count}`)
    .join(', ');
}

function kubeSummary(kube: KubeCounts, divisor: number): string {
  const per = (value: number) => (value / divisor).toFixed(2);
  return `${per(kube.writes + kube.events + kube.reads)} (${per(kube.writes)} object writes, ${per(kube.events)} Events, ${per(kube.reads)} reads; Lease requests apart: ${kube.leases} in all)`;
}

function webhookLine(window: WebhookWindow): string {
  return (
    `p50 ${ms(window.p50ms)}  p99 ${ms(window.p99ms)}  max ${ms(window.maxMs)}  ` +
    `(${window.sent} requests over ${seconds(window.windowSeconds)}, ${window.errors} errors, ` +
    `${window.created} PostgresDBs created; generator's own lag p99 ${ms(window.generatorLagP99ms)})`
  );
}

/** The report as the bench prints it, figures next to the issue's acceptance targets. */
export function formatScaleReport(report: ScaleReport): string[] {
  const n = report.resources;
  const { create, memory, coldStart, webhooks } = report;
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(44)} ${value}`);
  const createdTotal = create.kube.writes + create.kube.events + create.kube.reads;
  const rdsPerCreate = create.rds.total / n;
  const [off, on] = [webhooks.controllerOff, webhooks.controllerOn];

  lines.push(
    `scale bench: ${n} PostgresDBs; RDS emulator in its own process (--delay-ms 0, no servers); operator as \`stow run\` ` +
      `(webhooks + controller) in its own process, node --max-old-space-size=${report.heapLimitMb}; ` +
      `awsCallBudget ${report.awsCallsPerSecond}/s, access check off, other settings default; ${report.node}; ` +
      `load average ${report.load.map((value) => value.toFixed(1)).join(' → ')}`,
  );
  lines.push(`create ${n} PostgresDBs (16 POSTs at a time, through the webhooks)`);
  row('apply', seconds(create.applySeconds));
  row(
    'first create → all Ready',
    `${seconds(create.readySeconds)} (the apply stood ${seconds(create.checkpointSeconds)} at the heap checkpoints)`,
  );
  row('Kubernetes requests per resource', kubeSummary(create.kube, n));
  row('  by request (operator: stow_kube_requests_total)', perResource(create.kube.byRequest, n));
  row('  API server writes per resource', perResource(create.apiServerWrites, n));
  row('RDS calls per resource', `${rdsPerCreate.toFixed(2)} (${perResource(create.rds.byAction, n)})`);
  row('periodic resyncs during the creates', String(create.resyncs));
  row('CPU by process, first create → all Ready', cpuLine(create.cpuSeconds, create.readySeconds));
  row('  per created resource', cpuPerResource(create.cpuSeconds, n));

  lines.push('memory of the operator process');
  row(
    create.profile ? "peak RSS (VmHWM), the CPU profiler's samples included" : 'peak RSS (VmHWM)',
    mib(memory.peakRssBytes),
  );
  row('heap used after GC, leading and idle, 0 resources', mib(memory.baseline.heapUsed));
  for (const point of memory.points)
    row(
      `heap used after GC at ${point.resources}`,
      `${mib(point.heapUsed)} (RSS ${mib(point.rss)}, external ${mib(point.external)}, isolates ${point.isolates})`,
    );
  row('slope of heap after GC', `${(memory.slopeBytesPerResource / 1024).toFixed(1)} KiB per resource`);

  lines.push(
    `failover: a standby started beside the leader, then the leader killed (SIGKILL) with ${n} Ready resources`,
  );
  row('standby: process start → caches filled', seconds(coldStart.cachesFilledSeconds));
  row('kill → standby became leader (Lease deleted)', seconds(coldStart.leaderSeconds));
  row('became leader → changed resource reconciled', seconds(coldStart.changedReconciledSeconds));
  row('became leader → caught up', seconds(coldStart.caughtUpSeconds));
  row('RDS calls', `${coldStart.rds.total} (${inAll(coldStart.rds.byAction)})`);
  row(
    "Kubernetes writes (the changed resource's included)",
    `${coldStart.kube.writes} object writes, ${coldStart.kube.events} Events (${inAll(onlyWrites(coldStart.kube.byRequest))})`,
  );
  row('Kubernetes reads', `${coldStart.kube.reads} (${inAll(onlyReads(coldStart.kube.byRequest))})`);
  row('  API server writes', inAll(coldStart.apiServerWrites) || '0');
  row(
    'its resync (the RDS listing)',
    `${ms(coldStart.resync.seconds * 1000)}, ${coldStart.resync.instances} instances`,
  );
  row('peak RSS of the new operator', mib(coldStart.peakRssBytes));

  lines.push(
    `webhook latency: ${webhooks.rate} req/s open-loop to /validate over TLS (the review kube-apiserver sends)`,
  );
  row(`controller on (${n} Ready beside), until Ready`, webhookLine(on));
  row('controller off (--no-controller), creating', webhookLine(off));

  const ratio = on.p99ms / off.p99ms;
  const coldWrites = coldStart.kube.writes + coldStart.kube.events;
  lines.push('acceptance (issue 16; the targets are for 10,000 PostgresDBs on 2 cores)');
  const target = (label: string, value: string, goal: string, met: boolean) =>
    lines.push(
      `  ${label.padEnd(44)} ${value.padEnd(22)} target ${goal.padEnd(24)} ${met ? 'met' : 'NOT MET'}`,
    );
  target(`all ${n} Ready`, seconds(create.readySeconds), '< 120 s', create.readySeconds < 120);
  target(
    create.profile ? 'peak RSS (CPU profiler on)' : 'peak RSS',
    mib(memory.peakRssBytes),
    '< 512 MiB',
    memory.peakRssBytes < 512 * MIB,
  );
  target('webhook p99, controller on', ms(on.p99ms), '< 20 ms', on.p99ms < 20);
  target('webhook p99, on / off', ratio.toFixed(2), '≤ 2', ratio <= 2);
  target(
    'Kubernetes requests per created resource',
    (createdTotal / n).toFixed(2),
    '≤ 5',
    createdTotal / n <= 5,
  );
  target('RDS calls per created resource', rdsPerCreate.toFixed(2), '≤ 2.2', rdsPerCreate <= 2.2);
  target(
    'cold start: Kubernetes writes',
    `${coldWrites} (1 changed)`,
    // The changed resource's own reconcile writes its status, and may record an Event.
    "0 + the changed one's",
    coldWrites <= 2,
  );
  target('cold start: RDS calls', String(coldStart.rds.total), '≤ 110', coldStart.rds.total <= 110);
  target(
    'cold start: caught up',
    seconds(coldStart.caughtUpSeconds),
    '< 60 s',
    coldStart.caughtUpSeconds < 60,
  );
  target(
    'cold start: changed resource reconciled',
    seconds(coldStart.changedReconciledSeconds),
    '< 2 s',
    coldStart.changedReconciledSeconds < 2,
  );

  if (create.profile) lines.push(...formatProfile(create.profile, n));
  if (report.heap) lines.push(...formatHeap(report.heap, n));
  return lines;
}

/** Largest first, with the share of the cores the window had (2 cores over 100 s: 200 CPU-seconds). */
function cpuLine(cpuSeconds: Record<string, number>, windowSeconds: number): string {
  const entries = Object.entries(cpuSeconds).sort(([, a], [, b]) => b - a);
  const total = entries.reduce((sum, [, value]) => sum + value, 0);
  const available = windowSeconds * availableParallelism();
  return `${entries.map(([name, value]) => `${name} ${value.toFixed(0)} s`).join(', ')}; ${total.toFixed(0)} of the ${available.toFixed(0)} CPU-seconds ${availableParallelism()} cores had`;
}

function cpuPerResource(cpuSeconds: Record<string, number>, resources: number): string {
  return Object.entries(cpuSeconds)
    .sort(([, a], [, b]) => b - a)
    .map(([name, value]) => `${name} ${((value * 1000) / resources).toFixed(1)} ms`)
    .join(', ');
}

function formatProfile(profile: CpuSummary, resources: number): string[] {
  const perResource = (seconds: number) => `${((seconds * 1e6) / resources).toFixed(0)} µs`;
  const lines = [
    `CPU profile of the operator, first create → all Ready (every thread): ${(profile.busyMs / 1000).toFixed(1)} s busy of ${(profile.profiledMs / 1000).toFixed(1)} s profiled`,
    '  by origin, self time: in all, per resource',
  ];
  for (const { origin, selfMs } of profile.byOrigin)
    lines.push(
      `    ${origin.slice(0, 50).padEnd(50)} ${seconds(selfMs / 1000).padStart(8)} ${perResource(selfMs / 1000).padStart(8)}`,
    );
  lines.push('  by function, self time');
  for (const { name, selfMs } of profile.byFunction)
    lines.push(`    ${name.slice(0, 90).padEnd(90)} ${seconds(selfMs / 1000).padStart(8)}`);
  return lines;
}

function onlyWrites(byRequest: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(byRequest).filter(([key]) => !/^(GET|WATCH) /.test(key) && !key.endsWith(' leases')),
  );
}

function onlyReads(byRequest: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(byRequest).filter(([key]) => /^(GET|WATCH) /.test(key) && !key.endsWith(' leases')),
  );
}

function formatHeap(heap: NonNullable<ScaleReport['heap']>, resources: number): string[] {
  const { baseline, atN } = heap;
  const lines = [
    `heap snapshots of the operator: at 0 resources ${mib(baseline.totalSize)} reachable, at ${resources} ${mib(atN.totalSize)}`,
    `  growth by class from 0 to ${resources}, largest retained first: per resource, count, self size, retained size`,
  ];
  const before = new Map(baseline.classes.map((summary) => [summary.name, summary]));
  const growth = atN.classes
    .map((summary) => {
      const was = before.get(summary.name);
      return {
        name: summary.name,
        count: summary.count - (was?.count ?? 0),
        selfSize: summary.selfSize - (was?.selfSize ?? 0),
        retainedSize: summary.retainedSize - (was?.retainedSize ?? 0),
      };
    })
    .sort((a, b) => b.retainedSize - a.retainedSize)
    .slice(0, 30);
  for (const summary of growth)
    lines.push(
      `    ${summary.name.slice(0, 50).padEnd(50)} ${(summary.count / resources).toFixed(2).padStart(8)} ${`${(summary.selfSize / resources).toFixed(0)} B`.padStart(9)} ${`${(summary.retainedSize / resources).toFixed(0)} B`.padStart(9)}`,
    );
  lines.push(`  at ${resources}, by class, largest retained first: retained, self size, count`);
  for (const summary of [...atN.classes].sort((a, b) => b.retainedSize - a.retainedSize).slice(0, 20))
    lines.push(
      `    ${summary.name.slice(0, 50).padEnd(50)} ${mib(summary.retainedSize).padStart(8)} ${mib(summary.selfSize).padStart(8)} ${String(summary.count).padStart(9)}`,
    );
  lines.push(`  at ${resources}, the largest single retainers (dominator path, outermost first)`);
  for (const retainer of atN.retainers)
    lines.push(
      `    ${`${(retainer.retainedSize / 1024).toFixed(0)} KiB`.padStart(11)}  ${retainer.path.join(' ')}`,
    );
  return lines;
}
