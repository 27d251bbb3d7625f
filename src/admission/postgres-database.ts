import { DATABASE_KIND, DATABASE_PLURAL, FINALIZER } from '../api/constants.js';
import type { PostgresDBPolicy } from '../api/policy.js';
import type { PostgresDatabase } from '../api/postgres-database.js';
import type { OperatorConfig } from '../config/schema.js';
import {
  grantingPolicies,
  type SharedPlacement,
  sharedExtensionErrors,
  sharingErrors,
} from '../policy/sharing.js';
import { NO_POLICIES, type PolicySource } from '../policy/store.js';
import { isJsonObject } from '../util/json-object.js';
import { denialMessage } from './denial.js';
import type { Admitted, KindAdmission } from './framework.js';
import { ADMISSION_PATHS } from './registration.js';
import {
  type AdmissionRequest,
  type AdmissionResponse,
  allowed,
  denied,
  errored,
  withWarnings,
} from './review.js';
import { type FieldError, formatFieldErrors } from './rules/field-error.js';
import { validateMetadataShape } from './rules/metadata.js';
import {
  applyDatabaseDefaults,
  canApplyDatabaseDefaults,
  type DatabaseRulesContext,
  hasValidDatabaseShape,
  instanceNamespace,
  validateDatabaseCreate,
  validateDatabaseShape,
  validateDatabaseUpdate,
} from './rules/postgres-database.js';

type Maybe<T> = T | Promise<T>;

function settle<T, R>(value: Maybe<T>, next: (settled: T) => Maybe<R>): Maybe<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

function namespaceOf(request: AdmissionRequest, object: PostgresDatabase): string {
  const stated = request.namespace ?? object.metadata.namespace;
  return typeof stated === 'string' ? stated : '';
}

function respond(
  request: AdmissionRequest,
  object: PostgresDatabase,
  errors: FieldError[],
  warnings: string[],
): AdmissionResponse {
  const response = errors.length
    ? denied(request.uid, denialMessage(DATABASE_KIND, request, object, errors))
    : allowed(request.uid);
  return withWarnings(response, warnings);
}

/** An object on its way out, or one defaulting cannot read, is left as it is (/validate reports the latter). */
function defaulted({ object }: Admitted<PostgresDatabase>): PostgresDatabase | undefined {
  const metadata: unknown = object.metadata;
  if (!isJsonObject(metadata) || metadata.deletionTimestamp || !canApplyDatabaseDefaults(object.spec))
    return undefined;
  return applyDatabaseDefaults(object);
}

/**
 * A database on an instance of another namespace needs a PostgresDBPolicy selecting that namespace to
 * share it with this one, and its extensions must be ones such a policy allows. On UPDATE the instance
 * cannot change, so only the extensions being added are checked: a policy withdrawn later never blocks
 * an edit (the controller reports it).
 */
function sharingPolicyErrors(
  object: PostgresDatabase,
  previous: PostgresDatabase | undefined,
  namespace: string,
  policies: PolicySource,
): Maybe<FieldError[]> {
  const instance = instanceNamespace(object.spec, namespace);
  if (instance === namespace) return [];
  const added = previous
    ? new Set(
        (object.spec.extensions ?? [])
          .map((extension) => extension.name)
          .filter((name) => !previous.spec.extensions?.some((extension) => extension.name === name)),
      )
    : undefined;
  if (added?.size === 0) return [];
  return settle(policies.policiesFor(instance), (selecting: readonly PostgresDBPolicy[]) =>
    settle(policies.namespaceLabels(namespace), (namespaceLabels) => {
      const placement: SharedPlacement = {
        namespace,
        namespaceLabels,
        instanceNamespace: instance,
        instanceName: object.spec.instanceRef.name,
      };
      const granting = grantingPolicies(selecting, placement);
      const extensions = sharedExtensionErrors(granting, object.spec.extensions ?? [], added);
      return previous ? extensions : [...sharingErrors(selecting, placement), ...extensions];
    }),
  );
}

/** The kind's rules (pure), then, for an instance of another namespace, the platform's sharing policies. */
function validate(
  { request, object, oldObject }: Admitted<PostgresDatabase>,
  config: OperatorConfig,
  policies: PolicySource,
): Maybe<AdmissionResponse> {
  const metadataErrors = validateMetadataShape(object.metadata);
  if (metadataErrors.length) {
    const errors = metadataErrors.concat(validateDatabaseShape(object.spec));
    return denied(request.uid, denialMessage(DATABASE_KIND, request, object, errors));
  }
  const storedErrors = oldObject ? validateMetadataShape(oldObject.metadata) : [];
  if (storedErrors.length)
    return errored(request.uid, 400, `request.oldObject: ${formatFieldErrors(storedErrors)}`);
  const namespace = namespaceOf(request, object);
  const context: DatabaseRulesContext = { namespace, masterUsername: config.defaults.masterUsername };
  const previous = request.operation === 'UPDATE' ? oldObject : undefined;
  const result = previous
    ? validateDatabaseUpdate(object, previous, context)
    : validateDatabaseCreate(object, context);
  if (!hasValidDatabaseShape(object.spec)) return respond(request, object, result.errors, result.warnings);
  const comparable = previous && hasValidDatabaseShape(previous.spec) ? previous : undefined;
  return settle(sharingPolicyErrors(object, comparable, namespace, policies), (sharing) =>
    respond(request, object, [...result.errors, ...sharing], result.warnings),
  );
}

/** PostgresDatabase's admission, at /mutate/postgresdatabases and /validate/postgresdatabases. */
export function postgresDatabaseAdmission(
  config: OperatorConfig,
  options: { policies?: PolicySource } = {},
): KindAdmission<PostgresDatabase> {
  const policies = options.policies ?? NO_POLICIES;
  return {
    mutatePath: ADMISSION_PATHS[DATABASE_PLURAL].mutate,
    validatePath: ADMISSION_PATHS[DATABASE_PLURAL].validate,
    finalizer: FINALIZER,
    defaulted,
    validate: (admitted) => validate(admitted, config, policies),
  };
}
