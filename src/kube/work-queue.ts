import { performance } from 'node:perf_hooks';
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

export interface WorkResult {
  /** Run the key again after this long (polling), even though nothing failed. */
  requeueAfterMs?: number;
}

export type WorkHandler = (key: string) => Promise<WorkResult | undefined>;

/** What a queue reports as it works: what client-go's work-queue metrics count. */
export interface WorkQueueObserver {
  /** A key came in that was not waiting already. */
  added(): void;
  /** Keys waiting for a worker. */
  depth(depth: number): void;
  /** A worker took a key that had waited this long; the function returned is called when it is done. */
  started(waitedSeconds: number): () => void;
  /** A key was scheduled to run again later: backoff after a failure, or a requested requeue. */
  retried(): void;
}

export interface WorkQueueOptions {
  concurrency: number;
  handler: WorkHandler;
  backoff?: BackoffPolicy;
  observer?: WorkQueueObserver;
  /** A handler that threw; the key is retried with backoff. */
  onError?: (key: string, error: unknown, failures: number) => void;
}

/**
 * Keyed work queue: a key waits at most once (adding it again is a no-op), is handled by one worker at
 * a time (added while running, it runs once more afterwards), fails into exponential backoff with
 * jitter, and can ask to be run again later. Delayed runs keep the earliest due time.
 */
export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  /** When each waiting key came in (performance.now()), with an observer only. */
  private readonly addedAt = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly backoff: BackoffPolicy;
  private stopped = false;

  constructor(private readonly options: WorkQueueOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  get depth(): number {
    return this.ready.length;
  }

  /** Keys waiting, running or scheduled for later. */
  get size(): number {
    return new Set([...this.queued, ...this.running, ...this.delayed.keys()]).size;
  }

  add(key: string): void {
    if (this.stopped) return;
    this.cancelDelay(key);
    if (this.running.has(key)) {
      if (!this.dirty.has(key)) this.cameIn(key);
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.cameIn(key);
    this.push(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const due = Date.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.due <= due) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.delayed.set(key, { due, timer });
  }

  /** Resolves when no key is waiting or running (keys scheduled for later do not count). */
  async waitIdle(): Promise<void> {
    while (this.ready.length > 0 || this.running.size > 0) {
      await Promise.race([...this.inFlight, new Promise((resolve) => setTimeout(resolve, 10))]);
    }
  }

  /** Forget a key's failures (its object is gone). */
  forget(key: string): void {
    this.failures.delete(key);
    this.cancelDelay(key);
  }

  /** Stops taking work and waits for the running handlers. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.ready.length = 0;
    this.queued.clear();
    this.addedAt.clear();
    this.options.observer?.depth(0);
    await Promise.allSettled([...this.inFlight]);
  }

  private cancelDelay(key: string): void {
    const existing = this.delayed.get(key);
    if (!existing) return;
    clearTimeout(existing.timer);
    this.delayed.delete(key);
  }

  private cameIn(key: string): void {
    const observer = this.options.observer;
    if (!observer) return;
    observer.added();
    this.addedAt.set(key, performance.now());
  }

  private push(key: string): void {
    this.queued.add(key);
    this.ready.push(key);
    this.options.observer?.depth(this.ready.length);
    this.pump();
  }

  private pump(): void {
    const observer = this.options.observer;
    while (!this.stopped && this.running.size < this.options.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      this.queued.delete(key);
      this.running.add(key);
      let done: (() => void) | undefined;
      if (observer) {
        observer.depth(this.ready.length);
        const since = this.addedAt.get(key);
        this.addedAt.delete(key);
        done = observer.started(since === undefined ? 0 : (performance.now() - since) / 1000);
      }
      const work = this.process(key).finally(() => {
        done?.();
        this.inFlight.delete(work);
        this.running.delete(key);
        // Counted as it came in, while it ran.
        if (this.dirty.delete(key) && !this.stopped) this.push(key);
        this.pump();
      });
      this.inFlight.add(work);
    }
  }

  private async process(key: string): Promise<void> {
    try {
      const result = await this.options.handler(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs === undefined) return;
      // Counted whether or not a change that came meanwhile runs the key first.
      this.options.observer?.retried();
      if (!this.dirty.has(key)) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      this.options.onError?.(key, error, failures);
      this.options.observer?.retried();
      if (!this.dirty.has(key)) this.addAfter(key, backoffDelay(failures, this.backoff));
    }
  }
}
