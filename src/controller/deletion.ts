import { FINALIZER, TAG_MANAGED_BY } from '../api/constants.js';
import type { DeletionPolicy, PostgresDB } from '../api/v1beta1.js';
import { isRdsError } from '../aws/errors.js';
import type { RdsInstance } from '../aws/types.js';
import { isKubeError } from '../kube/client.js';
import { finalSnapshotObject, isFinalSnapshotOf } from './final-snapshot.js';
import { isFailedSnapshot } from './postgresdb-snapshot/status.js';
import type { ReconcilerContext, RunOptions } from './context.js';
import { boundIdentifier, hasFinalizer, identityOf } from './resource.js';
import { finalSnapshotIdentifier, ownershipOf, RETAINED_VALUE, type ResourceIdentity } from './ownership.js';
import { describeFailure, ReconcileError, settleFailure } from './reconcile-error.js';
import { writeStatusIfChanged } from './status-writer.js';
import { buildStatus } from './status.js';
import type { WorkResult } from '../kube/work-queue.js';

const POLICIES: readonly DeletionPolicy[] = ['Delete', 'Snapshot', 'Retain'];

/**
 * Whether the automated backups outlive the instance: `spec.backup.keepAfterDeletion` when set, else
 * kept with Snapshot (as Stow always did) and deleted with Delete (RDS's own default).
 */
export function keepsAutomatedBackups(policy: DeletionPolicy, spec: PostgresDB['spec'] | undefined): boolean {
  return spec?.backup?.keepAfterDeletion ?? policy === 'Snapshot';
}

/**
 * Deletion of a PostgresDB holding the finalizer. The finalizer goes only once RDS answers that the
 * instance does not exist (or the policy is Retain, or the instance was never this resource's). With
 * Snapshot, the instance is deleted only once its final snapshot, taken first, is available: a failed
 * snapshot leaves the instance and this resource in place. Needs nothing from the Secret, which may
 * already be gone.
 */
export async function reconcileDeletion(
  context: ReconcilerContext,
  object: PostgresDB,
  run: RunOptions,
): Promise<WorkResult> {
  if (!hasFinalizer(object)) return {};
  const step = new Deletion(context, object, run.signal);
  try {
    if (step.policy === 'Retain') {
      await step.releaseInstance();
      await step.removeFinalizer();
      return {};
    }
    await step.observeInstance();
    if (step.instanceIsGone()) {
      await step.reportFinalSnapshot();
      await step.removeFinalizer();
      return {};
    }
    if (!step.instanceIsOurs()) {
      await step.leaveForeignInstance();
      await step.removeFinalizer();
      return {};
    }
    if (step.policy === 'Snapshot' && !(await step.finalSnapshotIsAvailable())) {
      await step.writeStatus();
      return { requeueAfterMs: context.pollIntervalMs };
    }
    await step.deleteInstance();
    await step.writeStatus();
    return { requeueAfterMs: context.pollIntervalMs };
  } catch (error) {
    return step.fail(error);
  }
}

class Deletion {
  readonly policy: DeletionPolicy;
  private readonly identity: ResourceIdentity;
  private readonly identifier: string;
  private instance: RdsInstance | undefined;
  /** What the deletion waits for, for status. */
  private waiting: string | undefined;

  constructor(
    private readonly context: ReconcilerContext,
    private readonly object: PostgresDB,
    private readonly signal: AbortSignal,
  ) {
    const requested = object.spec?.deletionPolicy;
    this.policy =
      requested && POLICIES.includes(requested) ? requested : context.config.defaults.deletionPolicy;
    this.identity = identityOf(object, context.config);
    this.identifier = boundIdentifier(object, context.config);
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.context.events.record(this.object, type, reason, message, this.signal);
  }

  async observeInstance(): Promise<void> {
    this.instance = await this.context.rds.describeInstance(this.identifier, this.signal);
  }

  instanceIsGone(): boolean {
    return this.instance === undefined;
  }

  instanceIsOurs(): boolean {
    return this.instance !== undefined && ownershipOf(this.instance.tags, this.identity) === 'ours';
  }

  /** Retain: the instance stays; its managed-by tag says it is free, so another resource may adopt it. */
  async releaseInstance(): Promise<void> {
    await this.observeInstance();
    const instance = this.instance;
    if (!instance || !this.instanceIsOurs()) return;
    await this.context.rds.addTags(instance.arn, { [TAG_MANAGED_BY]: RETAINED_VALUE }, this.signal);
    await this.event(
      'Normal',
      'Retained',
      `Deletion policy Retain: RDS instance ${instance.identifier} is left running`,
    );
  }

  async leaveForeignInstance(): Promise<void> {
    await this.event(
      'Normal',
      'NotDeleted',
      `RDS instance ${this.identifier} does not belong to this resource and is left alone`,
    );
  }

  /**
   * The final snapshot is taken before the instance is deleted (RDS's own final snapshot is taken
   * while the instance is deleted, and cannot be waited for: should it fail, the data is gone). It is
   * a PostgresDBSnapshot, created here once, with Retain; the snapshot controller takes it. Only its
   * RDS status decides: available lets the deletion go on, failed stops it.
   */
  async finalSnapshotIsAvailable(): Promise<boolean> {
    const instance = this.instance!;
    // Being deleted already (asked for by an earlier version, with RDS's own final snapshot).
    if (instance.status === 'deleting') return true;
    const identifier = finalSnapshotIdentifier(instance.identifier, this.identity.uid);
    const snapshot = await this.context.rds.describeSnapshot(identifier, this.signal);
    if (!snapshot) {
      const name = await this.requestFinalSnapshot(identifier, instance);
      this.waiting = `Waiting for the final snapshot ${identifier} (PostgresDBSnapshot ${name}) before RDS instance ${instance.identifier} is deleted`;
      return false;
    }
    if (snapshot.instanceIdentifier !== instance.identifier) {
      throw new ReconcileError(
        'FinalSnapshotConflict',
        `RDS snapshot ${identifier} exists and is a snapshot of ${snapshot.instanceIdentifier}, not of RDS instance ${instance.identifier}; delete it, or set spec.deletionPolicy to Delete or Retain`,
        'wait',
      );
    }
    if (snapshot.status === 'available') return true;
    if (isFailedSnapshot(snapshot)) {
      const name = finalSnapshotObject(this.object, identifier).metadata.name;
      throw new ReconcileError(
        'FinalSnapshotFailed',
        `The final snapshot ${identifier} of RDS instance ${instance.identifier} is ${snapshot.status}, so the instance is not deleted and this PostgresDB stays. Delete PostgresDBSnapshot ${name} (the failed snapshot goes with it) to have Stow take the final snapshot again, or set spec.deletionPolicy to Delete or Retain`,
        'poll',
      );
    }
    this.waiting = `Waiting for the final snapshot ${identifier} (${snapshot.status}) before RDS instance ${instance.identifier} is deleted`;
    return false;
  }

  /** The PostgresDBSnapshot standing for the final snapshot: created once; its name is returned. */
  private async requestFinalSnapshot(identifier: string, instance: RdsInstance): Promise<string> {
    const wanted = finalSnapshotObject(this.object, identifier);
    const name = wanted.metadata.name!;
    const { namespace } = this.identity;
    let existing = await this.context.kube.getPostgresDBSnapshot(namespace, name, this.signal);
    if (!existing) {
      try {
        existing = await this.context.kube.createPostgresDBSnapshot(wanted, this.signal);
        await this.event(
          'Normal',
          'FinalSnapshot',
          `Taking the final snapshot ${identifier} of RDS instance ${instance.identifier} (PostgresDBSnapshot ${name}, kept after the deletion) before deleting the instance`,
        );
      } catch (error) {
        if (!isKubeError(error, 409)) throw error;
        existing = await this.context.kube.getPostgresDBSnapshot(namespace, name, this.signal);
      }
    }
    if (existing && !isFinalSnapshotOf(existing, identifier)) {
      throw new ReconcileError(
        'FinalSnapshotConflict',
        `PostgresDBSnapshot ${name} exists and is not the final snapshot of this PostgresDB; delete or rename it, or set spec.deletionPolicy to Delete or Retain`,
        'wait',
      );
    }
    return name;
  }

  async deleteInstance(): Promise<void> {
    const instance = this.instance!;
    if (instance.status === 'deleting') return;
    if (instance.deletionProtection) return this.liftDeletionProtection(instance);
    const snapshot =
      this.policy === 'Snapshot'
        ? finalSnapshotIdentifier(instance.identifier, this.identity.uid)
        : undefined;
    const keepBackups = keepsAutomatedBackups(this.policy, this.object.spec);
    try {
      // The final snapshot is available already: RDS is asked for none.
      this.instance = await this.context.rds.deleteInstance(
        instance.identifier,
        { deleteAutomatedBackups: !keepBackups },
        this.signal,
      );
    } catch (error) {
      // Creating, modifying, backing up...: RDS takes the request once the instance settles; poll.
      if (isRdsError(error, 'InvalidState')) return;
      throw error;
    }
    const backups = keepBackups
      ? 'automated backups kept until their retention period ends'
      : 'automated backups deleted too';
    await this.event(
      'Normal',
      'Deleting',
      snapshot
        ? `Deleting RDS instance ${instance.identifier}, its final snapshot ${snapshot} available; ${backups}`
        : `Deleting RDS instance ${instance.identifier} without a final snapshot (deletion policy Delete); ${backups}`,
    );
  }

  /** Deletion protection holds unless the spec turned it off (edited after the delete request). */
  private async liftDeletionProtection(instance: RdsInstance): Promise<void> {
    if (this.object.spec?.deletionProtection !== false) {
      throw new ReconcileError(
        'DeletionProtected',
        `RDS instance ${instance.identifier} has deletion protection; set spec.deletionProtection to false to let it be deleted`,
        'wait',
      );
    }
    this.instance = await this.context.rds.modifyInstance(
      instance.identifier,
      { deletionProtection: false },
      this.signal,
    );
    await this.event(
      'Normal',
      'Modifying',
      `Turning off deletion protection of RDS instance ${instance.identifier}`,
    );
  }

  async reportFinalSnapshot(): Promise<void> {
    if (this.policy !== 'Snapshot' || !this.object.status?.dbInstanceIdentifier) return;
    const name = finalSnapshotIdentifier(this.identifier, this.identity.uid);
    const snapshot = await this.context.rds.describeSnapshot(name, this.signal);
    if (snapshot) {
      await this.event(
        'Normal',
        'SnapshotTaken',
        `Final snapshot ${name} of RDS instance ${this.identifier} is ${snapshot.status}`,
      );
    }
  }

  async removeFinalizer(): Promise<void> {
    if (this.object.status?.dbInstanceIdentifier && this.policy !== 'Retain') {
      await this.event('Normal', 'Deleted', `RDS instance ${this.identifier} is deleted`);
    }
    const finalizers = (this.object.metadata.finalizers ?? []).filter((finalizer) => finalizer !== FINALIZER);
    await this.context.kube.patchPostgresDB(
      this.identity.namespace,
      this.identity.name,
      { metadata: { finalizers, resourceVersion: this.object.metadata.resourceVersion } },
      this.signal,
    );
  }

  async writeStatus(failure?: { reason: string; message: string; permanent: boolean }): Promise<void> {
    const next = buildStatus({
      previous: this.object.status,
      generation: this.object.metadata.generation,
      identifier: this.instance ? this.identifier : undefined,
      instance: this.instance,
      instanceObserved: this.instance !== undefined || failure === undefined,
      secretName: this.object.status?.secretName,
      serviceName: this.object.status?.serviceName,
      failure,
      deleting: true,
      deletingMessage: this.waiting,
      now: this.context.now().toISOString(),
    });
    await writeStatusIfChanged(this.context, this.object, next, this.signal, () => {});
  }

  /** A failure polled for (a failed final snapshot) is announced once, not at every poll. */
  private alreadyReported(reason: string, message: string): boolean {
    const synced = this.object.status?.conditions?.find((condition) => condition.type === 'Synced');
    return synced?.status === 'False' && synced.reason === reason && synced.message === message;
  }

  async fail(error: unknown): Promise<WorkResult> {
    if (this.signal.aborted) throw error;
    return settleFailure(
      error,
      describeFailure(error),
      {
        writeStatus: (failure) => this.writeStatus(failure),
        warn: (reason, message) =>
          this.alreadyReported(reason, message) ? Promise.resolve() : this.event('Warning', reason, message),
        statusNotWritten: () => {},
      },
      this.context.pollIntervalMs,
    );
  }
}
