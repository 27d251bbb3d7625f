import { FINALIZER, TAG_MANAGED_BY } from '../api/constants.js';
import type { DeletionPolicy, PostgresDB } from '../api/v1beta1.js';
import { isRdsError } from '../aws/errors.js';
import type { RdsInstance } from '../aws/types.js';
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
 * instance does not exist (or the policy is Retain, or the instance was never this resource's). Needs
 * nothing from the Secret, which may already be gone.
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
      this.instance = await this.context.rds.deleteInstance(
        instance.identifier,
        {
          ...(snapshot ? { finalSnapshotIdentifier: snapshot } : {}),
          deleteAutomatedBackups: !keepBackups,
        },
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
        ? `Deleting RDS instance ${instance.identifier} after final snapshot ${snapshot}; ${backups}`
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
      now: this.context.now().toISOString(),
    });
    await writeStatusIfChanged(this.context, this.object, next, this.signal, () => {});
  }

  async fail(error: unknown): Promise<WorkResult> {
    if (this.signal.aborted) throw error;
    return settleFailure(
      error,
      describeFailure(error),
      {
        writeStatus: (failure) => this.writeStatus(failure),
        warn: (reason, message) => this.event('Warning', reason, message),
        statusNotWritten: () => {},
      },
      this.context.pollIntervalMs,
    );
  }
}
