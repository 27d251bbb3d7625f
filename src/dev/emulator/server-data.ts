import type { FastifyBaseLogger } from 'fastify';
import type { ServerDataCopy } from '../postgres/server.js';
import { copyToThin, latestCopyAtOrBefore } from './copy-choice.js';
import type { DataSource, InstanceData } from './instance-data.js';
import type { PostgresInstanceServers } from './instance-servers.js';
import type { DbInstance, DbSnapshot } from './model.js';

export interface ServerDataOptions {
  /** How often each instance with automated backups is copied, when its data changed, for points in time. */
  copyIntervalMs: number;
  /** Point-in-time copies kept per instance (at least 2: the first and the newest always stay). */
  keepCopies?: number;
  logger?: FastifyBaseLogger | undefined;
}

export const DEFAULT_KEEP_COPIES = 24;

/** A copy in an instance's history: `version` is its data version when the copy began. */
interface PointInTimeCopy {
  copy: ServerDataCopy;
  takenAt: Date;
  /** Undefined for the copy a restored instance started from: its next sweep copies it anyway. */
  version: string | undefined;
}

/**
 * The data of instances with a real PostgreSQL server behind them. A snapshot is a consistent copy of
 * the server's data folder (pg_basebackup); a restore starts the new instance's server on a copy. A
 * point in time is the latest copy taken at or before it, from copies taken every `copyIntervalMs`
 * (only when the data changed: idle instances cost nothing) and, for the latest restorable time, one
 * taken on demand; a deleted instance whose automated backups are retained keeps its copies, the last
 * one taken as it is deleted. A copy is shared by whatever holds it (a snapshot, a history, a restore
 * under way) and its folder goes with the last holder.
 */
export class ServerData implements InstanceData {
  private readonly snapshotCopies = new Map<DbSnapshot, ServerDataCopy>();
  /** By instance resource id (identifiers are reused), oldest first. */
  private readonly histories = new Map<string, PointInTimeCopy[]>();
  private readonly holders = new Map<ServerDataCopy, number>();
  /** One copy at a time per instance, by resource id. */
  private readonly copying = new Map<string, Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly servers: PostgresInstanceServers,
    private readonly options: ServerDataOptions,
  ) {
    if (!(options.copyIntervalMs > 0))
      throw new Error(`copyIntervalMs must be above 0 (got ${options.copyIntervalMs})`);
    this.scheduleSweep();
  }

  async snapshot(instance: DbInstance, snapshot: DbSnapshot): Promise<void> {
    const copy = await this.exclusive(instance.resourceId, () => this.servers.copyData(instance));
    this.hold(copy);
    this.snapshotCopies.set(snapshot, copy);
  }

  async restore(instance: DbInstance, source: DataSource): Promise<void> {
    // Held from here, so a snapshot deleted or a copy thinned meanwhile keeps its folder until the start.
    const copy =
      source.kind === 'snapshot' ? this.heldSnapshotCopy(source.snapshot) : await this.heldCopyAt(source);
    try {
      await this.servers.start(instance, copy);
    } catch (error) {
      if (copy) await this.drop(copy);
      throw error;
    }
    // The restored instance's own history begins with the data it started from; the hold passes to it.
    if (copy) this.historyOf(instance.resourceId).push({ copy, takenAt: new Date(), version: undefined });
  }

  async discard(snapshot: DbSnapshot): Promise<void> {
    const copy = this.snapshotCopies.get(snapshot);
    this.snapshotCopies.delete(snapshot);
    if (copy) await this.drop(copy);
  }

  async release(instance: DbInstance, keepBackups: boolean): Promise<void> {
    if (keepBackups) {
      // What the latest restorable time of the retained backups brings back (a seeded instance has
      // no server, so nothing to copy; its copies, if any, stay).
      if (!this.servers.endpointOf(instance)) return;
      await this.takePointInTimeCopy(instance).catch((error: Error) =>
        this.options.logger?.warn(
          { instance: instance.identifier, err: error.message },
          'no last copy of a deleted instance with retained backups',
        ),
      );
      return;
    }
    await this.exclusive(instance.resourceId, async () => {
      const history = this.histories.get(instance.resourceId) ?? [];
      this.histories.delete(instance.resourceId);
      await Promise.all(history.map((entry) => this.drop(entry.copy)));
    });
  }

  async clear(): Promise<void> {
    await Promise.allSettled([...this.copying.values()]);
    const copies = new Set([
      ...this.snapshotCopies.values(),
      ...[...this.histories.values()].flatMap((history) => history.map((entry) => entry.copy)),
    ]);
    this.snapshotCopies.clear();
    this.histories.clear();
    this.holders.clear();
    await Promise.all([...copies].map((copy) => this.servers.removeCopy(copy)));
  }

  /** Stops copying; the folders go with the servers' (PostgresInstanceServers.close). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.sweeping;
    await Promise.allSettled([...this.copying.values()]);
  }

  private heldSnapshotCopy(snapshot: DbSnapshot): ServerDataCopy {
    const copy = this.snapshotCopies.get(snapshot);
    if (!copy) throw new Error(`snapshot ${snapshot.identifier} holds no copy of any data (it was deleted)`);
    this.hold(copy);
    return copy;
  }

  /** The copy for a point in time, held; undefined: the instance as it was created (nothing copied before). */
  private async heldCopyAt(
    source: Extract<DataSource, { kind: 'pointInTime' }>,
  ): Promise<ServerDataCopy | undefined> {
    const live = this.servers.running().find((instance) => instance.resourceId === source.instanceResourceId);
    if (source.latest && live) {
      // A server stopping meanwhile (its instance deleted) leaves the copy taken as it went, in the history.
      const taken = await this.takePointInTimeCopy(live, { hold: true }).catch(() => undefined);
      if (taken) return taken.copy;
    }
    const history = this.histories.get(source.instanceResourceId) ?? [];
    const chosen = source.latest ? history.at(-1) : latestCopyAtOrBefore(history, source.time);
    if (chosen) this.hold(chosen.copy);
    return chosen?.copy;
  }

  /** A copy into the instance's history, unless its data is unchanged since the newest (then that one). */
  private takePointInTimeCopy(instance: DbInstance, { hold = false } = {}): Promise<PointInTimeCopy> {
    return this.exclusive(instance.resourceId, async () => {
      const history = this.historyOf(instance.resourceId);
      const version = await this.servers.dataVersion(instance);
      let newest = history.at(-1);
      if (newest?.version !== version) {
        const copy = await this.servers.copyData(instance);
        this.hold(copy);
        // Labelled when complete: everything in it was written before.
        newest = { copy, takenAt: new Date(), version };
        history.push(newest);
        this.thin(history);
      }
      if (hold) this.hold(newest.copy);
      return newest;
    });
  }

  private thin(history: PointInTimeCopy[]): void {
    const keep = this.options.keepCopies ?? DEFAULT_KEEP_COPIES;
    for (let index = copyToThin(history, keep); index !== undefined; index = copyToThin(history, keep)) {
      const [dropped] = history.splice(index, 1);
      void this.drop(dropped!.copy);
    }
  }

  private historyOf(resourceId: string): PointInTimeCopy[] {
    let history = this.histories.get(resourceId);
    if (!history) {
      history = [];
      this.histories.set(resourceId, history);
    }
    return history;
  }

  private scheduleSweep(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep().finally(() => {
        this.sweeping = undefined;
        this.scheduleSweep();
      });
    }, this.options.copyIntervalMs);
    this.timer.unref();
  }

  /** One instance after the other: copies are disk-bound, and the machine may have few cores. */
  private async sweep(): Promise<void> {
    for (const instance of this.servers.running()) {
      if (this.closed) return;
      if (instance.backupRetentionPeriod === 0) continue;
      await this.takePointInTimeCopy(instance).catch((error: Error) =>
        this.options.logger?.debug(
          { instance: instance.identifier, err: error.message },
          'a point-in-time copy failed',
        ),
      );
    }
  }

  private hold(copy: ServerDataCopy): void {
    this.holders.set(copy, (this.holders.get(copy) ?? 0) + 1);
  }

  private async drop(copy: ServerDataCopy): Promise<void> {
    const left = (this.holders.get(copy) ?? 1) - 1;
    if (left > 0) {
      this.holders.set(copy, left);
      return;
    }
    this.holders.delete(copy);
    await this.servers.removeCopy(copy);
  }

  private exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.copying.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
    const tail = result.catch(() => undefined);
    this.copying.set(key, tail);
    void tail.then(() => {
      if (this.copying.get(key) === tail) this.copying.delete(key);
    });
    return result;
  }
}
