import { setTimeout as sleep } from 'node:timers/promises';
import { internalFailure, type RdsError, serviceUnavailable, throttling } from './errors.js';
import { type FaultSettings, noFaults } from './options.js';

/** Decides, per Query API call, which of the configured faults to inject. */
export class FaultInjector {
  private settings: FaultSettings;
  private readonly abortSleeps = new AbortController();

  constructor(
    initial: Partial<FaultSettings> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.settings = validated({ ...noFaults, ...initial });
  }

  get current(): FaultSettings {
    return {
      ...this.settings,
      actions: this.settings.actions && [...this.settings.actions],
      failingResourcePrefixes: [...this.settings.failingResourcePrefixes],
    };
  }

  update(patch: Partial<FaultSettings>): FaultSettings {
    this.settings = validated({ ...this.settings, ...patch });
    return this.current;
  }

  reset(to: Partial<FaultSettings> = {}): void {
    this.settings = validated({ ...noFaults, ...to });
  }

  async delay(action: string): Promise<void> {
    if (this.settings.latencyMs > 0 && this.applies(action)) {
      await sleep(this.settings.latencyMs, undefined, { signal: this.abortSleeps.signal });
    }
  }

  /** The error to answer instead of performing the action, if any. */
  failureFor(action: string, resource?: string): RdsError | undefined {
    if (resource !== undefined && this.failsResource(resource)) return internalFailure();
    if (!this.applies(action)) return undefined;
    const { throttleRate, errorRate, unavailableRate } = this.settings;
    if (throttleRate > 0 && this.random() < throttleRate) return throttling();
    if (errorRate > 0 && this.random() < errorRate) return internalFailure();
    if (unavailableRate > 0 && this.random() < unavailableRate) return serviceUnavailable();
    return undefined;
  }

  /** Whether a snapshot started now is to fail (the failSnapshots switch). */
  failsSnapshots(): boolean {
    return this.settings.failSnapshots;
  }

  /** True once for the next call of the held action; the switch then clears itself. */
  takeHold(action: string): boolean {
    if (this.settings.holdResponseAfter !== action) return false;
    this.settings = { ...this.settings, holdResponseAfter: null };
    return true;
  }

  close(): void {
    this.abortSleeps.abort();
  }

  /** An ARN names the resource after its last colon. */
  private failsResource(resource: string): boolean {
    const name = resource.slice(resource.lastIndexOf(':') + 1);
    return this.settings.failingResourcePrefixes.some((prefix) => name.startsWith(prefix));
  }

  private applies(action: string): boolean {
    return this.settings.actions === null || this.settings.actions.includes(action);
  }
}

export class InvalidFaultSettingsError extends Error {}

function validated(settings: FaultSettings): FaultSettings {
  for (const rate of ['throttleRate', 'errorRate', 'unavailableRate'] as const) {
    const value = settings[rate];
    if (!(value >= 0 && value <= 1))
      throw new InvalidFaultSettingsError(`${rate} must be between 0 and 1 (got ${value})`);
  }
  if (!(settings.latencyMs >= 0)) {
    throw new InvalidFaultSettingsError(`latencyMs must be 0 or more (got ${settings.latencyMs})`);
  }
  return settings;
}
