import { ANNOTATION_IDENTIFIER } from '../api/constants.js';
import type { PostgresDBPolicy } from '../api/policy.js';
import type { PostgresDB, PostgresDBSpec } from '../api/v1beta1.js';
import type { OperatorConfig } from '../config/schema.js';
import { placementOf } from '../config/placement.js';
import { type FieldError, fieldError } from '../admission/rules/field-error.js';
import { postgres } from '../engine/engine.js';
import { matchesAny } from './patterns.js';

/** What an empty KMS key means to RDS, so a policy can allow it by name. */
export const AWS_MANAGED_KMS_KEY = 'alias/aws/rds';

/** Said of a setting the PostgresDB leaves empty, checked as the operator fills it. */
const FROM_CONFIG = ' (the operator default, as the PostgresDB leaves it empty)';

const by = (policy: PostgresDBPolicy) => `PostgresDBPolicy ${JSON.stringify(policy.metadata.name ?? '')}`;
const list = (values: readonly unknown[]) => values.map(String).join(', ');

function notAllowed(path: string, policy: PostgresDBPolicy, value: unknown, allowed?: string): FieldError {
  const detail = allowed === undefined ? '' : `; allowed: ${allowed}`;
  return fieldError(path, `not allowed by ${by(policy)}${detail}`, value);
}

function atMost(path: string, policy: PostgresDBPolicy, limit: number, value: number): FieldError[] {
  return value > limit ? [fieldError(path, `must be at most ${limit} under ${by(policy)}`, value)] : [];
}

/** A setting either pinned to one value or limited to patterns; `fromConfig` says the user left it empty. */
function checkChoice(
  path: string,
  policy: PostgresDBPolicy,
  choice: { pinned?: string; allowed?: string[] } | undefined,
  value: string,
  fromConfig: boolean,
): FieldError[] {
  if (!choice) return [];
  const origin = fromConfig ? FROM_CONFIG : '';
  if (choice.pinned !== undefined && value !== choice.pinned)
    return [fieldError(path, `must be ${JSON.stringify(choice.pinned)} under ${by(policy)}${origin}`, value)];
  if (choice.allowed && !matchesAny(choice.allowed, value))
    return [
      fieldError(path, `not allowed by ${by(policy)}${origin}; allowed: ${list(choice.allowed)}`, value),
    ];
  return [];
}

function checkSecurityGroups(
  policy: PostgresDBPolicy,
  ids: readonly string[],
  fromConfig: boolean,
): FieldError[] {
  const rule = policy.spec.securityGroups;
  if (!rule) return [];
  const path = 'spec.securityGroupIds';
  const origin = fromConfig ? FROM_CONFIG : '';
  if (rule.pinned) {
    const same = rule.pinned.length === ids.length && rule.pinned.every((id) => ids.includes(id));
    return same ? [] : [fieldError(path, `must be [${list(rule.pinned)}] under ${by(policy)}${origin}`, ids)];
  }
  if (!rule.allowed) return [];
  if (ids.length === 0)
    return [
      fieldError(path, `must name security groups under ${by(policy)}; allowed: ${list(rule.allowed)}`),
    ];
  return ids.flatMap((id, index) =>
    matchesAny(rule.allowed!, id) ? [] : [notAllowed(`${path}[${index}]`, policy, id, list(rule.allowed!))],
  );
}

/** The violations of one policy by a defaulted spec, each naming the field, the policy and the value. */
export function policyViolations(
  spec: PostgresDBSpec,
  config: OperatorConfig,
  policy: PostgresDBPolicy,
): FieldError[] {
  const rules = policy.spec;
  const errors: FieldError[] = [];
  const add = (found: FieldError[]) => {
    for (const error of found) errors.push(error);
  };
  if (rules.instanceClasses && !matchesAny(rules.instanceClasses, spec.instanceClass))
    add([notAllowed('spec.instanceClass', policy, spec.instanceClass, list(rules.instanceClasses))]);
  const storage = rules.storage;
  if (storage) {
    const type = spec.storage.type ?? config.defaults.storageType;
    if (storage.types && !storage.types.includes(type))
      add([notAllowed('spec.storage.type', policy, type, list(storage.types))]);
    if (storage.maxSizeGiB !== undefined)
      add(atMost('spec.storage.sizeGiB', policy, storage.maxSizeGiB, spec.storage.sizeGiB));
    if (storage.maxAutoscalingGiB !== undefined && spec.storage.maxSizeGiB !== undefined)
      add(atMost('spec.storage.maxSizeGiB', policy, storage.maxAutoscalingGiB, spec.storage.maxSizeGiB));
    if (storage.maxIops !== undefined && spec.storage.iops !== undefined)
      add(atMost('spec.storage.iops', policy, storage.maxIops, spec.storage.iops));
    if (storage.maxThroughputMiBps !== undefined && spec.storage.throughputMiBps !== undefined)
      add(
        atMost(
          'spec.storage.throughputMiBps',
          policy,
          storage.maxThroughputMiBps,
          spec.storage.throughputMiBps,
        ),
      );
  }
  if (spec.publiclyAccessible === true && rules.allowPublicAccess === false)
    add([notAllowed('spec.publiclyAccessible', policy, true)]);
  const placement = placementOf(spec, config);
  add(
    checkChoice(
      'spec.subnetGroupName',
      policy,
      rules.subnetGroup,
      placement.subnetGroupName ?? '',
      !spec.subnetGroupName,
    ),
  );
  add(checkSecurityGroups(policy, placement.securityGroupIds ?? [], !spec.securityGroupIds?.length));
  // A restored instance is encrypted with its source's key: which sources may be restored is the
  // restore rules' say (spec.snapshotSharing, spec.rdsSnapshotRestore).
  if (spec.restoreFrom === undefined)
    add(
      checkChoice(
        'spec.encryption.kmsKeyId',
        policy,
        rules.kmsKeys,
        placement.kmsKeyId ?? AWS_MANAGED_KMS_KEY,
        !spec.encryption?.kmsKeyId,
      ),
    );
  const engineVersion = spec.engineVersion ?? config.defaults.engineVersion;
  add(
    checkChoice(
      'spec.parameterGroupName',
      policy,
      rules.parameterGroup,
      placement.parameterGroupName ?? postgres.defaultParameterGroup(engineVersion),
      !spec.parameterGroupName,
    ),
  );
  const deletionPolicy = spec.deletionPolicy ?? config.defaults.deletionPolicy;
  if (rules.deletionPolicies && !rules.deletionPolicies.includes(deletionPolicy))
    add([notAllowed('spec.deletionPolicy', policy, deletionPolicy, list(rules.deletionPolicies))]);
  if (rules.requireDeletionProtection && spec.deletionProtection !== true)
    add([
      fieldError(
        'spec.deletionProtection',
        `must be true under ${by(policy)}`,
        spec.deletionProtection ?? false,
      ),
    ]);
  return errors;
}

/** Every selecting policy's violations, in policy-name order. */
export function allPolicyViolations(
  spec: PostgresDBSpec,
  config: OperatorConfig,
  policies: readonly PostgresDBPolicy[],
): FieldError[] {
  return policies.flatMap((policy) => policyViolations(spec, config, policy));
}

export const IDENTIFIER_PATH = `metadata.annotations[${ANNOTATION_IDENTIFIER}]`;

/**
 * Adoption is off unless a policy selecting the namespace turns it on for this identifier, and no
 * policy that speaks of adoption forbids it (each one that does must enable it and match the
 * identifier): an instance Stow did not create may hold anybody's data. Policies silent on adoption
 * (limits only) neither allow nor forbid it.
 */
export function adoptionViolations(
  identifier: string,
  namespace: string,
  policies: readonly PostgresDBPolicy[],
): FieldError[] {
  const deciding = policies.filter((policy) => policy.spec.adoption !== undefined);
  if (deciding.length === 0) {
    return [
      fieldError(
        IDENTIFIER_PATH,
        `adoption is off: no PostgresDBPolicy selecting namespace ${JSON.stringify(namespace)} enables it`,
        identifier,
      ),
    ];
  }
  return deciding.flatMap((policy) => {
    const adoption = policy.spec.adoption!;
    if (!adoption.enabled) return [notAllowed(IDENTIFIER_PATH, policy, identifier, 'none (adoption is off)')];
    const patterns = adoption.identifiers ?? [];
    return matchesAny(patterns, identifier)
      ? []
      : [notAllowed(IDENTIFIER_PATH, policy, identifier, patterns.length ? list(patterns) : 'none')];
  });
}

/** The message when the configuration requires a policy and none selects the namespace. */
export function noPolicyError(namespace: string): FieldError {
  return fieldError(
    'metadata.namespace',
    'no PostgresDBPolicy selects this namespace, and the operator requires one; ask the platform team for a policy',
    namespace,
  );
}

/**
 * Values pinned by a policy fill the fields the PostgresDB leaves empty, and deletion settings default
 * to what the policies allow, so a minimal manifest meets its policies. The first policy by name wins
 * where two pin different values (the other one then reports the conflict).
 */
export function applyPolicyDefaults(
  object: PostgresDB,
  policies: readonly PostgresDBPolicy[],
  config: OperatorConfig,
): PostgresDB {
  if (policies.length === 0) return object;
  const spec = { ...object.spec };
  for (const { spec: rules } of policies) {
    if (!spec.subnetGroupName && rules.subnetGroup?.pinned) spec.subnetGroupName = rules.subnetGroup.pinned;
    if (!spec.securityGroupIds?.length && rules.securityGroups?.pinned?.length)
      spec.securityGroupIds = [...rules.securityGroups.pinned];
    if (!spec.encryption?.kmsKeyId && rules.kmsKeys?.pinned && spec.restoreFrom === undefined)
      spec.encryption = { ...spec.encryption, kmsKeyId: rules.kmsKeys.pinned };
    if (!spec.parameterGroupName && rules.parameterGroup?.pinned)
      spec.parameterGroupName = rules.parameterGroup.pinned;
    if (spec.deletionProtection === undefined && rules.requireDeletionProtection)
      spec.deletionProtection = true;
    const allowedPolicies = rules.deletionPolicies;
    if (
      spec.deletionPolicy === undefined &&
      allowedPolicies?.length &&
      !allowedPolicies.includes(config.defaults.deletionPolicy)
    )
      spec.deletionPolicy = allowedPolicies[0];
  }
  return { ...object, spec };
}
