import type { Logger } from 'pino';
import { ANNOTATION_RECONCILE, FINALIZER, TAG_CLUSTER, TAG_MANAGED_BY } from '../../api/constants.js';
import {
  POSTGRESDB_SNAPSHOTS,
  type PostgresDBSnapshot,
  type SnapshotDeletionPolicy,
} from '../../api/postgres-db-snapshot.js';
import { POSTGRESDBS } from '../../api/v1beta1.js';
import { isRdsError } from '../../aws/errors.js';
import type { RdsGateway, RdsSnapshot } from '../../aws/types.js';
import type { OperatorConfig } from '../../config/schema.js';
import type { EventSink, EventType } from '../../kube/events.js';
import { createMergePatch } from '../../kube/merge-patch.js';
import { objectReference } from '../../kube/references.js';
import type { KubeResources } from '../../kube/resources.js';
import type { WorkResult } from '../../kube/work-queue.js';
import { describeOwner, ownershipOf, RETAINED_VALUE, type ResourceIdentity } from '../ownership.js';
import { describeFailure, ReconcileError, settleFailure } from '../reconcile-error.js';
import { boundIdentifier, identityOf } from '../resource.js';
import { statusChanged } from '../status.js';
import { boundSnapshotIdentifier, snapshotTags } from './identity.js';
import { buildSnapshotStatus, isFailedSnapshot } from './status.js';

/** Everything a snapshot's reconcile uses. */
export interface SnapshotContext {
  config: OperatorConfig;
  rds: RdsGateway;
  kube: KubeResources;
  events: EventSink;
  logger: Logger;
  /** How soon a snapshot being taken, or waiting for its instance, is looked at again. */
  pollIntervalMs: number;
  now(): Date;
}

/**
 * One reconcile of a PostgresDBSnapshot: a live one gets its RDS snapshot taken once (of the
 * instance of its PostgresDB, when that is available) and its status follows the snapshot; a deleted
 * one removes the RDS snapshot with deletionPolicy Delete (or when it failed), or releases it with
 * Retain, before its finalizer goes.
 */
export async function reconcileSnapshot(
  context: SnapshotContext,
  object: PostgresDBSnapshot,
  signal: AbortSignal,
): Promise<WorkResult & { skipped?: boolean }> {
  if (object.metadata.annotations?.[ANNOTATION_RECONCILE] === 'paused') return { skipped: true };
  const step = new SnapshotReconcile(context, object, signal);
  try {
    return object.metadata.deletionTimestamp ? await step.deletion() : await step.live();
  } catch (error) {
    return step.fail(error);
  }
}

class SnapshotReconcile {
  private object: PostgresDBSnapshot;
  private readonly identity: ResourceIdentity;
  private readonly identifier: string;
  private snapshot: RdsSnapshot | undefined;
  private observed = false;
  private waiting: { reason: string; message: string } | undefined;

  constructor(
    private readonly context: SnapshotContext,
    object: PostgresDBSnapshot,
    private readonly signal: AbortSignal,
  ) {
    this.object = object;
    this.identity = identityOf(object, context.config);
    this.identifier = boundSnapshotIdentifier(object, context.config);
  }

  private get policy(): SnapshotDeletionPolicy {
    return this.object.spec?.deletionPolicy === 'Delete' ? 'Delete' : 'Retain';
  }

  private event(type: EventType, reason: string, message: string): Promise<void> {
    return this.context.events.record(
      objectReference(POSTGRESDB_SNAPSHOTS, this.object),
      type,
      reason,
      message,
      this.signal,
    );
  }

  async live(): Promise<WorkResult> {
    await this.ensureFinalizer();
    await this.observe();
    if (!this.snapshot) {
      if (this.object.status?.snapshotIdentifier) {
        throw new ReconcileError(
          'SnapshotNotFound',
          `RDS snapshot ${this.identifier} no longer exists (it was deleted outside Stow); delete this PostgresDBSnapshot and take another`,
          'wait',
        );
      }
      await this.take();
    }
    const before = this.object.status?.phase;
    await this.writeStatus();
    await this.announce(before);
    const settled = this.snapshot && this.snapshot.status !== 'creating' && !this.waiting;
    return settled ? {} : { requeueAfterMs: this.context.pollIntervalMs };
  }

  private async ensureFinalizer(): Promise<void> {
    const finalizers = this.object.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER)) return;
    this.object = await this.context.kube.patch(
      POSTGRESDB_SNAPSHOTS,
      { namespace: this.identity.namespace, name: this.identity.name },
      {
        metadata: {
          finalizers: [...finalizers, FINALIZER],
          resourceVersion: this.object.metadata.resourceVersion,
        },
      },
      { signal: this.signal },
    );
  }

  private async observe(): Promise<void> {
    const found = await this.context.rds.describeSnapshot(this.identifier, this.signal);
    this.observed = true;
    if (found) this.claim(found);
  }

  /** A snapshot of this identifier that another resource (or nobody in Stow) took is never taken over. */
  private claim(found: RdsSnapshot): void {
    const tags = found.tags ?? {};
    if (ownershipOf(tags, this.identity) === 'ours') {
      this.snapshot = found;
      return;
    }
    const owner = tags[TAG_MANAGED_BY] ? `belongs to ${describeOwner(tags)}` : 'was not taken by Stow';
    throw new ReconcileError(
      'SnapshotConflict',
      `RDS snapshot ${found.identifier} exists and ${owner}; it is not this PostgresDBSnapshot's`,
      'wait',
    );
  }

  /** Of the instance of the PostgresDB named, once it is available; then RDS takes over. */
  private async take(): Promise<void> {
    const { namespace } = this.identity;
    const name = this.object.spec.postgresDBRef.name;
    const source = await this.context.kube.get(POSTGRESDBS, { namespace, name }, this.signal);
    if (!source) {
      throw new ReconcileError(
        'SourceNotFound',
        `PostgresDB ${name} does not exist in namespace ${namespace}`,
        'backoff',
      );
    }
    const instanceId = source.status?.dbInstanceIdentifier;
    if (!instanceId) {
      this.waiting = { reason: 'SourceNotReady', message: `PostgresDB ${name} has no RDS instance yet` };
      return;
    }
    const instance = await this.context.rds.describeInstance(
      boundIdentifier(source, this.context.config),
      this.signal,
    );
    if (!instance || ownershipOf(instance.tags, identityOf(source, this.context.config)) !== 'ours') {
      throw new ReconcileError(
        'SourceNotFound',
        `RDS instance ${instanceId} of PostgresDB ${name} does not exist, or is not the one Stow manages for it`,
        'backoff',
      );
    }
    if (instance.status !== 'available') {
      this.waiting = {
        reason: 'SourceNotReady',
        message: `RDS instance ${instance.identifier} is ${instance.status}; the snapshot is taken once it is available`,
      };
      return;
    }
    try {
      this.snapshot = await this.context.rds.createSnapshot(
        {
          instanceIdentifier: instance.identifier,
          snapshotIdentifier: this.identifier,
          tags: snapshotTags(this.identity),
        },
        this.signal,
      );
    } catch (error) {
      if (isRdsError(error, 'InvalidState')) {
        this.waiting = { reason: 'SourceNotReady', message: `RDS instance ${instance.identifier} is busy` };
        return;
      }
      if (!isRdsError(error, 'AlreadyExists')) throw error;
      return this.observe();
    }
    await this.event(
      'Normal',
      'SnapshotStarted',
      `Taking RDS snapshot ${this.identifier} of instance ${instance.identifier} (PostgresDB ${name})`,
    );
  }

  private async announce(before: string | undefined): Promise<void> {
    const snapshot = this.snapshot;
    const phase = this.object.status?.phase;
    if (!snapshot || phase === before) return;
    if (phase === 'Available') {
      await this.event(
        'Normal',
        'SnapshotAvailable',
        `RDS snapshot ${snapshot.identifier} of instance ${snapshot.instanceIdentifier} is available (${snapshot.allocatedStorageGiB ?? '?'} GiB, PostgreSQL ${snapshot.engineVersion ?? '?'})`,
      );
    } else if (phase === 'Failed') {
      await this.event(
        'Warning',
        'SnapshotFailed',
        `RDS snapshot ${snapshot.identifier} of instance ${snapshot.instanceIdentifier} is ${snapshot.status}: nothing can be restored from it. Delete this PostgresDBSnapshot (the failed RDS snapshot goes with it, whatever the deletion policy) and take another`,
      );
    }
  }

  /** Delete (or a failed snapshot): the RDS snapshot goes first; Retain: it is released, then kept. */
  async deletion(): Promise<WorkResult> {
    if (!this.object.metadata.finalizers?.includes(FINALIZER)) return {};
    await this.observeForDeletion();
    const snapshot = this.snapshot;
    if (snapshot && (this.policy === 'Delete' || isFailedSnapshot(snapshot))) {
      if (snapshot.status !== 'deleting') {
        // RDS deletes only a finished snapshot: one being taken is waited for.
        if (snapshot.status === 'creating') return this.pollWhileDeleting();
        this.snapshot = await this.context.rds.deleteSnapshot(snapshot.identifier, this.signal);
        await this.event('Normal', 'SnapshotDeleting', `Deleting RDS snapshot ${snapshot.identifier}`);
      }
      return this.pollWhileDeleting();
    }
    if (snapshot) {
      await this.context.rds.addTags(
        snapshot.arn,
        { [TAG_CLUSTER]: this.identity.clusterName, [TAG_MANAGED_BY]: RETAINED_VALUE },
        this.signal,
      );
      await this.event(
        'Normal',
        'SnapshotRetained',
        `Deletion policy Retain: RDS snapshot ${snapshot.identifier} is kept, released from Stow`,
      );
    } else if (this.object.status?.snapshotIdentifier && this.policy === 'Delete') {
      await this.event('Normal', 'SnapshotDeleted', `RDS snapshot ${this.identifier} is deleted`);
    }
    await this.removeFinalizer();
    return {};
  }

  /** Only a snapshot this resource holds is ever deleted or released; any other is left alone. */
  private async observeForDeletion(): Promise<void> {
    const found = await this.context.rds.describeSnapshot(this.identifier, this.signal);
    this.observed = true;
    this.snapshot = found && ownershipOf(found.tags ?? {}, this.identity) === 'ours' ? found : undefined;
  }

  private async pollWhileDeleting(): Promise<WorkResult> {
    await this.writeStatus(undefined, true);
    return { requeueAfterMs: this.context.pollIntervalMs };
  }

  private async removeFinalizer(): Promise<void> {
    const finalizers = (this.object.metadata.finalizers ?? []).filter((finalizer) => finalizer !== FINALIZER);
    await this.context.kube.patch(
      POSTGRESDB_SNAPSHOTS,
      { namespace: this.identity.namespace, name: this.identity.name },
      { metadata: { finalizers, resourceVersion: this.object.metadata.resourceVersion } },
      { signal: this.signal },
    );
  }

  private async writeStatus(
    failure?: { reason: string; message: string; permanent: boolean },
    deleting = false,
  ): Promise<void> {
    const next = buildSnapshotStatus({
      previous: this.object.status,
      generation: this.object.metadata.generation,
      identifier: this.snapshot ? this.identifier : undefined,
      snapshot: this.snapshot,
      waiting: this.waiting,
      failure,
      deleting,
      snapshotObserved: this.observed,
      now: this.context.now().toISOString(),
    });
    if (!statusChanged(this.object.status, next)) return;
    const patch = createMergePatch(this.object.status ?? {}, next);
    this.object = await this.context.kube.patch(
      POSTGRESDB_SNAPSHOTS,
      { namespace: this.identity.namespace, name: this.identity.name },
      { status: patch ?? next },
      { signal: this.signal, subresource: 'status' },
    );
  }

  async fail(error: unknown): Promise<WorkResult> {
    if (this.signal.aborted) throw error;
    const failure = describeFailure(error);
    this.context.logger.warn(
      { reason: failure.reason, message: failure.message, err: error },
      'reconcile failed',
    );
    const deleting = this.object.metadata.deletionTimestamp !== undefined;
    return settleFailure(
      error,
      failure,
      {
        writeStatus: (recorded) => this.writeStatus(recorded, deleting),
        warn: (reason, message) => this.event('Warning', reason, message),
        statusNotWritten: (statusError) =>
          this.context.logger.warn({ err: statusError }, 'could not record the failure in status'),
      },
      this.context.pollIntervalMs,
    );
  }
}
