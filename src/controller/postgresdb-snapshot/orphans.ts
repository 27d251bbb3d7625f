import type { Logger } from 'pino';
import type { RdsGateway, RdsSnapshot } from '../../aws/types.js';
import type { EventSink } from '../../kube/events.js';
import type { ObjectReference } from '../../kube/types.js';
import { Notices, ORPHAN_REMINDER_MS } from '../orphan-handler.js';
import { isOrphanedSnapshot, type SnapshotScene } from '../orphans.js';
import { describeOwner } from '../ownership.js';

export interface SnapshotOrphansDeps {
  rds: RdsGateway;
  events: EventSink;
  /** The object orphan Events are about (the controller's Lease); undefined: log only. */
  regarding: () => ObjectReference | undefined;
  logger: Logger;
  /** The PostgresDBSnapshots as the informer has them now. */
  scene: () => SnapshotScene;
}

/**
 * Lists the account's manual snapshots (100 a page) and reports those tagged for a PostgresDBSnapshot
 * of this cluster that none binds: a Warning Event on the Lease, once, then hourly while it stands.
 * Nothing is deleted: a snapshot holds data, and deleting it is a person's decision.
 */
export class SnapshotOrphans {
  private readonly notices = new Notices(ORPHAN_REMINDER_MS);

  constructor(private readonly deps: SnapshotOrphansDeps) {}

  /** The identifiers of the orphaned snapshots; undefined when RDS could not be listed. */
  async review(signal: AbortSignal): Promise<string[] | undefined> {
    const listed: RdsSnapshot[] = [];
    try {
      let marker: string | undefined;
      do {
        const page = await this.deps.rds.listSnapshotsPage(marker, signal);
        listed.push(...page.snapshots);
        marker = page.marker;
      } while (marker);
    } catch (error) {
      if (!signal.aborted) this.deps.logger.warn({ err: error }, 'could not list RDS snapshots');
      return undefined;
    }
    const scene = this.deps.scene();
    const orphans = listed.filter((snapshot) => isOrphanedSnapshot(snapshot, scene));
    this.notices.keepOnly(new Set(orphans.map((snapshot) => snapshot.identifier)));
    for (const snapshot of orphans) {
      const message = `RDS snapshot ${snapshot.identifier} was taken for PostgresDBSnapshot ${describeOwner(snapshot.tags ?? {})}, which does not exist; delete it, or set its tag stow.dev/managed-by to retained to keep it`;
      if (!this.notices.take(snapshot.identifier, 'OrphanedSnapshot', message, Date.now())) continue;
      const regarding = this.deps.regarding();
      if (regarding) await this.deps.events.record(regarding, 'Warning', 'OrphanedSnapshot', message, signal);
      else this.deps.logger.warn({ reason: 'OrphanedSnapshot', eventMessage: message }, 'orphaned snapshot');
    }
    if (orphans.length)
      this.deps.logger.warn(
        { orphans: orphans.map((snapshot) => snapshot.identifier) },
        'RDS snapshots tagged for this cluster have no PostgresDBSnapshot',
      );
    return orphans.map((snapshot) => snapshot.identifier);
  }
}
