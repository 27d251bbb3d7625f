import { isDeepStrictEqual } from 'node:util';
import type { Condition, Phase, PostgresDBStatus } from '../api/v1beta1.js';
import type { RdsInstance } from '../aws/types.js';
import { type AccessVerdict, CONNECTABLE_CONDITION } from './access-check.js';

/** RDS statuses in which clients can connect. */
const CONNECTABLE = new Set([
  'available',
  'backing-up',
  'modifying',
  'storage-optimization',
  'configuring-enhanced-monitoring',
  'configuring-log-exports',
  'configuring-iam-database-auth',
]);
const PROVISIONING = new Set(['creating']);
const DELETING = new Set(['deleting']);
const FAILED = new Set([
  'failed',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'restore-error',
  'storage-full',
]);

export function isConnectable(instance: RdsInstance | undefined): boolean {
  return instance !== undefined && CONNECTABLE.has(instance.status) && instance.endpoint !== undefined;
}

/** Modifications can be sent only in this status; any other is polled until it returns to it. */
export function isAvailable(instance: RdsInstance): boolean {
  return instance.status === 'available';
}

export function phaseOf(instance: RdsInstance | undefined, failedWithoutInstance: boolean): Phase {
  if (!instance) return failedWithoutInstance ? 'Failed' : 'Pending';
  const status = instance.status;
  if (PROVISIONING.has(status)) return 'Provisioning';
  if (DELETING.has(status)) return 'Deleting';
  if (FAILED.has(status)) return 'Failed';
  if (status === 'available' || status === 'backing-up' || status === 'storage-optimization') {
    return instance.endpoint ? 'Available' : 'Provisioning';
  }
  return 'Modifying';
}

export interface ConditionInput {
  type: 'Ready' | 'Synced' | 'PolicyCompliant' | typeof CONNECTABLE_CONDITION;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

function readiness(
  instance: RdsInstance | undefined,
  identifier: string | undefined,
  deleting: string | undefined,
  passwordPending: boolean,
): ConditionInput {
  if (deleting !== undefined)
    return { type: 'Ready', status: 'False', reason: 'Deleting', message: deleting };
  if (!instance) {
    return {
      type: 'Ready',
      status: 'False',
      reason: 'InstanceNotFound',
      message: identifier ? `RDS instance ${identifier} does not exist yet` : 'No RDS instance yet',
    };
  }
  if (isConnectable(instance) && passwordPending) {
    return {
      type: 'Ready',
      status: 'False',
      reason: 'PasswordPending',
      message: `RDS instance ${instance.identifier} is ${instance.status}; the Secret's master password is set on it once it is available`,
    };
  }
  if (isConnectable(instance)) {
    return {
      type: 'Ready',
      status: 'True',
      reason: 'Available',
      message: `RDS instance ${instance.identifier} is ${instance.status}`,
    };
  }
  const reason = instance.status.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
  return {
    type: 'Ready',
    status: 'False',
    reason: reason || 'Unknown',
    message: `RDS instance ${instance.identifier} is ${instance.status}`,
  };
}

/** metav1 semantics: lastTransitionTime moves only when the status value changes. */
export function setCondition(
  conditions: Condition[] | undefined,
  input: ConditionInput,
  generation: number | undefined,
  now: string,
): Condition[] {
  const existing = conditions?.find((condition) => condition.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    lastTransitionTime: existing && existing.status === input.status ? existing.lastTransitionTime : now,
    reason: input.reason,
    message: input.message,
  };
  const others = (conditions ?? []).filter((condition) => condition.type !== input.type);
  return [...others, next].sort((a, b) => a.type.localeCompare(b.type));
}

export interface StatusInput {
  previous: PostgresDBStatus | undefined;
  generation: number | undefined;
  identifier?: string | undefined;
  instance?: RdsInstance | undefined;
  /** False when RDS could not be asked (the call failed): what the previous status says of it is kept. */
  instanceObserved?: boolean;
  secretName?: string | undefined;
  serviceName?: string | undefined;
  /** The Secret's password is not on the instance yet (a restore, a reset): its credentials do not work. */
  passwordPending?: boolean;
  /** Undefined: the reconcile succeeded. Permanent: retrying will not help until something changes. */
  failure?: { reason: string; message: string; permanent?: boolean } | undefined;
  deleting?: boolean;
  /** While deleting: what the deletion waits for (default: that the resource is being deleted). */
  deletingMessage?: string | undefined;
  /** Keys of the user and configured tags now on the instance; undefined keeps the previous record. */
  tagKeys?: string[] | undefined;
  /** The platform policies' verdict on the spec; undefined when no policy selects the namespace. */
  policy?: { violations: string | undefined } | undefined;
  /**
   * The access check: `off` removes the condition; `checking` keeps the last one (Unknown when there
   * is none); a verdict sets it; undefined leaves it as it is (the instance is not connectable).
   */
  access?: 'off' | 'checking' | AccessVerdict | undefined;
  now: string;
}

function policyCondition(policy: { violations: string | undefined }): ConditionInput {
  return policy.violations === undefined
    ? {
        type: 'PolicyCompliant',
        status: 'True',
        reason: 'Compliant',
        message: 'The spec meets every PostgresDBPolicy of its namespace',
      }
    : { type: 'PolicyCompliant', status: 'False', reason: 'PolicyViolation', message: policy.violations };
}

/** The status a reconcile leaves behind, built from what it observed. */
export function buildStatus(input: StatusInput): PostgresDBStatus {
  const { instance, failure, previous } = input;
  if (input.instanceObserved === false) return keepObservedInstance(input);
  const phase = input.deleting ? 'Deleting' : phaseOf(instance, failure?.permanent === true);
  // Not Available to clients until the Secret's password works.
  const status: PostgresDBStatus = {
    phase: phase === 'Available' && input.passwordPending ? 'Provisioning' : phase,
  };
  if (instance) status.rdsStatus = instance.status;
  if (input.identifier ?? previous?.dbInstanceIdentifier) {
    status.dbInstanceIdentifier = input.identifier ?? previous?.dbInstanceIdentifier;
  }
  if (instance?.arn) status.arn = instance.arn;
  if (instance?.endpoint)
    status.endpoint = { address: instance.endpoint.address, port: instance.endpoint.port };
  if (input.secretName) status.secretName = input.secretName;
  if (input.serviceName) status.serviceName = input.serviceName;
  if (input.generation !== undefined) status.observedGeneration = input.generation;
  const tagKeys = input.tagKeys ?? previous?.tagKeys;
  if (tagKeys?.length) status.tagKeys = tagKeys;
  const synced: ConditionInput = failure
    ? { type: 'Synced', status: 'False', reason: failure.reason, message: failure.message }
    : { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', message: 'The last reconcile succeeded' };
  let conditions = setCondition(
    input.previous?.conditions,
    readiness(
      instance,
      input.identifier,
      input.deleting ? (input.deletingMessage ?? 'The resource is being deleted') : undefined,
      input.passwordPending === true,
    ),
    input.generation,
    input.now,
  );
  conditions = setCondition(conditions, synced, input.generation, input.now);
  conditions = input.policy
    ? setCondition(conditions, policyCondition(input.policy), input.generation, input.now)
    : conditions.filter((condition) => condition.type !== 'PolicyCompliant');
  status.conditions = withAccess(conditions, input);
  return status;
}

function withAccess(conditions: Condition[], { access, generation, now }: StatusInput): Condition[] {
  if (access === undefined) return conditions;
  if (access === 'off') return conditions.filter((condition) => condition.type !== CONNECTABLE_CONDITION);
  if (access !== 'checking')
    return setCondition(conditions, { type: CONNECTABLE_CONDITION, ...access }, generation, now);
  if (conditions.some((condition) => condition.type === CONNECTABLE_CONDITION)) return conditions;
  const checking: ConditionInput = {
    type: CONNECTABLE_CONDITION,
    status: 'Unknown',
    reason: 'Checking',
    message: "Connecting with the Secret's credentials",
  };
  return setCondition(conditions, checking, generation, now);
}

function keepObservedInstance(input: StatusInput): PostgresDBStatus {
  const previous = input.previous ?? {};
  const status: PostgresDBStatus = { ...structuredClone(previous) };
  status.phase = input.deleting
    ? 'Deleting'
    : (previous.phase ?? (input.failure?.permanent ? 'Failed' : 'Pending'));
  if (input.identifier) status.dbInstanceIdentifier = input.identifier;
  if (input.secretName) status.secretName = input.secretName;
  if (input.serviceName) status.serviceName = input.serviceName;
  if (input.generation !== undefined) status.observedGeneration = input.generation;
  const synced: ConditionInput = input.failure
    ? { type: 'Synced', status: 'False', reason: input.failure.reason, message: input.failure.message }
    : { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', message: 'The last reconcile succeeded' };
  status.conditions = setCondition(previous.conditions, synced, input.generation, input.now);
  if (!status.conditions.some((condition) => condition.type === 'Ready')) {
    status.conditions = setCondition(
      status.conditions,
      {
        type: 'Ready',
        status: 'Unknown',
        reason: 'InstanceUnknown',
        message: 'The RDS instance was not looked at in the last reconcile',
      },
      input.generation,
      input.now,
    );
  }
  return status;
}

export function statusChanged<S extends object>(previous: S | undefined, next: S): boolean {
  return !isDeepStrictEqual(JSON.parse(JSON.stringify(previous ?? {})), JSON.parse(JSON.stringify(next)));
}

export function isReady(status: PostgresDBStatus | undefined): boolean {
  return (
    status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ??
    false
  );
}
