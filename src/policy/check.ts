import { adoptionIdentifier, applyDefaults, isAdoptingObject } from '../admission/rules/defaults.js';
import type { PostgresDBPolicy } from '../api/policy.js';
import type { PostgresDB } from '../api/v1beta1.js';
import type { OperatorConfig } from '../config/schema.js';
import type { FieldError } from '../admission/rules/field-error.js';
import { hasValidShape, sameSpec } from '../admission/rules/index.js';
import { onlyChanged, onlyWritten } from '../admission/rules/ratchet.js';
import { adoptionViolations, allPolicyViolations, noPolicyError } from './evaluate.js';
import { rdsSnapshotRestoreViolations } from './restore.js';

/**
 * The identifier a CREATE or UPDATE asks to adopt: one named by the annotation that the object was
 * not already bound to. Undefined when nothing is being adopted.
 */
export function adoptionRequested(next: PostgresDB, previous: PostgresDB | undefined): string | undefined {
  const wanted = adoptionIdentifier(next);
  if (wanted === undefined || !previous) return wanted;
  const bound = adoptionIdentifier(previous) ?? previous.status?.dbInstanceIdentifier;
  return wanted === bound ? undefined : wanted;
}

/**
 * Policy rules for an admission request: on CREATE everything, on UPDATE only what changed, so a
 * tightened policy never blocks an unrelated edit (the controller reports such objects in status).
 * A spec of the wrong shape is the schema check's to report.
 */
export function admissionPolicyErrors(
  next: PostgresDB,
  previous: PostgresDB | undefined,
  namespace: string,
  config: OperatorConfig,
  policies: readonly PostgresDBPolicy[],
): FieldError[] {
  const adopting = adoptionRequested(next, previous);
  const errors: FieldError[] =
    adopting === undefined ? [] : adoptionViolations(adopting, namespace, policies);
  // Checked at creation: restoreFrom cannot change after.
  const rdsSnapshot = previous ? undefined : next.spec?.restoreFrom?.rdsSnapshotIdentifier;
  if (typeof rdsSnapshot === 'string')
    errors.push(...rdsSnapshotRestoreViolations(rdsSnapshot, namespace, policies));
  if (policies.length === 0) {
    if (!previous && config.requirePolicy) errors.push(noPolicyError(namespace));
    return errors;
  }
  if (!hasValidShape(next.spec)) return errors;
  const comparable = previous && hasValidShape(previous.spec) ? previous : undefined;
  if (comparable && sameSpec(comparable, next)) return errors;
  const nextDefaulted = applyDefaults(next, config);
  const found = allPolicyViolations(nextDefaulted.spec, config, policies);
  const violations = isAdoptingObject(next) ? onlyWritten(found, next) : found;
  const kept = comparable
    ? onlyChanged(violations, nextDefaulted, applyDefaults(comparable, config))
    : violations;
  return [...kept, ...errors];
}
