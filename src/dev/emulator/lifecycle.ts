import { retainedBackupOf } from './backups.js';
import { type InstanceData, NO_DATA } from './instance-data.js';
import type { InstanceServers } from './instance-servers.js';
import type { DbInstance, DbSnapshot } from './model.js';
import type { StateDelays } from './options.js';
import { applySettings, isEmpty } from './settings.js';
import type { EmulatorState } from './state.js';

export class InvalidDelaysError extends Error {}

/**
 * Moves instances through RDS's transitional statuses on timers, one timer per instance. With
 * servers, an instance also waits in `creating` for its server to accept connections, a new master
 * password is set in the server before the instance is `available` again, and the server stops when
 * the instance is gone (after its data had its say: a final snapshot, retained backups).
 */
export class InstanceLifecycle {
  private readonly cancelTimers = new Map<string, () => void>();
  private delayMs: StateDelays;

  constructor(
    private readonly state: EmulatorState,
    delays: StateDelays,
    private readonly servers?: InstanceServers,
    private readonly data: InstanceData = NO_DATA,
  ) {
    this.delayMs = validatedDelays(delays);
  }

  /** The delays used by transitions started from now on. */
  get delays(): StateDelays {
    return { ...this.delayMs };
  }

  set delays(delays: StateDelays) {
    this.delayMs = validatedDelays(delays);
  }

  startCreating(instance: DbInstance): void {
    instance.status = 'creating';
    if (!this.servers) {
      this.after(instance, this.delayMs.creating, () => this.created(instance));
      return;
    }
    let delayOver = false;
    let serverReady = false;
    const stillCreating = () => this.isCurrent(instance) && instance.status === 'creating';
    const proceed = () => {
      if (delayOver && serverReady && stillCreating()) this.created(instance);
    };
    this.servers.start(instance).then(
      () => {
        serverReady = true;
        proceed();
      },
      () => {
        if (!stillCreating()) return;
        this.cancel(instance.identifier);
        instance.status = 'failed';
      },
    );
    this.after(instance, this.delayMs.creating, () => {
      delayOver = true;
      proceed();
    });
  }

  private created(instance: DbInstance): void {
    this.markCreated(instance);
    instance.status = 'backing-up';
    this.after(instance, this.delayMs.backingUp, () => {
      instance.status = 'available';
    });
  }

  /** Applies `instance.applying` after the modifying delay, then returns the instance to `available`. */
  startApplying(instance: DbInstance, status = 'modifying'): void {
    instance.status = status;
    this.after(instance, this.delayMs.modifying, () => {
      const password = instance.applying.masterUserPassword;
      if (!this.servers || password === undefined) return this.applied(instance);
      this.servers
        .setMasterPassword(instance, password)
        .catch(() => undefined)
        .then(() => {
          // A transition started meanwhile applies everything in flight itself.
          if (this.isCurrent(instance) && !this.cancelTimers.has(instance.identifier)) this.applied(instance);
        });
    });
  }

  private applied(instance: DbInstance): void {
    applySettings(instance, instance.applying);
    instance.applying = {};
    instance.status = 'available';
  }

  /**
   * Automated backups are kept (retained) only when asked and when the instance had any (retention > 0).
   * The final snapshot's data is copied from the start of the deletion, while the server still runs;
   * the snapshot is `available` (or `failed`) once the instance is gone and the copy is done.
   */
  startDeleting(
    instance: DbInstance,
    { finalSnapshot, keepAutomatedBackups }: { finalSnapshot?: DbSnapshot; keepAutomatedBackups: boolean },
  ): void {
    instance.status = 'deleting';
    const keepBackups = keepAutomatedBackups && instance.backupRetentionPeriod > 0;
    const copied = finalSnapshot
      ? this.data.snapshot(instance, finalSnapshot).then(
          () => true,
          () => false,
        )
      : undefined;
    this.after(instance, this.delayMs.deleting, () => {
      this.state.removeInstance(instance.identifier);
      if (keepBackups) this.state.addRetainedBackup(retainedBackupOf(instance, this.state));
      void (async () => {
        const ok = await copied;
        if (finalSnapshot?.status === 'creating') finalSnapshot.status = ok ? 'available' : 'failed';
        this.releaseServer(instance, keepBackups);
      })();
    });
  }

  /** Sets a status directly, stopping whatever transition was under way. */
  forceStatus(instance: DbInstance, status: string): void {
    this.cancel(instance.identifier);
    if (!isEmpty(instance.applying)) {
      instance.pending = { ...instance.pending, ...instance.applying };
      instance.applying = {};
    }
    if (status !== 'creating') this.markCreated(instance);
    instance.status = status;
  }

  /** What leaving `creating` gives an instance: an endpoint (its server's, if it has one) and a creation time. */
  markCreated(instance: DbInstance): void {
    const server = instance.endpointAddress === undefined ? this.servers?.endpointOf(instance) : undefined;
    if (server) instance.port = server.port;
    instance.endpointAddress ??= server?.address ?? this.state.endpointAddress(instance.identifier);
    instance.instanceCreateTime ??= new Date();
  }

  /** The instance is gone: its data says what it keeps, then its server (if any) stops and its folder goes. */
  releaseServer(instance: DbInstance, keepBackups = false): void {
    void this.data
      .release(instance, keepBackups)
      .catch(() => undefined)
      .then(() => this.servers?.stop(instance));
  }

  /** Every server stops and every copy of data goes (the emulator's reset). */
  async stopServers(): Promise<void> {
    await Promise.all([this.data.clear().catch(() => undefined), this.servers?.stopAll()]);
  }

  cancel(identifier: string): void {
    this.cancelTimers.get(identifier)?.();
    this.cancelTimers.delete(identifier);
  }

  close(): void {
    for (const cancel of this.cancelTimers.values()) cancel();
    this.cancelTimers.clear();
  }

  private isCurrent(instance: DbInstance): boolean {
    return this.state.getInstance(instance.identifier) === instance;
  }

  private after(instance: DbInstance, delayMs: number, step: () => void): void {
    this.schedule(instance.identifier, delayMs, () => {
      if (this.isCurrent(instance)) step();
    });
  }

  /** One timer per key (an instance identifier, or `snapshot:<id>`, which no identifier can be). */
  private schedule(key: string, delayMs: number, step: () => void): void {
    this.cancel(key);
    const run = () => {
      this.cancelTimers.delete(key);
      step();
    };
    // A zero delay still lets the response that started the transition show the first status.
    if (delayMs > 0) {
      const timer = setTimeout(run, delayMs);
      this.cancelTimers.set(key, () => clearTimeout(timer));
    } else {
      const immediate = setImmediate(run);
      this.cancelTimers.set(key, () => clearImmediate(immediate));
    }
  }
}

function validatedDelays(delays: StateDelays): StateDelays {
  for (const [name, ms] of Object.entries(delays)) {
    if (!(typeof ms === 'number' && ms >= 0))
      throw new InvalidDelaysError(`delay ${name} must be 0 or more (got ${ms})`);
  }
  return { ...delays };
}
