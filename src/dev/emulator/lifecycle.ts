import { retainedBackupOf } from './backups.js';
import type { DbInstance, DbSnapshot } from './model.js';
import type { StateDelays } from './options.js';
import { applySettings, isEmpty } from './settings.js';
import type { EmulatorState } from './state.js';
import type { InstanceServers } from './instance-servers.js';

export class InvalidDelaysError extends Error {}

/**
 * Moves instances through RDS's transitional statuses on timers, one timer per instance. With
 * servers, an instance also waits in `creating` for its server to accept connections, a new master
 * password is set in the server before the instance is `available` again, and the server stops when
 * the instance is gone.
 */
export class InstanceLifecycle {
  private readonly cancelTimers = new Map<string, () => void>();
  private delayMs: StateDelays;

  constructor(
    private readonly state: EmulatorState,
    delays: StateDelays,
    private readonly servers?: InstanceServers,
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

  /** Automated backups are kept (retained) only when asked and when the instance had any (retention > 0). */
  startDeleting(
    instance: DbInstance,
    { finalSnapshot, keepAutomatedBackups }: { finalSnapshot?: DbSnapshot; keepAutomatedBackups: boolean },
  ): void {
    instance.status = 'deleting';
    this.after(instance, this.delayMs.deleting, () => {
      this.state.removeInstance(instance.identifier);
      this.releaseServer(instance);
      if (finalSnapshot) finalSnapshot.status = 'available';
      if (keepAutomatedBackups && instance.backupRetentionPeriod > 0)
        this.state.addRetainedBackup(retainedBackupOf(instance, this.state));
    });
  }

  /**
   * CreateDBSnapshot: the instance is `backing-up` for the backingUp delay, then the snapshot is
   * `available`. The snapshot has a timer of its own, so deleting the instance meanwhile does not stop it.
   */
  startSnapshot(instance: DbInstance, snapshot: DbSnapshot): void {
    instance.status = 'backing-up';
    const key = `snapshot:${snapshot.identifier}`;
    this.schedule(key, this.delayMs.backingUp, () => {
      snapshot.status = 'available';
      if (this.state.getInstance(instance.identifier) === instance && instance.status === 'backing-up')
        instance.status = 'available';
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

  /** Stops the instance's server, if it has one, and removes its data. */
  releaseServer(instance: DbInstance): void {
    void this.servers?.stop(instance);
  }

  stopServers(): Promise<void> {
    return this.servers?.stopAll() ?? Promise.resolve();
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
