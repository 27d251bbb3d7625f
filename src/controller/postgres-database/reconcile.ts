import { FINALIZER } from '../../api/constants.js';
import type { PostgresDBPolicy } from '../../api/policy.js';
import { POSTGRES_DATABASES, type PostgresDatabase } from '../../api/postgres-database.js';
import { formatFieldErrors } from '../../admission/rules/field-error.js';
import {
  applyDatabaseDefaults,
  instanceNamespace,
  validateDatabaseCreate,
} from '../../admission/rules/postgres-database.js';
import { isKubeError } from '../../kube/client.js';
import { createMergePatch } from '../../kube/merge-patch.js';
import { type Secret, SECRETS } from '../../kube/types.js';
import type { WorkResult } from '../../kube/work-queue.js';
import { sharedExtensionErrors } from '../../policy/sharing.js';
import { changedSecretKeys, encodeSecretData, storedPassword } from '../connection-secret.js';
import { isOwnedBy } from '../owner.js';
import { generatePassword } from '../password.js';
import {
  ANNOTATION_ROTATE_PASSWORD,
  nextScheduledRotation,
  PENDING_PASSWORD_KEY,
  pendingPassword,
  type RotationCause,
  rotationDue,
  rotationRecord,
} from '../password-rotation.js';
import { describeFailure, ReconcileError, settleFailure } from '../reconcile-error.js';
import { statusChanged } from '../status.js';
import { type DatabaseContext, Waiting } from './context.js';
import { type DesiredDatabase, desiredDatabase } from './desired.js';
import { type InstanceName, type ResolvedInstance, resolveInstance, sharingGrants } from './instance.js';
import {
  INSPECT_EXTENSIONS_QUERY,
  INSPECT_SCHEMAS_QUERY,
  inspectDatabaseQuery,
  inspectRolesQuery,
  type ObservedInstance,
  observedInside,
  observedInstance,
} from './inspect.js';
import {
  databaseSteps,
  dropSteps,
  insideConflicts,
  instanceConflicts,
  instanceSteps,
  removeUserSteps,
} from './plan.js';
import { newRoleSecret, type RoleSecret, roleSecretContents, roleSecrets } from './roles.js';
import { MasterSessions } from './sessions.js';
import { buildDatabaseStatus, type DatabaseStatusInput } from './status.js';

function hasFinalizer(object: PostgresDatabase): boolean {
  return object.metadata.finalizers?.includes(FINALIZER) ?? false;
}

/**
 * One reconcile of a PostgresDatabase: the instance resolved (a PostgresDB of this namespace, or of
 * another one that a policy still shares), the database and its roles brought to the spec over the
 * master user's connection, a Secret per role. Level-based: a run that finds everything in place runs
 * no statement and writes nothing. Passwords go into the Secrets before the database (ADR 0026).
 */
export async function reconcileDatabase(
  context: DatabaseContext,
  object: PostgresDatabase,
  signal: AbortSignal,
): Promise<WorkResult> {
  const run = new DatabaseReconcile(context, object, signal);
  try {
    if (object.metadata.deletionTimestamp) return await run.finalize();
    run.guardAgainstInvalidSpec();
    await run.ensureFinalizer();
    await run.checkSharing();
    await run.resolveInstance();
    await run.observeInstance();
    run.checkConflicts();
    await run.ensureSecrets();
    await run.applyInstanceSteps();
    await run.applyDatabaseSteps();
    await run.removeUnlistedUsers();
    await run.promotePendingPasswords();
    await run.fillConnectionKeys();
    await run.writeStatus();
    await run.announceReadiness();
    return run.nextRun();
  } catch (error) {
    return await run.fail(error);
  } finally {
    await run.close();
  }
}

interface RoleState extends RoleSecret {
  secret: Secret;
  /** The password the role has, or gets in this reconcile. */
  password: string;
  /** Set in the database, then promoted in the Secret, in this reconcile. */
  pending?: { password: string; why: RotationCause | 'recovered' };
}

class DatabaseReconcile {
  private object: PostgresDatabase;
  private readonly namespace: string;
  private desired: DesiredDatabase | undefined;
  private readonly ref: InstanceName;
  private granting: PostgresDBPolicy[] | undefined;
  private instance: ResolvedInstance | undefined;
  private sessions: MasterSessions | undefined;
  private observed: ObservedInstance | undefined;
  private readonly roles = new Map<string, RoleState>();
  private createdDatabase = false;
  private inPlace = false;
  private readyBefore = false;

  constructor(
    private readonly context: DatabaseContext,
    object: PostgresDatabase,
    private readonly signal: AbortSignal,
  ) {
    this.object = object;
    this.namespace = object.metadata.namespace ?? 'default';
    this.ref = { name: object.spec?.instanceRef?.name ?? '', namespace: this.namespace };
    this.readyBefore =
      object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }

  private get spec() {
    return this.object.spec;
  }

  private get log() {
    return this.context.logger;
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.context.events.record(this.object, type, reason, message, this.signal);
  }

  private get requestedRotation(): string | undefined {
    return this.object.metadata.annotations?.[ANNOTATION_ROTATE_PASSWORD] || undefined;
  }

  /** The webhook may have been bypassed: the rules and the defaults run again, before any connection. */
  guardAgainstInvalidSpec(): void {
    const rules = { namespace: this.namespace, masterUsername: this.context.config.defaults.masterUsername };
    const { errors } = validateDatabaseCreate(this.object, rules);
    if (errors.length)
      throw new ReconcileError('InvalidSpec', `The spec is invalid: ${formatFieldErrors(errors)}`, 'wait');
    this.object = applyDatabaseDefaults(this.object);
    this.ref.namespace = instanceNamespace(this.spec, this.namespace);
    this.desired = desiredDatabase(this.object, this.namespace);
  }

  async ensureFinalizer(): Promise<void> {
    if (hasFinalizer(this.object)) return;
    const finalizers = [...(this.object.metadata.finalizers ?? []), FINALIZER];
    await this.patchMetadata({ finalizers });
  }

  private async patchMetadata(metadata: Record<string, unknown>): Promise<void> {
    const patched = await this.context.kube.patch(
      POSTGRES_DATABASES,
      { namespace: this.namespace, name: this.object.metadata.name ?? '' },
      { metadata: { ...metadata, resourceVersion: this.object.metadata.resourceVersion } },
      { signal: this.signal },
    );
    this.object = { ...applyDatabaseDefaults(patched), status: patched.status };
  }

  async checkSharing(): Promise<void> {
    this.granting = await sharingGrants(this.context, this.ref, this.namespace);
  }

  async resolveInstance(): Promise<void> {
    this.instance = await resolveInstance(this.context, this.ref, this.signal);
    this.sessions = new MasterSessions(this.context, this.instance, this.desired!.databaseName, this.log);
  }

  /** The database and the roles under the spec's names, and every role marked for this resource. */
  async observeInstance(): Promise<void> {
    const desired = this.desired!;
    const names = [desired.owner, ...desired.users.map((user) => user.name)];
    const [database, roles] = await Promise.all([
      this.sessions!.query('instance', inspectDatabaseQuery(desired.databaseName)),
      this.sessions!.query('instance', inspectRolesQuery(names, desired.resource)),
    ]);
    this.observed = observedInstance(database, roles);
  }

  checkConflicts(): void {
    const conflicts = instanceConflicts(this.desired!, this.observed!, this.instance!.master.username);
    if (conflicts.length)
      throw new ReconcileError(
        'NameConflict',
        `Stow leaves alone what it did not create for this PostgresDatabase: ${conflicts.join('; ')}`,
        'wait',
      );
  }

  /**
   * Each role's Secret, with the password, before the role is created or changed (ADR 0004, 0026): a
   * new role's password is written first; a role whose password is to change (a rotation, or a
   * Secret lost) gets the new one under `pending-password` first, and keeps the old one meanwhile.
   */
  async ensureSecrets(): Promise<void> {
    for (const entry of roleSecrets(this.object)) {
      const exists = this.observed!.roles.has(entry.role);
      let secret = await this.context.kube.get(
        SECRETS,
        { namespace: this.namespace, name: entry.secretName },
        this.signal,
      );
      if (secret && !isOwnedBy(secret, this.object.metadata.uid ?? '')) throw this.secretConflict(entry);
      secret ??= await this.createSecret(entry, exists);
      const current = storedPassword(secret);
      let pending = pendingPassword(secret);
      let why: RotationCause | 'recovered' = 'recovered';
      const due =
        exists && current
          ? rotationDue(this.requestedRotation, secret, this.rotationDays, this.now)
          : undefined;
      if (!pending && (!current || due)) {
        pending = generatePassword();
        why = due ?? 'recovered';
        secret = await this.patchSecret(entry.secretName, {
          data: encodeSecretData({ [PENDING_PASSWORD_KEY]: pending }),
        });
      } else if (pending && due) why = due;
      const state: RoleState = { ...entry, secret, password: pending ?? current! };
      if (pending) state.pending = { password: pending, why };
      this.roles.set(entry.role, state);
    }
  }

  private get rotationDays(): number | undefined {
    return this.spec.passwordRotation?.everyDays;
  }

  private get now(): Date {
    return this.context.now();
  }

  /**
   * A new Secret: for a new role, with its password; for a role that exists (its Secret was lost),
   * the new password is pending, to be set in the database and then promoted.
   */
  private async createSecret(entry: RoleSecret, roleExists: boolean): Promise<Secret> {
    const password = generatePassword();
    const data = roleSecretContents(
      entry.role,
      password,
      this.desired!.databaseName,
      this.instance!.endpoint,
    );
    const secret = newRoleSecret(this.object, entry.secretName, data, {
      ...(roleExists ? { pendingPassword: password } : {}),
      annotations: rotationRecord(this.requestedRotation, this.now),
    });
    try {
      return await this.context.kube.create(SECRETS, secret, this.signal);
    } catch (error) {
      if (!isKubeError(error, 409)) throw error;
      const existing = await this.context.kube.get(
        SECRETS,
        { namespace: this.namespace, name: entry.secretName },
        this.signal,
      );
      if (!existing) throw error;
      if (!isOwnedBy(existing, this.object.metadata.uid ?? '')) throw this.secretConflict(entry);
      return existing;
    }
  }

  private secretConflict(entry: RoleSecret): ReconcileError {
    return new ReconcileError(
      'SecretConflict',
      `Secret ${entry.secretName} (for role ${entry.role}) exists and does not belong to this PostgresDatabase; delete it or choose another Secret name`,
      'wait',
    );
  }

  private patchSecret(name: string, patch: unknown): Promise<Secret> {
    return this.context.kube.patch(SECRETS, { namespace: this.namespace, name }, patch, {
      signal: this.signal,
    });
  }

  /** Roles created (with their Secret's password) or brought to least privilege, then the database. */
  async applyInstanceSteps(): Promise<void> {
    const passwords = new Map<string, string>();
    for (const [role, state] of this.roles)
      if (!this.observed!.roles.has(role) || state.pending) passwords.set(role, state.password);
    const steps = instanceSteps(this.desired!, this.observed!, passwords);
    this.createdDatabase = !this.observed!.database;
    await this.sessions!.run(steps);
  }

  /** Inside the database: extensions (those a sharing policy still allows), grants, markers. */
  async applyDatabaseSteps(): Promise<void> {
    const desired = this.desired!;
    const [schemas, extensions] = await Promise.all([
      this.sessions!.query('database', INSPECT_SCHEMAS_QUERY),
      this.sessions!.query('database', INSPECT_EXTENSIONS_QUERY),
    ]);
    const inside = observedInside(schemas, extensions);
    const conflicts = insideConflicts(desired, inside, this.instance!.master.username);
    if (conflicts.length)
      throw new ReconcileError('NameConflict', `Extensions are not created: ${conflicts.join('; ')}`, 'wait');
    if (this.granting) {
      const missing = (this.spec.extensions ?? []).filter(
        (extension) => !inside.extensions.has(extension.name),
      );
      const refused = sharedExtensionErrors(this.granting, missing);
      if (refused.length)
        throw new ReconcileError(
          'ExtensionNotAllowed',
          `Extensions are not created on a shared instance: ${formatFieldErrors(refused)}`,
          'wait',
        );
    }
    await this.sessions!.run(databaseSteps(desired, this.observed!, inside));
    if (this.createdDatabase)
      await this.event(
        'Normal',
        'Created',
        `Created database ${desired.databaseName} owned by role ${desired.owner} on the instance of PostgresDB ${this.ref.namespace}/${this.ref.name}`,
      );
  }

  /** Roles this resource created for users no longer listed: what they own goes to the owner, then they go. */
  async removeUnlistedUsers(): Promise<void> {
    const desired = this.desired!;
    const listed = new Set([desired.owner, ...desired.users.map((user) => user.name)]);
    for (const role of this.observed!.roles.values()) {
      if (listed.has(role.name)) continue;
      const steps = removeUserSteps(desired, role);
      if (!steps.length) continue;
      await this.sessions!.run(steps);
      await this.event(
        'Normal',
        'UserRemoved',
        `Dropped role ${role.name}, no longer in spec.users; what it owned now belongs to ${desired.owner}`,
      );
    }
  }

  /** The database has the pending passwords now: each becomes its Secret's password. */
  async promotePendingPasswords(): Promise<void> {
    for (const state of this.roles.values()) {
      const pending = state.pending;
      if (!pending) continue;
      const wanted = roleSecretContents(
        state.role,
        pending.password,
        this.desired!.databaseName,
        this.instance!.endpoint,
      );
      state.secret = await this.patchSecret(state.secretName, {
        metadata: { annotations: rotationRecord(this.requestedRotation, this.now) },
        data: { ...encodeSecretData(changedSecretKeys(state.secret, wanted)), [PENDING_PASSWORD_KEY]: null },
      });
      state.password = pending.password;
      const why = {
        requested: `as ${ANNOTATION_ROTATE_PASSWORD} asked`,
        scheduled: `every ${this.rotationDays} days, as spec.passwordRotation asks`,
        recovered: 'its Secret was lost or had no password',
      }[pending.why];
      await this.event(
        'Normal',
        'PasswordRotated',
        `Set a new password for role ${state.role} (Secret ${state.secretName}): ${why}`,
      );
    }
  }

  /** Connection keys of every role's Secret, for the instance's endpoint; written only when they differ. */
  async fillConnectionKeys(): Promise<void> {
    for (const state of this.roles.values()) {
      const wanted = roleSecretContents(
        state.role,
        state.password,
        this.desired!.databaseName,
        this.instance!.endpoint,
      );
      const changed = changedSecretKeys(state.secret, wanted);
      if (Object.keys(changed).length)
        state.secret = await this.patchSecret(state.secretName, { data: encodeSecretData(changed) });
    }
    this.inPlace = true;
  }

  async writeStatus(extra: Partial<DatabaseStatusInput> = {}): Promise<void> {
    const users = this.inPlace
      ? (this.spec.users ?? []).map((user) => ({ name: user.name, secretName: user.secretName! }))
      : undefined;
    const next = buildDatabaseStatus({
      object: this.object,
      instance: this.ref,
      inPlace: this.inPlace,
      users,
      now: this.now.toISOString(),
      ...extra,
    });
    if (!statusChanged(this.object.status, next)) return;
    const patch = createMergePatch(this.object.status ?? {}, next);
    await this.context.kube.patch(
      POSTGRES_DATABASES,
      { namespace: this.namespace, name: this.object.metadata.name ?? '' },
      { status: patch ?? next },
      { signal: this.signal, subresource: 'status' },
    );
  }

  async announceReadiness(): Promise<void> {
    if (this.inPlace && !this.readyBefore)
      await this.event(
        'Normal',
        'Ready',
        `Database ${this.desired!.databaseName} is ready on the instance of PostgresDB ${this.ref.namespace}/${this.ref.name}, with ${this.roles.size} role(s) and their Secrets`,
      );
  }

  /** At the resync period, or sooner when a scheduled rotation falls due. */
  nextRun(): WorkResult {
    let after = this.context.resyncPeriodMs;
    for (const state of this.roles.values()) {
      const next = nextScheduledRotation(state.secret, this.rotationDays);
      if (next) after = Math.min(after, Math.max(next.getTime() - this.now.getTime(), 1000));
    }
    return { requeueAfterMs: after };
  }

  /**
   * Deletion: Retain leaves the database and its roles; Drop closes its connections, drops it, then
   * its roles (only what carries this resource's marker). The Secrets go with the resource.
   */
  async finalize(): Promise<WorkResult> {
    if (!hasFinalizer(this.object)) return {};
    if (this.spec.deletionPolicy !== 'Drop') {
      const databaseName = applyDatabaseDefaults(this.object).spec.databaseName;
      await this.event(
        'Normal',
        'Retained',
        `Database ${databaseName} and its roles are kept in the instance (deletionPolicy Retain)`,
      );
      return this.removeFinalizer();
    }
    this.guardAgainstInvalidSpec();
    const desired = this.desired!;
    try {
      await this.resolveInstance();
    } catch (error) {
      if (!(error instanceof Waiting) || error.state.reason !== 'PostgresDBNotFound') throw error;
      await this.event(
        'Normal',
        'InstanceGone',
        `PostgresDB ${this.ref.namespace}/${this.ref.name} is gone, and its instance with it (or kept by its own deletionPolicy): nothing to drop`,
      );
      return this.removeFinalizer();
    }
    await this.observeInstance();
    const steps = dropSteps(desired, this.observed!);
    await this.sessions!.run(steps);
    if (steps.length)
      await this.event(
        'Normal',
        'Dropped',
        `Dropped ${steps.map((step) => step.summary.replace(/^drop /, '')).join(', ')}`,
      );
    return this.removeFinalizer();
  }

  private async removeFinalizer(): Promise<WorkResult> {
    const finalizers = (this.object.metadata.finalizers ?? []).filter((finalizer) => finalizer !== FINALIZER);
    await this.patchMetadata({ finalizers });
    return {};
  }

  /** A waiting state is reported and looked at again later; a failure is recorded and retried. */
  async fail(error: unknown): Promise<WorkResult> {
    if (this.signal.aborted) throw error;
    const deleting = this.object.metadata.deletionTimestamp !== undefined;
    if (error instanceof Waiting) {
      const { reason, message } = error.state;
      await this.writeStatus({ waiting: { reason, message }, deleting }).catch((statusError) =>
        this.log.warn({ err: statusError }, 'could not record the state in status'),
      );
      this.log.info({ reason, message }, 'waiting');
      return {
        requeueAfterMs: error.recheck === 'poll' ? this.context.pollIntervalMs : this.context.resyncPeriodMs,
      };
    }
    const failure = describeFailure(error);
    this.log.warn({ reason: failure.reason, message: failure.message, err: error }, 'reconcile failed');
    const next = await settleFailure(
      error,
      failure,
      {
        writeStatus: (failed) => this.writeStatus({ failure: failed, deleting }),
        warn: (reason, message) => this.event('Warning', reason, message),
        statusNotWritten: (statusError) =>
          this.log.warn({ err: statusError }, 'could not record the failure in status'),
      },
      this.context.pollIntervalMs,
    );
    // "On change" for a PostgresDatabase also means at the resync period: no resync lists it otherwise.
    return failure.retry === 'wait' ? { requeueAfterMs: this.context.resyncPeriodMs } : next;
  }

  close(): Promise<void> {
    return this.sessions?.close() ?? Promise.resolve();
  }
}
