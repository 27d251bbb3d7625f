import { type DataSource, type InstanceData, NO_DATA } from './instance-data.js';
import type { InstanceLifecycle } from './lifecycle.js';
import type { DbInstance, DbSnapshot } from './model.js';
import type { EmulatorState } from './state.js';

/**
 * Moves snapshots and restored instances through RDS's statuses: a snapshot is `creating` (its
 * instance `backing-up`) until the backingUp delay is over and its data is copied, then `available`,
 * or `failed` when the copy failed or the failSnapshots switch was on when it started; a deleted
 * snapshot is `deleting` for the deleting delay; a restored instance is `creating` until the creating
 * delay is over and its data is restored (`incompatible-restore` if that failed), then `backing-up`,
 * then `available`. One timer per snapshot or restore, apart from the instances' own.
 */
export class SnapshotLifecycle {
  private readonly cancels = new Map<string, () => void>();

  constructor(
    private readonly state: EmulatorState,
    private readonly instances: InstanceLifecycle,
    private readonly failsSnapshots: () => boolean,
    private readonly data: InstanceData = NO_DATA,
  ) {}

  startSnapshot(instance: DbInstance, snapshot: DbSnapshot): void {
    instance.status = 'backing-up';
    const copy = this.failsSnapshots()
      ? Promise.reject(new Error('failSnapshots'))
      : this.data.snapshot(instance, snapshot);
    this.settle(`snapshot:${snapshot.identifier}`, this.instances.delays.backingUp, copy, (copied) => {
      if (this.state.getSnapshot(snapshot.identifier) === snapshot && snapshot.status === 'creating')
        snapshot.status = copied ? 'available' : 'failed';
      if (this.state.getInstance(instance.identifier) === instance && instance.status === 'backing-up')
        instance.status = 'available';
    });
  }

  startDeleting(snapshot: DbSnapshot): void {
    snapshot.status = 'deleting';
    this.settle(`snapshot:${snapshot.identifier}`, this.instances.delays.deleting, Promise.resolve(), () => {
      if (this.state.getSnapshot(snapshot.identifier) !== snapshot) return;
      this.state.removeSnapshot(snapshot.identifier);
      void this.data.discard(snapshot).catch(() => undefined);
    });
  }

  startRestore(instance: DbInstance, source: DataSource): void {
    instance.status = 'creating';
    const current = (status: string) =>
      this.state.getInstance(instance.identifier) === instance && instance.status === status;
    const key = `restore:${instance.identifier}`;
    const restored = this.data.restore(instance, source);
    this.settle(key, this.instances.delays.creating, restored, (ok) => {
      // Gone meanwhile (vanished, or deleted before its server was up): nothing may keep running for it.
      if (ok && this.state.getInstance(instance.identifier) !== instance)
        this.instances.releaseServer(instance);
      if (!current('creating')) return;
      if (!ok) {
        instance.status = 'incompatible-restore';
        return;
      }
      this.instances.markCreated(instance);
      instance.status = 'backing-up';
      this.settle(key, this.instances.delays.backingUp, Promise.resolve(), () => {
        if (current('backing-up')) instance.status = 'available';
      });
    });
  }

  close(): void {
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
  }

  /** Runs `done` once the delay is over and `work` has settled (true when it succeeded). */
  private settle(key: string, delayMs: number, work: Promise<void>, done: (ok: boolean) => void): void {
    this.cancels.get(key)?.();
    let cancelled = false;
    let timer: NodeJS.Timeout | undefined;
    const delay = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, delayMs);
    });
    this.cancels.set(key, () => {
      cancelled = true;
      clearTimeout(timer);
    });
    const outcome = work.then(
      () => true,
      () => false,
    );
    void Promise.all([delay, outcome]).then(([, ok]) => {
      if (cancelled) return;
      this.cancels.delete(key);
      done(ok);
    });
  }
}
