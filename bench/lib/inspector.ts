import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** What `process.memoryUsage()` says, the heap summed over every isolate of the process. */
export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** The main thread, and each worker thread: each has a heap of its own. */
  isolates: number;
}

/** V8's CPU profile (the `.cpuprofile` format): a call tree and which node each sample fell in. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** One Chrome DevTools Protocol target: an isolate (the main thread, or a worker thread). */
class Target {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly eventListeners = new Map<string, (params: Record<string, unknown>) => void>();

  constructor(private readonly transmit: (text: string) => void) {}

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.transmit(JSON.stringify({ id, method, params }));
    });
  }

  receive(text: string): void {
    const message = JSON.parse(text) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
      method?: string;
      params?: Record<string, unknown>;
    };
    if (message.id === undefined) {
      if (message.method) this.eventListeners.get(message.method)?.(message.params ?? {});
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.error) pending.reject(new Error(`inspector: ${message.error.message}`));
    else pending.resolve(message.result);
  }

  fail(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  async memoryAfterGc(): Promise<Omit<MemoryUsage, 'isolates'>> {
    await this.send('HeapProfiler.collectGarbage');
    const { result } = await this.send<{ result: { value: string } }>('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    return JSON.parse(result.value) as Omit<MemoryUsage, 'isolates'>;
  }

  async startCpuProfile(): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: 1000 });
    await this.send('Profiler.start');
  }

  async stopCpuProfile(): Promise<CpuProfile> {
    const { profile } = await this.send<{ profile: CpuProfile }>('Profiler.stop');
    return profile;
  }

  async writeHeapSnapshot(file: string): Promise<void> {
    const out = createWriteStream(file);
    this.eventListeners.set('HeapProfiler.addHeapSnapshotChunk', (params) => out.write(String(params.chunk)));
    try {
      await this.send('HeapProfiler.enable');
      await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      this.eventListeners.delete('HeapProfiler.addHeapSnapshotChunk');
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    }
  }
}

/**
 * A session with a Node process started with `--inspect`: the bench measures the operator's heap from
 * outside, so the operator needs no debug code of its own. Worker threads are reached through the
 * main thread's session (the NodeWorker domain), so a controller moved into a worker is still counted.
 */
export class InspectorSession {
  private readonly main: Target;
  private readonly workers = new Map<string, Target>();
  private workersEnabled = false;

  private constructor(private readonly socket: WebSocket) {
    this.main = new Target((text) => socket.send(text));
    this.main.eventListeners.set('NodeWorker.attachedToWorker', (params) => {
      const sessionId = String(params.sessionId);
      const message = (text: string) =>
        void this.main.send('NodeWorker.sendMessageToWorker', { sessionId, message: text });
      this.workers.set(sessionId, new Target(message));
    });
    this.main.eventListeners.set('NodeWorker.detachedFromWorker', (params) => {
      this.workers.get(String(params.sessionId))?.fail(new Error('worker thread ended'));
      this.workers.delete(String(params.sessionId));
    });
    this.main.eventListeners.set('NodeWorker.receivedMessageFromWorker', (params) =>
      this.workers.get(String(params.sessionId))?.receive(String(params.message)),
    );
    socket.addEventListener('message', (event) => this.main.receive(String(event.data)));
    socket.addEventListener('close', () => {
      for (const target of [this.main, ...this.workers.values()])
        target.fail(new Error('inspector connection closed'));
    });
  }

  /** `url`: the `ws://` address the process printed ("Debugger listening on ws://..."). */
  static connect(url: string): Promise<InspectorSession> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.addEventListener('open', () => resolve(new InspectorSession(socket)), { once: true });
      socket.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)), {
        once: true,
      });
    });
  }

  /** The main thread and every worker thread running now. */
  private async isolates(): Promise<Target[]> {
    if (!this.workersEnabled) {
      this.workersEnabled = true;
      await this.main.send('NodeWorker.enable', { waitForDebuggerOnStart: false });
      // The workers already running are announced right after; new ones whenever they start.
      await sleep(200);
    }
    return [this.main, ...this.workers.values()];
  }

  /** In every isolate, a full collection (all available garbage, weak callbacks included); then the memory used. */
  async memoryAfterGc(): Promise<MemoryUsage> {
    const usages: Array<Omit<MemoryUsage, 'isolates'>> = [];
    for (const target of await this.isolates()) usages.push(await target.memoryAfterGc());
    const sum = (key: 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers') =>
      usages.reduce((total, usage) => total + usage[key], 0);
    return {
      rss: Math.max(...usages.map((usage) => usage.rss)),
      heapTotal: sum('heapTotal'),
      heapUsed: sum('heapUsed'),
      external: sum('external'),
      arrayBuffers: sum('arrayBuffers'),
      isolates: usages.length,
    };
  }

  /** A heap snapshot (V8's JSON format) of every isolate: `file` for the main thread, `file.N` for worker N. */
  async writeHeapSnapshots(file: string): Promise<string[]> {
    const files: string[] = [];
    for (const [index, target] of (await this.isolates()).entries()) {
      const name = index === 0 ? file : `${file}.${index}`;
      await target.writeHeapSnapshot(name);
      files.push(name);
    }
    return files;
  }

  /** Starts V8's sampling profiler (1 ms) in every isolate running now. */
  async startCpuProfiles(): Promise<void> {
    for (const target of await this.isolates()) await target.startCpuProfile();
  }

  /** The profiles started by startCpuProfiles: the main thread's first, then each worker's. */
  async stopCpuProfiles(): Promise<CpuProfile[]> {
    const profiles: CpuProfile[] = [];
    for (const target of await this.isolates()) profiles.push(await target.stopCpuProfile());
    return profiles;
  }

  close(): void {
    this.socket.close();
  }
}

/** The inspector's address in the line `node --inspect` prints on stderr. */
export function inspectorUrl(line: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
}
