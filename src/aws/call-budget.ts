/**
 * One budget of RDS calls for the whole process (one account and region): a token bucket of
 * `ratePerSecond` with room for `burst`, shared fairly by the resources that wait for it (round robin
 * over their keys, so one resource retrying a failing call takes one turn in each round, never the
 * whole budget), and shrunk when RDS throttles (ADR 0024).
 */
export interface CallBudgetOptions {
  /** Calls per second when RDS does not throttle. */
  ratePerSecond: number;
  /** Calls that may go at once after a quiet spell. */
  burst: number;
  /** The rate throttling never pushes the budget below. Default: a tenth of ratePerSecond. */
  minRatePerSecond?: number;
  clock?: Clock;
}

export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  setTimeout: (run, ms) => {
    const handle = setTimeout(run, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** On a throttling answer the rate is multiplied by this (the AWS SDK's adaptive mode uses 0.7 too). */
const THROTTLE_FACTOR = 0.7;
/** After the last throttling answer the rate climbs back to the full rate over this long. */
const RECOVERY_MS = 30_000;

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  since: number;
}

export interface BudgetObserver {
  waited(seconds: number): void;
  rate(perSecond: number): void;
  waiting(count: number): void;
}

export class CallBudget {
  private readonly clock: Clock;
  private readonly maxRate: number;
  private readonly minRate: number;
  private rate: number;
  private tokens: number;
  private lastRefill: number;
  /** By caller key, in round-robin order: the key served last moves to the end. */
  private readonly queues = new Map<string, Waiter[]>();
  private waitingCount = 0;
  private timer: unknown;

  constructor(
    private readonly options: CallBudgetOptions,
    private readonly observer?: BudgetObserver,
  ) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1))
      throw new RangeError(
        `call budget: ratePerSecond must be > 0 and burst >= 1 (got ${options.ratePerSecond}, ${options.burst})`,
      );
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.maxRate = options.ratePerSecond;
    this.minRate = Math.min(this.maxRate, options.minRatePerSecond ?? this.maxRate / 10);
    this.rate = this.maxRate;
    this.tokens = options.burst;
    this.lastRefill = this.clock.now();
    observer?.rate(this.rate);
  }

  /** Resolves when the caller `key` may send one call; rejects if `signal` aborts first. */
  acquire(key: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.refill();
    if (this.waitingCount === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.observer?.waited(0);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, since: this.clock.now() };
      const queue = this.queues.get(key);
      if (queue) queue.push(waiter);
      else this.queues.set(key, [waiter]);
      this.setWaiting(this.waitingCount + 1);
      signal?.addEventListener(
        'abort',
        () => {
          if (this.remove(key, waiter)) reject(signal.reason);
        },
        { once: true },
      );
      this.schedule();
    });
  }

  /** RDS answered with throttling: fewer calls from now on. */
  throttled(): void {
    this.refill();
    this.setRate(Math.max(this.minRate, this.rate * THROTTLE_FACTOR));
  }

  get currentRate(): number {
    return this.rate;
  }

  get waiting(): number {
    return this.waitingCount;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.lastRefill);
    this.lastRefill = now;
    this.tokens = Math.min(this.options.burst, this.tokens + (elapsed / 1000) * this.rate);
    if (this.rate < this.maxRate)
      this.setRate(Math.min(this.maxRate, this.rate + (this.maxRate * elapsed) / RECOVERY_MS));
  }

  /** Hands the tokens there are to the waiters, one key at a time in turn. */
  private drain(): void {
    this.timer = undefined;
    this.refill();
    while (this.tokens >= 1 && this.queues.size > 0) {
      const [key, queue] = this.queues.entries().next().value as [string, Waiter[]];
      const waiter = queue.shift() as Waiter;
      this.queues.delete(key);
      if (queue.length) this.queues.set(key, queue);
      this.tokens -= 1;
      this.setWaiting(this.waitingCount - 1);
      this.observer?.waited((this.clock.now() - waiter.since) / 1000);
      waiter.resolve();
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queues.size === 0) return;
    const ms = Math.max(1, ((1 - this.tokens) / this.rate) * 1000);
    this.timer = this.clock.setTimeout(() => this.drain(), ms);
  }

  private remove(key: string, waiter: Waiter): boolean {
    const queue = this.queues.get(key);
    const index = queue?.indexOf(waiter) ?? -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(key);
    this.setWaiting(this.waitingCount - 1);
    if (this.queues.size === 0 && this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    return true;
  }

  private setRate(rate: number): void {
    this.rate = rate;
    this.observer?.rate(rate);
  }

  private setWaiting(count: number): void {
    this.waitingCount = count;
    this.observer?.waiting(count);
  }
}

/** Who is calling, for fairness: the object the running reconcile is for. */
export function callerKey(fields: Readonly<Record<string, string>> | undefined): string {
  if (!fields) return '';
  return `${fields.controller ?? ''}/${fields.namespace ?? ''}/${fields.name ?? ''}`;
}
