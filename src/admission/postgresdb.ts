import { FINALIZER, KIND, PLURAL } from '../api/constants.js';
import { applyDefaults, canApplyDefaults } from './rules/defaults.js';
import type { PostgresDBPolicy } from '../api/policy.js';
import type { PostgresDB } from '../api/v1beta1.js';
import type { OperatorConfig } from '../config/schema.js';
import { converters } from '../conversion/converters.js';
import { admissionPolicyErrors, adoptionRequested } from '../policy/check.js';
import { applyPolicyDefaults, IDENTIFIER_PATH } from '../policy/evaluate.js';
import { NO_POLICIES, type PolicySource } from '../policy/store.js';
import { isJsonObject } from '../util/json-object.js';
import { fieldError } from './rules/field-error.js';
import {
  type FieldError,
  formatFieldErrors,
  validateCreate,
  validateShape,
  validateUpdate,
} from './rules/index.js';
import { fitsCrdSchema } from './rules/crd-schema.js';
import { validateMetadataShape } from './rules/metadata.js';
import { type AdoptionAuthorizer, NO_ADOPTION } from './adoption-authorizer.js';
import { NO_RESTORE_SOURCES, type RestoreSources, restoreSourceErrors } from './restore-sources.js';
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

/** What PostgresDB's admission reads besides the request. */
interface AdmissionContext {
  config: OperatorConfig;
  policies: PolicySource;
  adoption: AdoptionAuthorizer;
  restoreSources: RestoreSources;
}

const DEPRECATION_WARNING =
  'stow.dev/v1alpha1 is deprecated: write stow.dev/v1beta1 (see docs/upgrading.md); your object is stored as v1beta1';

function requestedAsAlpha(request: AdmissionRequest): boolean {
  return request.requestKind?.version === 'v1alpha1';
}

/** Field paths in the version the user wrote (admission itself runs on the hub). */
function pathInRequestedVersion(request: AdmissionRequest, path: string): string {
  const version = request.requestKind?.version;
  // hasOwn: a version such as "constructor" must not find Object's own members.
  return (
    (version && Object.hasOwn(converters, version) && converters[version]?.fieldPathFromHub(path)) || path
  );
}

function denial(request: AdmissionRequest, object: PostgresDB, errors: FieldError[]): string {
  return denialMessage(KIND, request, object, errors, (path) => pathInRequestedVersion(request, path));
}

/**
 * Fills empty fields: the platform's pinned values first, then the operator's defaults. A spec or
 * metadata defaulting cannot read is left as it is (a spec the CRD refuses is denied with /validate's
 * verdict, see `fitsSchema`); and an object on its way out is not rewritten, so deletion can always
 * finish.
 */
function defaulted(
  { request, object }: Admitted<PostgresDB>,
  context: AdmissionContext,
): PostgresDB | undefined | Promise<PostgresDB | undefined> {
  const metadata: unknown = object.metadata;
  if (!isJsonObject(metadata) || !canApplyDefaults(object.spec) || metadata.deletionTimestamp)
    return undefined;
  const fill = (policies: readonly PostgresDBPolicy[]) =>
    applyDefaults(applyPolicyDefaults(object, policies, context.config), context.config);
  const policies = context.policies.policiesFor(namespaceOf(request, object));
  return policies instanceof Promise ? policies.then(fill) : fill(policies);
}

function namespaceOf(request: AdmissionRequest, object: PostgresDB): string {
  const stated = request.namespace ?? object.metadata.namespace;
  return typeof stated === 'string' ? stated : '';
}

/**
 * Stow's rules (pure), then the platform's policies for the namespace, then, for an adoption, whether
 * the user holds the adopt verb. Every violation is listed at once.
 */
function validate(
  { request, object, oldObject }: Admitted<PostgresDB>,
  context: AdmissionContext,
): AdmissionResponse | Promise<AdmissionResponse> {
  // The rules read metadata (names, annotations): a damaged one is reported, with the spec's shape,
  // before any rule runs.
  const metadataErrors = validateMetadataShape(object.metadata);
  if (metadataErrors.length) {
    const errors = metadataErrors.concat(validateShape(object.spec));
    return denied(request.uid, denial(request, object, errors));
  }
  const storedErrors = oldObject ? validateMetadataShape(oldObject.metadata) : [];
  if (storedErrors.length)
    return errored(request.uid, 400, `request.oldObject: ${formatFieldErrors(storedErrors)}`);
  const { config } = context;
  const result =
    request.operation === 'UPDATE' && oldObject
      ? validateUpdate(object, oldObject, config)
      : validateCreate(object, config);
  const warnings = requestedAsAlpha(request) ? [DEPRECATION_WARNING, ...result.warnings] : result.warnings;
  const namespace = namespaceOf(request, object);
  const previous = request.operation === 'UPDATE' ? oldObject : undefined;
  const decide = (policies: readonly PostgresDBPolicy[]) => {
    const errors = [
      ...result.errors,
      ...admissionPolicyErrors(object, previous, namespace, config, policies),
    ];
    const adopting = errors.length === 0 ? adoptionRequested(object, previous) : undefined;
    if (errors.length === 0 && !previous && object.spec.restoreFrom !== undefined)
      return checkRestoreSource(object, namespace, context).then((found) =>
        respond(request, object, found, warnings),
      );
    if (adopting === undefined) return respond(request, object, errors, warnings);
    return context.adoption
      .mayAdopt(request.userInfo, namespace, object.metadata.name ?? request.name ?? '')
      .then((answer) =>
        respond(
          request,
          object,
          answer.allowed ? [] : [fieldError(IDENTIFIER_PATH, `cannot adopt: ${answer.reason}`, adopting)],
          warnings,
        ),
      );
  };
  const policies = context.policies.policiesFor(namespace);
  return policies instanceof Promise ? policies.then(decide) : decide(policies);
}

/** The source of a restore, read from the API server; an unanswered read denies, never errs. */
async function checkRestoreSource(
  object: PostgresDB,
  namespace: string,
  context: AdmissionContext,
): Promise<FieldError[]> {
  try {
    return await restoreSourceErrors(object.spec, namespace, context.restoreSources, context.policies);
  } catch (error) {
    return [fieldError('spec.restoreFrom', `could not be checked (${(error as Error).message}); try again`)];
  }
}

function respond(
  request: AdmissionRequest,
  object: PostgresDB,
  errors: FieldError[],
  warnings: string[],
): AdmissionResponse {
  if (errors.length) return withWarnings(denied(request.uid, denial(request, object, errors)), warnings);
  return withWarnings(allowed(request.uid), warnings);
}

/**
 * PostgresDB's admission, at /mutate and /validate. Without policies or an authorizer: none, and
 * nobody may adopt; without restore sources, no restore source is found.
 */
export function postgresDBAdmission(
  config: OperatorConfig,
  options: { policies?: PolicySource; adoption?: AdoptionAuthorizer; restoreSources?: RestoreSources } = {},
): KindAdmission<PostgresDB> {
  const context = {
    config,
    policies: options.policies ?? NO_POLICIES,
    adoption: options.adoption ?? NO_ADOPTION,
    restoreSources: options.restoreSources ?? NO_RESTORE_SOURCES,
  };
  return {
    mutatePath: ADMISSION_PATHS[PLURAL].mutate,
    validatePath: ADMISSION_PATHS[PLURAL].validate,
    finalizer: FINALIZER,
    defaulted: (admitted) => defaulted(admitted, context),
    validate: (admitted) => validate(admitted, context),
    fitsSchema: fitsCrdSchema,
  };
}
