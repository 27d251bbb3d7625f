/**
 * Periodic work a controller does while its replica leads, beside its work queue (a resync against
 * the cloud, a review of what nothing owns): one run at a time, a call while one runs joining it; none
 * outside a term; and, once asked to, again every period until the term ends.
 */
export class TermTask<T> {
  private term: AbortSignal | undefined;
  private running: Promise<T | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly work: (term: AbortSignal) => Promise<T>,
    private readonly periodMs: number,
  ) {}

  /** A term begins: runs may start (none has yet). */
  begin(term: AbortSignal): void {
    this.term = term;
  }

  /** From now until the term ends, a run every period. */
  repeat(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.runNow(), this.periodMs);
    this.timer.unref?.();
  }

  /** A run, or the one already going; undefined outside a term. */
  runNow(): Promise<T | undefined> {
    const term = this.term;
    if (!term) return Promise.resolve(undefined);
    this.running ??= this.work(term).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The term ends: no run starts from now; resolves once the one going (if any) has ended. */
  async end(): Promise<void> {
    this.term = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
