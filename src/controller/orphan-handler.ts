import type { Logger } from 'pino';
import { TAG_ORPHANED_AT } from '../api/constants.js';
import { isRdsError, type RdsErrorKind } from '../aws/errors.js';
import type { RdsGateway, RdsInstance } from '../aws/types.js';
import type { EventSink, EventType } from '../kube/events.js';
import { describeOwner } from './ownership.js';
import type { ObjectReference } from '../kube/types.js';
import {
  cleanupStep,
  judgeInstance,
  type OrphanPlan,
  type OrphanScene,
  orphanSnapshotTags,
  type ReportReason,
} from './orphans.js';

/**
 * How often a standing orphan is reported again: the API server's default Event TTL, so an orphan
 * stays visible in `kubectl get events` without an Event per orphan per resync.
 */
export const ORPHAN_REMINDER_MS = 60 * 60_000;

export interface OrphanHandlerDeps {
  rds: RdsGateway;
  events: EventSink;
  /** The object orphan Events are about (the controller's Lease); undefined: log only. */
  regarding: () => ObjectReference | undefined;
  logger: Logger;
  /** The scene as of now, from the informer cache: judged again right before any snapshot or delete. */
  scene: () => OrphanScene;
  reminderMs?: number;
}

/**
 * Acts on the verdicts of judgeInstance for one resync's listing: reports orphans (once, then
 * hourly), marks and unmarks them, and with snapshotAndDelete takes each orphan's snapshot and
 * deletes it, one step per resync. Never throws but for an abort.
 */
export class OrphanHandler {
  private readonly notices: Notices;

  constructor(private readonly deps: OrphanHandlerDeps) {
    this.notices = new Notices(deps.reminderMs ?? ORPHAN_REMINDER_MS);
  }

  /** Returns the identifiers of the orphans among `instances`. */
  async review(instances: readonly RdsInstance[], signal: AbortSignal): Promise<string[]> {
    const scene = this.deps.scene();
    const orphans: string[] = [];
    for (const instance of instances) {
      const verdict = judgeInstance(instance, scene);
      if (verdict.kind === 'ignore') continue;
      try {
        if (verdict.kind === 'claimed') {
          if (verdict.clearMark) await this.unmark(instance, signal, true);
          continue;
        }
        orphans.push(instance.identifier);
        await this.act(instance, verdict.plan, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        await this.failed(instance, error, signal);
      }
    }
    this.notices.keepOnly(new Set(orphans));
    return orphans;
  }

  /**
   * The listed instance only confirms that nothing needs doing (as for resources, ADR 0005): before
   * any tag write, snapshot, delete or Event, the instance is read again and judged against the
   * scene as it is now.
   */
  private async act(listed: RdsInstance, plan: OrphanPlan, signal: AbortSignal): Promise<void> {
    if (!this.wouldWrite(listed, plan)) return;
    const instance = await this.deps.rds.describeInstance(listed.identifier, signal);
    if (!instance) return;
    const verdict = judgeInstance(instance, this.deps.scene());
    if (verdict.kind === 'claimed' && verdict.clearMark) await this.unmark(instance, signal, true);
    if (verdict.kind !== 'orphan') return;
    const { plan: fresh } = verdict;
    if (fresh.step === 'cleanup')
      return this.cleanUp(instance, fresh.snapshotIdentifier, fresh.markedAt, signal);
    if (fresh.step === 'report' && fresh.clearMark) await this.unmark(instance, signal, false);
    if (fresh.step === 'mark')
      await this.deps.rds.addTags(instance.arn, { [TAG_ORPHANED_AT]: fresh.markedAt }, signal);
    return this.notice(instance, 'Warning', 'OrphanedInstance', standingMessage(instance, fresh), signal);
  }

  private wouldWrite(instance: RdsInstance, plan: OrphanPlan): boolean {
    if (plan.step === 'cleanup' || plan.step === 'mark' || (plan.step === 'report' && plan.clearMark))
      return true;
    const message = standingMessage(instance, plan);
    return this.notices.isDue(instance.identifier, 'OrphanedInstance', message, Date.now());
  }

  /** One step: snapshot, or delete once the snapshot is available. */
  private async cleanUp(
    instance: RdsInstance,
    snapshotId: string,
    markedAt: string,
    signal: AbortSignal,
  ): Promise<void> {
    const { identifier } = instance;
    const snapshot = await this.deps.rds.describeSnapshot(snapshotId, signal);
    switch (cleanupStep(instance, snapshot)) {
      case 'createSnapshot':
        if (
          !(await settledUnless(
            () =>
              this.deps.rds.createSnapshot(
                {
                  instanceIdentifier: identifier,
                  snapshotIdentifier: snapshotId,
                  tags: orphanSnapshotTags(instance),
                },
                signal,
              ),
            ['AlreadyExists', 'InvalidState'],
          ))
        )
          return;
        return this.event(
          'Normal',
          'OrphanSnapshotting',
          `Taking snapshot ${snapshotId} of orphaned RDS instance ${identifier} (orphaned since ${markedAt}) before deleting it`,
          signal,
        );
      case 'deleteInstance':
        if (
          !(await settledUnless(
            () => this.deps.rds.deleteInstance(identifier, { deleteAutomatedBackups: false }, signal),
            ['InvalidState'],
          ))
        )
          return;
        return this.event(
          'Warning',
          'OrphanDeleting',
          `Deleting orphaned RDS instance ${identifier} (orphaned since ${markedAt}); snapshot ${snapshotId} is kept, and its automated backups until their retention period ends`,
          signal,
        );
      case 'snapshotUnusable':
        return this.notice(
          instance,
          'Warning',
          'OrphanCleanupFailed',
          `Snapshot ${snapshotId} (of RDS instance ${snapshot?.instanceIdentifier}) is ${snapshot?.status}, so orphaned RDS instance ${identifier} is not deleted; delete that snapshot to let Stow take a new one`,
          signal,
        );
      case 'awaitInstance':
      case 'awaitSnapshot':
        return;
    }
  }

  private async unmark(instance: RdsInstance, signal: AbortSignal, claimed: boolean): Promise<void> {
    await this.deps.rds.removeTags(instance.arn, [TAG_ORPHANED_AT], signal);
    if (claimed)
      await this.event(
        'Normal',
        'OrphanClaimed',
        `RDS instance ${instance.identifier} is bound by a PostgresDB again; it is no longer orphaned`,
        signal,
      );
  }

  private async failed(instance: RdsInstance, error: unknown, signal: AbortSignal) {
    const message = `Could not handle orphaned RDS instance ${instance.identifier}: ${error instanceof Error ? error.message : String(error)}`;
    this.deps.logger.warn({ instance: instance.identifier, err: error }, 'orphan handling failed');
    await this.notice(instance, 'Warning', 'OrphanCleanupFailed', message, signal);
  }

  /** Once, then again only when the message changes or the reminder interval has passed. */
  private async notice(
    instance: RdsInstance,
    type: EventType,
    reason: string,
    message: string,
    signal: AbortSignal,
  ): Promise<void> {
    if (!this.notices.take(instance.identifier, reason, message, Date.now())) return;
    await this.event(type, reason, message, signal);
  }

  private async event(type: EventType, reason: string, message: string, signal: AbortSignal) {
    const regarding = this.deps.regarding();
    if (!regarding) {
      this.deps.logger.warn({ type, reason, eventMessage: message }, 'orphaned instance');
      return;
    }
    await this.deps.events.record(regarding, type, reason, message, signal);
  }
}

/**
 * False when RDS answers with one of `kinds` (the snapshot was taken meanwhile, the instance is busy):
 * the next resync looks again.
 */
async function settledUnless(call: () => Promise<unknown>, kinds: readonly RdsErrorKind[]): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    if (kinds.some((kind) => isRdsError(error, kind))) return false;
    throw error;
  }
}

/** What the standing OrphanedInstance Event says under each plan but cleanup. */
function standingMessage(instance: RdsInstance, plan: Exclude<OrphanPlan, { step: 'cleanup' }>): string {
  return plan.step === 'report' ? reportMessage(instance, plan.reason) : dueMessage(instance, plan.dueAt);
}

function owner(instance: RdsInstance): string {
  return `PostgresDB ${describeOwner(instance.tags)}`;
}

function reportMessage(instance: RdsInstance, reason: ReportReason): string {
  const head = `RDS instance ${instance.identifier} belongs to ${owner(instance)}, which does not exist`;
  const release = 'delete it, or set its tag stow.dev/managed-by to retained to release it for adoption';
  switch (reason) {
    case 'configured':
      return `${head}; Stow leaves it alone (orphans.action: report): ${release}`;
    case 'namesake':
      return `${head}, and a PostgresDB of that name binds another instance, so Stow does not delete it: ${release}`;
    case 'deletionProtection':
      return `${head}; it has deletion protection, so Stow does not snapshot or delete it: ${release}`;
  }
}

function dueMessage(instance: RdsInstance, dueAt: Date): string {
  return `RDS instance ${instance.identifier} belongs to ${owner(instance)}, which does not exist; Stow takes a snapshot and deletes it after ${dueAt.toISOString()} (orphans.action: snapshotAndDelete) unless a PostgresDB binds it or its tag stow.dev/managed-by is set to retained`;
}

/** What was last reported about each orphan, so a standing orphan is not reported every resync. */
export class Notices {
  private readonly sent = new Map<string, { message: string; at: number }>();

  constructor(private readonly intervalMs: number) {}

  isDue(identifier: string, reason: string, message: string, now: number): boolean {
    const last = this.sent.get(`${identifier}\u0000${reason}`);
    return !last || last.message !== message || now - last.at >= this.intervalMs;
  }

  /** isDue, and if so, remembers it as sent now. */
  take(identifier: string, reason: string, message: string, now: number): boolean {
    if (!this.isDue(identifier, reason, message, now)) return false;
    this.sent.set(`${identifier}\u0000${reason}`, { message, at: now });
    return true;
  }

  /** Forgets instances that are no longer orphans, so a new orphaning is reported at once. */
  keepOnly(identifiers: ReadonlySet<string>): void {
    for (const key of this.sent.keys()) {
      if (!identifiers.has(key.slice(0, key.indexOf('\u0000')))) this.sent.delete(key);
    }
  }
}
