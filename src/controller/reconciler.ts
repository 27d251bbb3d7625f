import { postgres } from '../engine/engine.js';
import { FINALIZER } from '../api/constants.js';
import type { PostgresDBPolicy } from '../api/policy.js';
import { applyDefaults } from '../admission/rules/defaults.js';
import type { PostgresDB } from '../api/v1beta1.js';
import { isRdsError } from '../aws/errors.js';
import type { RdsInstance } from '../aws/types.js';
import { adoptionViolations, allPolicyViolations, noPolicyError } from '../policy/evaluate.js';
import { formatFieldErrors, validateCreate } from '../admission/rules/index.js';
import { specFromInstance } from './adoption.js';
import {
  changedSecretKeys,
  type Credentials,
  encodeSecretData,
  newSecret,
  secretContents,
  storedPassword,
} from './connection-secret.js';
import type { ReconcilerContext, RunOptions } from './context.js';
import { type AccessVerdict, accessTargetOf, CONNECTABLE_CONDITION } from './access-check.js';
import { boundIdentifier, hasFinalizer, identityOf, isAdopting } from './resource.js';
import { desiredCreateInput, desiredTags } from './desired-instance.js';
import { newService, serviceMatches, desiredServiceSpec } from './external-service.js';
import { describeOwner, ownershipOf, ownershipTags, type ResourceIdentity } from './ownership.js';
import {
  describeModifications,
  hasModifications,
  instanceModifications,
  missingTags,
  staleTagKeys,
  withoutViolations,
} from './instance-modifications.js';
import { isKubeError } from '../kube/client.js';
import type { Secret, Service } from '../kube/types.js';
import {
  ANNOTATION_CREDENTIALS_SECRET,
  ANNOTATION_PASSWORD_RESET,
  ANNOTATION_RESET_MASTER_PASSWORD,
} from './labels.js';
import { newMasterSecretAnnotations, rotateMasterPassword } from './master-rotation.js';
import { isOwnedBy, ownerReference } from './owner.js';
import { generatePassword } from './password.js';
import { checkRestoredSize, inheritedFromSource, isRestoring, planRestore, restoreInput } from './restore.js';
import { describeFailure, ReconcileError, StaleObservation, settleFailure } from './reconcile-error.js';
import { buildStatus, isAvailable, isConnectable, isReady } from './status.js';
import { writeStatusIfChanged } from './status-writer.js';
import type { WorkResult } from '../kube/work-queue.js';

/** How soon a new instance is first looked at (sooner than the poll interval): its status waits for it. */
const FIRST_LOOK_MS = 2000;

/**
 * One reconcile of a live (not deleted) PostgresDB: read the world, move each part one step toward
 * the spec, record what was seen. Level-based: it assumes nothing about earlier runs, and a run that
 * finds nothing to change writes nothing.
 */
export async function reconcileLive(
  context: ReconcilerContext,
  object: PostgresDB,
  run: RunOptions,
): Promise<WorkResult> {
  const step = new LiveReconcile(context, object, run);
  try {
    step.guardAgainstInvalidSpec();
    await step.ensureFinalizer();
    await step.loadPolicies();
    await step.observeInstance();
    await step.checkOwnership();
    step.checkPolicies();
    await step.ensureSecretWithPassword();
    // A new password first, then other changes: a restored instance answers to its source's until then.
    await step.resetPasswordIfPending();
    await step.rotateMasterPassword();
    await step.createOrUpdateInstance();
    await step.ensureTags();
    await step.fillConnectionKeys();
    await step.ensureService();
    await step.checkAccess();
    await step.writeStatus();
    await step.announceReadiness();
    await step.announceAccess();
    return step.nextRun();
  } catch (error) {
    return step.fail(error);
  }
}

/** State of one reconcile, filled in step by step. */
class LiveReconcile {
  private object: PostgresDB;
  private spec: PostgresDB['spec'];
  private readonly identity: ResourceIdentity;
  private readonly identifier: string;
  private instance: RdsInstance | undefined;
  private instanceObserved = false;
  private fromList: boolean;
  /** The instance was created (or restored) by this reconcile: its first status waits for a first look. */
  private createdNow = false;
  /** This reconcile wrote the Secret with a password it generated, believing no instance existed. */
  private passwordGeneratedNow = false;
  private secret: Secret | undefined;
  private password: string | undefined;
  private service: Service | undefined;
  /** The user and configured tag keys on the instance once ensureTags has run; recorded in status. */
  private tagKeys: string[] | undefined;
  private readyBefore = false;
  private readyNow = false;
  private access: 'off' | 'checking' | AccessVerdict | undefined;
  private policies: readonly PostgresDBPolicy[] = [];
  /** Undefined when no policy applies (status then has no PolicyCompliant condition). */
  private policyVerdict: { violations: string | undefined } | undefined;
  private violationPaths: string[] = [];

  constructor(
    private readonly context: ReconcilerContext,
    object: PostgresDB,
    private readonly run: RunOptions,
  ) {
    this.object = object;
    this.spec = object.spec;
    this.identity = identityOf(object, context.config);
    this.identifier = boundIdentifier(object, context.config);
    this.fromList = run.listed !== undefined;
  }

  private get signal() {
    return this.run.signal;
  }

  private get log() {
    return this.context.logger;
  }

  /** A listed observation may only confirm the steady state: before any write, read afresh. */
  private beforeWrite(): void {
    if (this.fromList)
      throw new StaleObservation(`listed observation of ${this.identifier} needs confirming`);
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    this.beforeWrite();
    return this.context.events.record(this.object, type, reason, message, this.signal);
  }

  /** The webhook may have been bypassed: defaulting and validation run again, before any AWS call. */
  guardAgainstInvalidSpec(): void {
    const { errors } = validateCreate(this.object, this.context.config);
    if (errors.length) {
      throw new ReconcileError('InvalidSpec', `The spec is invalid: ${formatFieldErrors(errors)}`, 'wait');
    }
    this.spec = applyDefaults(this.object, this.context.config).spec;
  }

  async ensureFinalizer(): Promise<void> {
    if (hasFinalizer(this.object)) return;
    this.beforeWrite();
    const finalizers = [...(this.object.metadata.finalizers ?? []), FINALIZER];
    this.object = await this.context.kube.patchPostgresDB(
      this.identity.namespace,
      this.identity.name,
      { metadata: { finalizers, resourceVersion: this.object.metadata.resourceVersion } },
      this.signal,
    );
  }

  async loadPolicies(): Promise<void> {
    this.policies = await this.context.policies.policiesFor(this.identity.namespace);
  }

  /**
   * Policies are checked again here, before any AWS write: the webhook can be bypassed, and policies
   * change. A new instance that violates one is not created; of an existing one, the changes that
   * would violate one are not applied (createOrUpdateInstance), and status says why.
   */
  checkPolicies(): void {
    const { config } = this.context;
    const violations = this.policies.length
      ? allPolicyViolations(this.spec, config, this.policies)
      : config.requirePolicy
        ? [noPolicyError(this.identity.namespace)]
        : [];
    if (this.policies.length || config.requirePolicy)
      this.policyVerdict = { violations: violations.length ? formatFieldErrors(violations) : undefined };
    this.violationPaths = violations.map((violation) => violation.path);
    if (!this.instance && violations.length) {
      throw new ReconcileError(
        'PolicyViolation',
        `The RDS instance is not created: ${formatFieldErrors(violations)}`,
        'wait',
      );
    }
  }

  /**
   * A resource with neither status nor Secret has had no instance created for it (its Secret, with
   * the password, is written before any instance is), so it is not looked up: should that be wrong,
   * CreateDBInstance answers DBInstanceAlreadyExists and createInstance then looks. An adoption always
   * looks.
   */
  async observeInstance(): Promise<void> {
    this.instance =
      this.run.listed ??
      (this.untouched() && !isAdopting(this.object)
        ? undefined
        : await this.context.rds.describeInstance(this.identifier, this.signal));
    this.instanceObserved = true;
  }

  private untouched(): boolean {
    return (
      this.object.status === undefined &&
      !this.context.secrets.seen(this.identity.namespace, this.spec.secretName!)
    );
  }

  async checkOwnership(): Promise<void> {
    const instance = this.instance;
    if (!instance) {
      if (isAdopting(this.object)) {
        throw new ReconcileError(
          'AdoptionTargetNotFound',
          `RDS instance ${this.identifier} named by the stow.dev/identifier annotation does not exist; fix or remove the annotation`,
          'wait',
        );
      }
      return;
    }
    const ownership = ownershipOf(instance.tags, this.identity);
    if (isAdopting(this.object) && ownership !== 'other') this.spec = specFromInstance(this.spec, instance);
    if (isRestoring(this.spec) && ownership === 'ours') this.spec = inheritedFromSource(this.spec, instance);
    if (ownership === 'ours') return;
    if (ownership === 'unmanaged' && isAdopting(this.object)) {
      // The webhook checked the policy and the user's adopt verb; policies may have changed since.
      const refused = adoptionViolations(instance.identifier, this.identity.namespace, this.policies);
      if (refused.length) {
        this.instance = undefined;
        throw new ReconcileError(
          'AdoptionRefused',
          `RDS instance ${instance.identifier} was not adopted: ${formatFieldErrors(refused)}`,
          'wait',
        );
      }
      this.beforeWrite();
      const tags = ownershipTags(this.identity);
      await this.context.rds.addTags(instance.arn, tags, this.signal);
      instance.tags = { ...instance.tags, ...tags };
      await this.event('Normal', 'Adopted', `Adopted existing RDS instance ${instance.identifier}`);
      return;
    }
    this.refuseInstance(instance, ownership === 'other');
  }

  private refuseInstance(instance: RdsInstance, ownedByOther: boolean): never {
    this.instance = undefined;
    const why = ownedByOther
      ? `it belongs to ${describeOwner(instance.tags)}`
      : 'it exists but is not managed by stow; to adopt it, set the annotation stow.dev/identifier to its identifier';
    throw new ReconcileError(
      'AdoptionRefused',
      `RDS instance ${instance.identifier} was not taken over: ${why}`,
      'wait',
    );
  }

  /**
   * The Secret, with the password, exists before the instance does; the password is generated once
   * and never replaced for an existing instance (except on adoption, where it is not known yet).
   */
  async ensureSecretWithPassword(): Promise<void> {
    const name = this.spec.secretName!;
    const namespace = this.identity.namespace;
    let secret = await this.context.secrets.get(namespace, name, this.signal);
    if (!secret && this.instance) secret = await this.context.kube.getSecret(namespace, name, this.signal);
    if (secret && !isOwnedBy(secret, this.identity.uid)) throw this.secretConflict(name);
    if (!secret) secret = await this.createSecret();
    this.secret = secret;
    this.password = storedPassword(secret);
    if (!this.password) {
      throw new ReconcileError(
        'SecretIncomplete',
        `Secret ${name} has no password key; restore it, or delete the Secret and set the annotation ${ANNOTATION_RESET_MASTER_PASSWORD}="true" to have a new master password set on the instance`,
        'wait',
      );
    }
  }

  /** Stow never takes over a Secret it did not create: it may be anybody's. */
  private secretConflict(name: string): ReconcileError {
    return new ReconcileError(
      'SecretConflict',
      `Secret ${name} exists and does not belong to this PostgresDB; delete it or choose another spec.secretName`,
      'wait',
    );
  }

  /**
   * A new Secret. For a new instance the password is generated; for an existing one (adoption, or a
   * lost Secret) only the user can say where it comes from: a Secret they name, whose password is
   * copied (the instance is not changed), or an explicit request for a new one.
   */
  private async createSecret(): Promise<Secret> {
    const name = this.spec.secretName!;
    // A restored instance has its source's password: a new one is set once it is available.
    const source = this.instance
      ? await this.existingInstancePassword()
      : { password: generatePassword(), reset: isRestoring(this.spec) };
    this.beforeWrite();
    const credentials: Credentials = { ...this.credentialsWithout(), password: source.password };
    const annotations = {
      ...newMasterSecretAnnotations(this.object, this.context.now()),
      ...(source.reset ? { [ANNOTATION_PASSWORD_RESET]: 'pending' } : {}),
    };
    const secret = newSecret(
      name,
      this.identity.namespace,
      ownerReference(this.object),
      secretContents(credentials),
      annotations,
    );
    try {
      const created = await this.context.kube.createSecret(secret, this.signal);
      this.passwordGeneratedNow = !this.instance;
      return created;
    } catch (error) {
      if (!isKubeError(error, 409)) throw error;
      const existing = await this.context.kube.getSecret(this.identity.namespace, name, this.signal);
      if (!existing) throw error;
      if (!isOwnedBy(existing, this.identity.uid)) throw this.secretConflict(name);
      return existing;
    }
  }

  private async existingInstancePassword(): Promise<{ password: string; reset: boolean }> {
    const annotations = this.object.metadata.annotations ?? {};
    const namedSecret = annotations[ANNOTATION_CREDENTIALS_SECRET];
    if (namedSecret) {
      const source = await this.context.kube.getSecret(this.identity.namespace, namedSecret, this.signal);
      const password = storedPassword(source);
      if (!password) {
        throw new ReconcileError(
          'CredentialsSecretInvalid',
          `Secret ${namedSecret} named by the annotation ${ANNOTATION_CREDENTIALS_SECRET} ${source ? 'has no password key' : 'does not exist'} in namespace ${this.identity.namespace}`,
          'wait',
        );
      }
      return { password, reset: false };
    }
    if (annotations[ANNOTATION_RESET_MASTER_PASSWORD] === 'true')
      return { password: generatePassword(), reset: true };
    throw isAdopting(this.object)
      ? new ReconcileError(
          'AdoptionNeedsCredentials',
          `RDS instance ${this.identifier} is adopted, but its master password is unknown: name a Secret holding it (key "password") with the annotation ${ANNOTATION_CREDENTIALS_SECRET}, or set ${ANNOTATION_RESET_MASTER_PASSWORD}="true" to have a new one set`,
          'wait',
        )
      : new ReconcileError(
          'SecretMissing',
          `Secret ${this.spec.secretName} holding the master password of ${this.identifier} is missing; the controller never replaces ` +
            `the password of an existing instance by itself. Restore the Secret, or set the annotation ${ANNOTATION_RESET_MASTER_PASSWORD}="true" to have a new one set`,
          'wait',
        );
  }

  private credentialsWithout(): Omit<Credentials, 'password'> {
    return {
      // Empty until a restored instance says whose it is (its source's): fillConnectionKeys writes it then.
      username: this.instance?.masterUsername || (this.spec.masterUsername ?? ''),
      // An instance created without a database name has only RDS's default one.
      databaseName: this.instance?.databaseName || this.spec.databaseName || postgres.defaultDatabase,
    };
  }

  async createOrUpdateInstance(): Promise<void> {
    if (!this.instance) return this.createInstance();
    const instance = this.instance;
    if (!isAvailable(instance)) return;
    const wanted = instanceModifications(this.spec, this.context.config, instance);
    const { allowed: changes, refused } = withoutViolations(wanted, this.violationPaths);
    if (refused.length) await this.announceRefusedChanges(refused);
    if (!hasModifications(changes)) return;
    this.beforeWrite();
    this.instance = await this.context.rds.modifyInstance(instance.identifier, changes, this.signal);
    await this.event(
      'Normal',
      'Modifying',
      `Modifying RDS instance ${instance.identifier}: ${describeModifications(changes)}`,
    );
  }

  /** Once per verdict (not every resync): the condition holds the verdict meanwhile. */
  private async announceRefusedChanges(refused: string[]): Promise<void> {
    const previous = this.object.status?.conditions?.find((c) => c.type === 'PolicyCompliant');
    if (previous?.status === 'False' && previous.message === this.policyVerdict?.violations) return;
    await this.event(
      'Warning',
      'PolicyViolation',
      `Not applying ${refused.join(', ')} to RDS instance ${this.identifier}: ${this.policyVerdict?.violations ?? ''}`,
    );
  }

  /**
   * Looked up first (observeInstance), so a crash after CreateDBInstance finds the instance; should
   * RDS still answer DBInstanceAlreadyExists, the instance is taken when its tags say it is ours.
   */
  private async createInstance(): Promise<void> {
    this.beforeWrite();
    if (isRestoring(this.spec)) return this.restoreInstance();
    const input = desiredCreateInput(
      { ...this.object, spec: this.spec },
      this.context.config,
      this.identifier,
      this.password!,
      ownershipTags(this.identity),
    );
    try {
      this.instance = await this.context.rds.createInstance(input, this.signal);
    } catch (error) {
      return this.takeExisting(error);
    }
    this.createdNow = true;
    await this.event(
      'Normal',
      'Creating',
      `Creating RDS instance ${this.identifier} (${input.instanceClass}, ${input.allocatedStorageGiB} GiB ${input.storageType}, PostgreSQL ${input.engineVersion})`,
    );
  }

  /** RDS answered DBInstanceAlreadyExists: an earlier attempt's instance is taken when its tags say it is ours. */
  private async takeExisting(error: unknown): Promise<void> {
    if (!isRdsError(error, 'AlreadyExists')) throw error;
    const existing = await this.context.rds.describeInstance(this.identifier, this.signal);
    if (!existing) throw error;
    const ownership = ownershipOf(existing.tags, this.identity);
    if (ownership !== 'ours') this.refuseInstance(existing, ownership === 'other');
    this.instance = existing;
    this.log.info({ identifier: this.identifier }, 'found own instance after DBInstanceAlreadyExists');
    if (this.passwordGeneratedNow && !isRestoring(this.spec)) await this.adoptGeneratedPassword();
    // resetPasswordIfPending ran before the instance was known: the password waits no longer than needed.
    await this.resetPasswordIfPending();
  }

  /**
   * The instance was created by an earlier reconcile that recorded nothing yet (no status), and its
   * Secret has gone since: the Secret just written holds a password the instance does not have. No
   * status ever published the instance, so the new password is set on it, as after a restore.
   */
  private async adoptGeneratedPassword(): Promise<void> {
    const secret = this.secret!;
    this.secret = await this.context.kube.patchSecret(
      this.identity.namespace,
      secret.metadata.name,
      { metadata: { annotations: { [ANNOTATION_PASSWORD_RESET]: 'pending' } } },
      this.signal,
    );
    await this.event(
      'Warning',
      'SecretRecreated',
      `Secret ${secret.metadata.name} was recreated before RDS instance ${this.identifier} was first recorded; its new master password is set on the instance once it is available`,
    );
  }

  /**
   * RestoreDBInstanceFromDBSnapshot or RestoreDBInstanceToPointInTime instead of CreateDBInstance:
   * the spec's class, storage and network now; its other settings, the new password first, once the
   * instance is available, with ModifyDBInstance.
   */
  private async restoreInstance(): Promise<void> {
    const plan = await planRestore(this.context, this.object, this.spec, this.policies, this.signal);
    checkRestoredSize(this.spec, plan);
    const input = restoreInput(
      { ...this.object, spec: this.spec },
      this.context.config,
      this.identifier,
      ownershipTags(this.identity),
    );
    try {
      this.instance = await plan.restore(input, this.signal);
    } catch (error) {
      return this.takeExisting(error);
    }
    this.createdNow = true;
    await this.event(
      'Normal',
      'Restoring',
      `Restoring RDS instance ${this.identifier} from ${plan.description} (${input.instanceClass}, ${input.allocatedStorageGiB} GiB ${input.storageType}); the source's master password is replaced by Secret ${this.spec.secretName}'s once it is available`,
    );
  }

  /** The Secret holds a password the instance does not have yet: its credentials do not work. */
  private passwordPending(): boolean {
    return this.secret?.metadata.annotations?.[ANNOTATION_PASSWORD_RESET] === 'pending';
  }

  async resetPasswordIfPending(): Promise<void> {
    const { instance, secret } = this;
    if (!instance || !secret || !this.passwordPending() || !isAvailable(instance)) return;
    this.beforeWrite();
    this.instance = await this.context.rds.modifyInstance(
      instance.identifier,
      { masterUserPassword: this.password! },
      this.signal,
    );
    this.secret = await this.context.kube.patchSecret(
      this.identity.namespace,
      secret.metadata.name,
      { metadata: { annotations: { [ANNOTATION_PASSWORD_RESET]: null } } },
      this.signal,
    );
    await this.event(
      'Normal',
      'PasswordSet',
      isRestoring(this.spec)
        ? `Set a new master password on restored RDS instance ${instance.identifier}: the source's no longer works`
        : this.object.metadata.annotations?.[ANNOTATION_RESET_MASTER_PASSWORD] === 'true'
          ? `Set a new master password on RDS instance ${instance.identifier}, as asked by ${ANNOTATION_RESET_MASTER_PASSWORD}`
          : `Set the master password of Secret ${secret.metadata.name} on RDS instance ${instance.identifier}`,
    );
  }

  /** On request or schedule: master-rotation.ts, which leaves the Secret with a working password at every step. */
  async rotateMasterPassword(): Promise<void> {
    if (!this.instance || !this.secret) return;
    const run = { context: this.context, object: this.object, signal: this.signal };
    const rotated = await rotateMasterPassword(
      { ...run, beforeWrite: () => this.beforeWrite(), event: (...args) => this.event(...args) },
      {
        instance: this.instance,
        secret: this.secret,
        password: this.password!,
        credentials: this.credentialsWithout(),
      },
    );
    this.instance = rotated.instance;
    this.secret = rotated.secret;
    this.password = rotated.password;
  }

  /** Adds the tags the instance lacks, removes the ones Stow put there that are no longer wanted. */
  async ensureTags(): Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    const wanted = desiredTags(this.spec, this.context.config, ownershipTags(this.identity));
    const missing = missingTags(wanted, instance.tags);
    if (Object.keys(missing).length > 0) {
      this.beforeWrite();
      await this.context.rds.addTags(instance.arn, missing, this.signal);
      instance.tags = { ...instance.tags, ...missing };
    }
    const stale = staleTagKeys(this.object.status?.tagKeys, wanted, instance.tags);
    if (stale.length > 0) {
      this.beforeWrite();
      await this.context.rds.removeTags(instance.arn, stale, this.signal);
      instance.tags = Object.fromEntries(
        Object.entries(instance.tags).filter(([key]) => !stale.includes(key)),
      );
    }
    // The same merge as `wanted`, without the ownership tags (those are never removed).
    this.tagKeys = Object.keys(desiredTags(this.spec, this.context.config, {})).sort();
  }

  /** Connection keys appear once RDS reports the endpoint; keys are compared before anything is written. */
  async fillConnectionKeys(): Promise<void> {
    const secret = this.secret!;
    const credentials: Credentials = { ...this.credentialsWithout(), password: this.password! };
    const wanted = secretContents(credentials, this.instance?.endpoint);
    const changed = changedSecretKeys(secret, wanted);
    if (Object.keys(changed).length === 0) return;
    this.beforeWrite();
    this.secret = await this.context.kube.patchSecret(
      this.identity.namespace,
      secret.metadata.name,
      { data: encodeSecretData(changed) },
      this.signal,
    );
  }

  async ensureService(): Promise<void> {
    const instance = this.instance;
    const name = this.spec.serviceName!;
    const namespace = this.identity.namespace;
    let service = this.context.services.get(`${namespace}/${name}`);
    if (!instance?.endpoint || !isConnectable(instance)) {
      this.service = service && isOwnedBy(service, this.identity.uid) ? service : undefined;
      return;
    }
    const target = instance.endpoint;
    if (!service) service = await this.createService(name, target);
    if (!isOwnedBy(service, this.identity.uid)) {
      throw new ReconcileError(
        'ServiceConflict',
        `Service ${name} exists and does not belong to this PostgresDB; delete it or choose another spec.serviceName`,
        'wait',
      );
    }
    if (!serviceMatches(service, target)) {
      this.beforeWrite();
      service = await this.context.kube.patchService(
        namespace,
        name,
        { spec: desiredServiceSpec(target) },
        this.signal,
      );
    }
    this.service = service;
  }

  private async createService(name: string, target: { address: string; port: number }): Promise<Service> {
    this.beforeWrite();
    try {
      return await this.context.kube.createService(
        newService(name, this.identity.namespace, ownerReference(this.object), target),
        this.signal,
      );
    } catch (error) {
      if (!isKubeError(error, 409)) throw error;
      const existing = await this.context.kube.getService(this.identity.namespace, name, this.signal);
      if (!existing) throw error;
      return existing;
    }
  }

  /**
   * Once clients could connect, with the Secret's own keys. A resource's first check is waited for
   * briefly, so its verdict usually lands in the same status write as Ready; later ones come from
   * memory until they are due again (access-check.ts).
   */
  async checkAccess(): Promise<void> {
    const checks = this.context.access;
    if (!checks) {
      this.access = 'off';
      return;
    }
    const target = accessTargetOf(this.secret);
    if (!target || !isConnectable(this.instance) || this.passwordPending()) return;
    const known = this.object.status?.conditions?.some(
      (condition) => condition.type === CONNECTABLE_CONDITION,
    );
    const key = `${this.identity.namespace}/${this.identity.name}`;
    const generation = this.object.metadata.generation;
    this.access = (await checks.verdict(key, target, generation, { wait: !known })) ?? 'checking';
  }

  /**
   * A failure is always recorded. Right after CreateDBInstance the status waits for the first look at
   * the new instance (nextRun), which records it once, Creating or, if it was that fast, Ready: one
   * status write fewer per new resource (the Creating Event says at once what happened).
   */
  async writeStatus(failure?: { reason: string; message: string; permanent: boolean }): Promise<void> {
    if (this.createdNow && !failure) return;
    const next = buildStatus({
      previous: this.object.status,
      generation: this.object.metadata.generation,
      identifier: this.instance ? this.identifier : undefined,
      instance: this.instance,
      instanceObserved: this.instanceObserved,
      secretName: this.secret ? this.secret.metadata.name : undefined,
      serviceName: this.service ? this.service.metadata.name : undefined,
      passwordPending: this.passwordPending(),
      tagKeys: this.tagKeys,
      policy: this.policyVerdict,
      access: this.access,
      failure,
      now: this.context.now().toISOString(),
    });
    await writeStatusIfChanged(this.context, this.object, next, this.signal, () => this.beforeWrite());
    this.readyBefore = isReady(this.object.status);
    this.readyNow = isReady(next);
  }

  async announceReadiness(): Promise<void> {
    if (this.readyNow && !this.readyBefore) {
      const endpoint = this.instance?.endpoint;
      await this.event(
        'Normal',
        'Ready',
        `RDS instance ${this.identifier} is available at ${endpoint?.address}:${endpoint?.port}`,
      );
    }
  }

  /** A Warning when the Secret's credentials stop working (or never did), once per reason. */
  async announceAccess(): Promise<void> {
    const verdict = this.access;
    if (typeof verdict !== 'object' || verdict.status !== 'False') return;
    const before = this.object.status?.conditions?.find(
      (condition) => condition.type === CONNECTABLE_CONDITION,
    );
    if (before?.status === 'False' && before.reason === verdict.reason) return;
    await this.event('Warning', 'NotConnectable', `${verdict.reason}: ${verdict.message}`);
  }

  nextRun(): WorkResult {
    if (this.createdNow) return { requeueAfterMs: Math.min(this.context.pollIntervalMs, FIRST_LOOK_MS) };
    const instance = this.instance;
    const settled =
      instance &&
      isAvailable(instance) &&
      Object.keys(instance.pending).length === 0 &&
      !this.passwordPending();
    return settled ? {} : { requeueAfterMs: this.context.pollIntervalMs };
  }

  /** Records the failure (status and Event, both only when they change something) and picks the retry. */
  async fail(error: unknown): Promise<WorkResult> {
    if (this.signal.aborted || error instanceof StaleObservation) throw error;
    if (this.fromList) throw new StaleObservation('failure with a listed observation');
    const failure = describeFailure(error);
    this.log.warn({ reason: failure.reason, message: failure.message, err: error }, 'reconcile failed');
    return settleFailure(
      error,
      failure,
      {
        writeStatus: (failure) => this.writeStatus(failure),
        warn: (reason, message) => this.event('Warning', reason, message),
        statusNotWritten: (statusError) =>
          this.log.warn({ err: statusError }, 'could not record the failure in status'),
      },
      this.context.pollIntervalMs,
    );
  }
}
