import { Compile } from 'typebox/compile';
import { ANNOTATION_IDENTIFIER } from '../../api/constants.js';
import { applyDefaults, isAdoptingObject } from './defaults.js';
import { type PostgresDB, PostgresDBSpec, type StorageType } from '../../api/v1beta1.js';
import type { OperatorConfig } from '../../config/schema.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { explainDerivedName, type FieldError, fieldError } from './field-error.js';
import {
  validateDatabaseName,
  validateIdentifierAnnotation,
  validateInstanceClass,
  validateMasterUsername,
  validateParameterGroupName,
  validateSecretName,
  validateServiceName,
  validateSubnetGroupName,
} from './names.js';
import {
  settingsWarnings,
  validateBackupRetention,
  validatePasswordRotation,
  validateEngineVersion,
  validateKmsKey,
  validateSecurityGroups,
  validateTags,
} from './settings.js';
import { storageWarnings, validateStorage } from './storage.js';
import {
  validateEngineUpgrade,
  validateIdentifierUnchanged,
  validateImmutableFields,
  validateStorageChange,
} from './update.js';
import { onlyChanged } from './ratchet.js';
import { validateRestoreFrom, validateRestoreUnchanged } from './restore.js';
import { specShapeErrors } from './shape.js';
import { validateWindows } from './windows.js';

export type { FieldError } from './field-error.js';
export { formatFieldError, formatFieldErrors } from './field-error.js';

export interface ValidationResult {
  errors: FieldError[];
  warnings: string[];
}

/** Compiled once: checking a well-formed spec is the hot path of every admission request. */
const specChecker = Compile(PostgresDBSpec);

export function hasValidShape(spec: unknown): boolean {
  return specChecker.Check(spec);
}

/** Type errors against the schema (a bypassed webhook or a hand-edited object can hold anything). */
export function validateShape(spec: unknown): FieldError[] {
  return specShapeErrors(specChecker, PostgresDBSpec, spec);
}

/** Every rule of api.md on a defaulted object; all violations are returned together. */
export function validateObject(object: PostgresDB, config: OperatorConfig): ValidationResult {
  const shapeErrors = validateShape(object.spec);
  if (shapeErrors.length) return { errors: shapeErrors, warnings: [] };
  return checkRules(object, config);
}

/** What a rule reads: a spec known to have the schema's shape, its object, and values derived once. */
interface RuleInput {
  spec: PostgresDBSpec;
  object: PostgresDB;
  config: OperatorConfig;
  /** Undefined only for an adoption that leaves it to RDS. */
  storageType: StorageType | undefined;
  secretName: string | undefined;
  serviceName: string | undefined;
}

type Rule = (input: RuleInput) => readonly FieldError[];

/** Stow's rules of a PostgresDB (docs/api.md), each a pure function: a new rule is a line here. */
const RULES: readonly Rule[] = [
  ({ spec }) => validateInstanceClass(spec.instanceClass),
  ({ spec }) => validateEngineVersion(spec.engineVersion),
  ({ spec, storageType, config }) =>
    storageType ? validateStorage(spec.storage, storageType, config.storageRules) : [],
  ({ spec }) => (spec.databaseName === undefined ? [] : validateDatabaseName(spec.databaseName)),
  ({ spec, config }) => validateMasterUsername(spec.masterUsername ?? config.defaults.masterUsername),
  ({ spec }) => validateBackupRetention(spec.backup?.retentionDays),
  ({ spec }) => validatePasswordRotation(spec.passwordRotation?.everyDays),
  ({ spec }) => validateWindows(spec.backup?.window, spec.maintenanceWindow),
  ({ spec }) => validateKmsKey(spec.encryption?.kmsKeyId),
  ({ spec }) => validateSubnetGroupName(spec.subnetGroupName),
  ({ spec }) => validateSecurityGroups(spec.securityGroupIds),
  ({ spec }) => validateParameterGroupName(spec.parameterGroupName),
  ({ spec, config }) => validateTags(spec.tags, Object.keys(config.extraTags).length),
  ({ secretName, object }) =>
    secretName === undefined
      ? []
      : explainDerivedName(validateSecretName(secretName), secretName === object.metadata?.name),
  ({ serviceName, object }) =>
    serviceName === undefined
      ? []
      : explainDerivedName(validateServiceName(serviceName), serviceName === object.metadata?.name),
  ({ object }) => validateIdentifierAnnotation(object.metadata?.annotations?.[ANNOTATION_IDENTIFIER]),
  ({ spec, object }) => validateRestoreFrom(spec, object.metadata?.name),
  ({ spec, object }) =>
    spec.restoreFrom !== undefined && isAdoptingObject(object)
      ? [
          fieldError(
            'spec.restoreFrom',
            `cannot be set together with the annotation ${ANNOTATION_IDENTIFIER} (adoption)`,
          ),
        ]
      : [],
];

/** The rules proper, on a spec already known to have the schema's shape. */
function checkRules(object: PostgresDB, config: OperatorConfig): ValidationResult {
  const spec = object.spec;
  const name = object.metadata?.name;
  const input: RuleInput = {
    spec,
    object,
    config,
    // An adopted instance's storage type is whatever RDS reports when the spec leaves it empty.
    storageType: spec.storage.type ?? (isAdoptingObject(object) ? undefined : config.defaults.storageType),
    secretName: spec.secretName ?? name,
    serviceName: spec.serviceName ?? name,
  };
  const errors: FieldError[] = [];
  // Appended one at a time (no spread or many-argument concat): this runs on every admission request.
  for (let r = 0; r < RULES.length; r++) {
    const found = (RULES[r] as Rule)(input);
    for (let i = 0; i < found.length; i++) errors.push(found[i] as FieldError);
  }
  const { storageType } = input;
  return {
    errors,
    warnings: (storageType ? storageWarnings(storageType, config.storageRules) : []).concat(
      settingsWarnings(spec),
    ),
  };
}

/** Compared as canonical JSON: the API server and a webhook patch can order the keys of the same object differently. */
export function sameSpec(a: PostgresDB, b: PostgresDB): boolean {
  return canonicalJson(a.spec) === canonicalJson(b.spec);
}

/** A metadata-only change (labels, finalizers, annotations): only the annotation rules apply. */
function metadataOnlyUpdate(next: PostgresDB, previous: PostgresDB): ValidationResult {
  return {
    errors: [
      ...validateIdentifierUnchanged(next, previous),
      ...validateIdentifierAnnotation(next.metadata?.annotations?.[ANNOTATION_IDENTIFIER]),
    ],
    warnings: [],
  };
}

/**
 * UPDATE: the old object is defaulted first, so a new default never reads as a change. A spec that
 * did not change is not re-validated (a rule added later, or a stored object of the wrong shape, must
 * not block a metadata-only edit, such as removing the finalizer during deletion), and of a changed
 * spec only the changed parts must meet today's rules (ratcheting: a value stored under older limits
 * that RDS still accepts does not block an unrelated edit).
 */
export function validateUpdate(
  next: PostgresDB,
  previous: PostgresDB,
  config: OperatorConfig,
): ValidationResult {
  if (next && previous && sameSpec(next, previous)) return metadataOnlyUpdate(next, previous);
  const shapeErrors = validateShape(next?.spec);
  if (shapeErrors.length) return { errors: shapeErrors, warnings: [] };
  const nextDefaulted = applyDefaults(next, config);
  if (validateShape(previous?.spec).length) return validateObject(nextDefaulted, config);
  const previousDefaulted = applyDefaults(previous, config);
  if (sameSpec(nextDefaulted, previousDefaulted)) return metadataOnlyUpdate(next, previous);
  const result = validateObject(nextDefaulted, config);
  return {
    errors: [
      ...onlyChanged(result.errors, nextDefaulted, previousDefaulted),
      ...validateImmutableFields(nextDefaulted, previousDefaulted),
      ...validateIdentifierUnchanged(nextDefaulted, previousDefaulted),
      ...validateStorageChange(nextDefaulted, previousDefaulted, config.storageRules),
      ...validateEngineUpgrade(nextDefaulted, previousDefaulted),
      ...validateRestoreUnchanged(nextDefaulted.spec, previousDefaulted.spec),
    ],
    warnings: result.warnings,
  };
}

export function validateCreate(object: PostgresDB, config: OperatorConfig): ValidationResult {
  const shapeErrors = validateShape(object?.spec);
  if (shapeErrors.length) return { errors: shapeErrors, warnings: [] };
  return checkRules(applyDefaults(object, config), config);
}
