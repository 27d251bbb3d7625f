export interface CallRecord {
  seq: number;
  time: string;
  action: string;
  httpStatus: number;
  /** The error code answered, if the call failed. */
  errorCode?: string;
  /** DBInstanceIdentifier or ResourceName of the call, when it had one. */
  resource?: string;
  /** The call took effect but was deliberately never answered (`holdResponseAfter`). */
  held?: boolean;
  durationMs: number;
}

export interface CallReport {
  total: number;
  byAction: Record<string, number>;
  errorsByCode: Record<string, number>;
  /** The most recent calls, oldest first. */
  recent: CallRecord[];
}

/** Counts every Query API call and keeps the most recent ones. */
export class CallLog {
  private total = 0;
  private byAction = new Map<string, number>();
  private errorsByCode = new Map<string, number>();
  private recent: CallRecord[] = [];

  constructor(private readonly limit: number) {}

  record(call: Omit<CallRecord, 'seq' | 'time'>): void {
    this.total++;
    this.byAction.set(call.action, (this.byAction.get(call.action) ?? 0) + 1);
    if (call.errorCode !== undefined) {
      this.errorsByCode.set(call.errorCode, (this.errorsByCode.get(call.errorCode) ?? 0) + 1);
    }
    if (this.limit <= 0) return;
    this.recent.push({ seq: this.total, time: new Date().toISOString(), ...call });
    // Trimming in batches keeps recording O(1) amortised.
    if (this.recent.length >= this.limit * 2) this.recent = this.recent.slice(-this.limit);
  }

  count(action: string): number {
    return this.byAction.get(action) ?? 0;
  }

  report(): CallReport {
    return {
      total: this.total,
      byAction: Object.fromEntries(this.byAction),
      errorsByCode: Object.fromEntries(this.errorsByCode),
      recent: this.recent.slice(-this.limit),
    };
  }

  reset(): void {
    this.total = 0;
    this.byAction = new Map();
    this.errorsByCode = new Map();
    this.recent = [];
  }
}
