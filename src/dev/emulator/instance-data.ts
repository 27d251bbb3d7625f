import type { DbInstance, DbSnapshot } from './model.js';

/** Where a restored instance's data comes from. */
export type DataSource =
  | { kind: 'snapshot'; snapshot: DbSnapshot }
  /**
   * The source instance (by resource id: it may be deleted, its automated backups retained), as of
   * `time`; `latest` when the request asked for the latest restorable time (then `time` is that time).
   */
  | { kind: 'pointInTime'; instanceResourceId: string; time: Date; latest: boolean };

/**
 * The data behind instances, as snapshots and restores move it: the seam between the emulated RDS
 * API (statuses, delays, errors) and whatever runs behind an instance. Each call may take as long as
 * it needs; the emulator's delays run alongside, and a status changes only once both are done.
 */
export interface InstanceData {
  /** A consistent copy of the instance's data, kept as the snapshot's. A rejection fails the snapshot. */
  snapshot(instance: DbInstance, snapshot: DbSnapshot): Promise<void>;
  /**
   * The new instance's data from the source, made ready to serve; resolves once it accepts
   * connections with the new instance's master credentials (the source's). A rejection fails the
   * restore (`incompatible-restore`).
   */
  restore(instance: DbInstance, source: DataSource): Promise<void>;
  /** The snapshot is deleted: its copy goes. */
  discard(snapshot: DbSnapshot): Promise<void>;
  /**
   * The instance is gone and its server is about to stop: with `keepBackups` (its automated backups
   * are retained) what point-in-time restores of it need is kept, else it goes.
   */
  release(instance: DbInstance, keepBackups: boolean): Promise<void>;
  /** The account is emptied (the emulator's reset): every copy goes. */
  clear(): Promise<void>;
}

/** No process behind instances: snapshots and restores carry no data and settle at once. */
export const NO_DATA: InstanceData = {
  snapshot: async () => {},
  restore: async () => {},
  discard: async () => {},
  release: async () => {},
  clear: async () => {},
};
