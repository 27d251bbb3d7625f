import jsonPatch from 'fast-json-patch';
import { KIND } from '../api/constants.js';
import { applyDefaults, canApplyDefaults } from '../validation/defaults.js';
import type { PostgresDBPolicy } from '../api/policy.js';
import type { PostgresDB } from '../api/v1beta1.js';
import type { OperatorConfig } from '../config/schema.js';
import { converters } from '../conversion/converters.js';
import { admissionPolicyErrors, adoptionRequested } from '../policy/check.js';
import { applyPolicyDefaults, IDENTIFIER_PATH } from '../policy/evaluate.js';
import type { PolicySource } from '../policy/store.js';
import { isJsonObject } from '../util/json-object.js';
import { showValue } from '../util/show-value.js';
import { fieldError } from '../validation/field-error.js';
import {
  type FieldError,
  formatFieldError,
  formatFieldErrors,
  validateCreate,
  validateShape,
  validateUpdate,
} from '../validation/index.js';
import { fitsCrdSchema } from '../validation/crd-schema.js';
import { validateMetadataShape } from '../validation/metadata.js';
import type { AdoptionAuthorizer } from './adoption-authorizer.js';
import {
  type AdmissionRequest,
  type AdmissionResponse,
  allowed,
  denied,
  errored,
  patched,
  withWarnings,
} from './admission-review.js';

/** What the admission handlers read besides the request. */
export interface AdmissionContext {
  config: OperatorConfig;
  policies: PolicySource;
  adoption: AdoptionAuthorizer;
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

function describeObject(request: AdmissionRequest, object: PostgresDB): string {
  const metadata: unknown = object.metadata;
  const { name, generateName } = isJsonObject(metadata) ? metadata : {};
  const known = [name, request.name, generateName].find((value) => typeof value === 'string' && value !== '');
  return `${KIND} ${showValue(known ?? '')}`;
}

function denialMessage(request: AdmissionRequest, object: PostgresDB, errors: FieldError[]): string {
  const lines = errors.map((error) =>
    formatFieldError({ ...error, path: pathInRequestedVersion(request, error.path) }),
  );
  const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
  return `${describeObject(request, object)} is invalid (${count}): ${lines.join('; ')}`;
}

/** What the API server sends is always an object; anything else in a review gets a 400 naming the field. */
function objectsOf(request: AdmissionRequest): {
  object?: PostgresDB;
  oldObject?: PostgresDB;
  problem?: string;
} {
  if (!isJsonObject(request.object))
    return {
      problem: `request.object must be a Kubernetes object (got ${showValue(request.object ?? null)})`,
    };
  if (request.operation !== 'UPDATE') return { object: request.object as PostgresDB };
  if (!isJsonObject(request.oldObject)) {
    return {
      problem: `request.oldObject must be the stored Kubernetes object on UPDATE (got ${showValue(request.oldObject ?? null)})`,
    };
  }
  return { object: request.object as PostgresDB, oldObject: request.oldObject as PostgresDB };
}

/** Fills empty fields; the patch is the diff between the raw object and its defaulted copy. */
export function mutate(
  request: AdmissionRequest,
  context: AdmissionContext,
): AdmissionResponse | Promise<AdmissionResponse> {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allowed(request.uid);
  const { object, problem } = objectsOf(request);
  if (!object) return errored(request.uid, 400, problem ?? 'bad request');
  // Damaged metadata is left for /validate to deny with every reason; an object on its way out is
  // not rewritten, so deletion can always finish.
  const metadata: unknown = object.metadata;
  if (!isJsonObject(metadata) || metadata.deletionTimestamp) return allowed(request.uid);
  if (!canApplyDefaults(object.spec)) return deniedAsValidateWould(request, context, allowed);
  const policies = context.policies.policiesFor(namespaceOf(request, object));
  return policies instanceof Promise
    ? policies.then((found) => defaultedPatch(request, context, object, found))
    : defaultedPatch(request, context, object, policies);
}

function defaultedPatch(
  request: AdmissionRequest,
  context: AdmissionContext,
  object: PostgresDB,
  policies: readonly PostgresDBPolicy[],
): AdmissionResponse | Promise<AdmissionResponse> {
  const defaulted = applyDefaults(applyPolicyDefaults(object, policies, context.config), context.config);
  // Defaulting touches spec only, so only spec is diffed (metadata.managedFields can be large); the
  // wrapper gives the operations their /spec paths.
  const patch = (uid: string) =>
    patched(uid, jsonPatch.compare({ spec: object.spec }, { spec: defaulted.spec }));
  return fitsCrdSchema(defaulted.spec) ? patch(request.uid) : deniedAsValidateWould(request, context, patch);
}

/**
 * The API server checks the CRD schema after /mutate and before /validate, and refuses with the
 * schema's complaints alone: a spec it would refuse is denied here instead, with every reason
 * /validate gives (ADR 0019). What /validate would let through goes on as `otherwise` says.
 */
function deniedAsValidateWould(
  request: AdmissionRequest,
  context: AdmissionContext,
  otherwise: (uid: string) => AdmissionResponse,
): AdmissionResponse | Promise<AdmissionResponse> {
  const decide = (verdict: AdmissionResponse) => (verdict.allowed ? otherwise(request.uid) : verdict);
  const verdict = validate(request, context);
  return verdict instanceof Promise ? verdict.then(decide) : decide(verdict);
}

function namespaceOf(request: AdmissionRequest, object: PostgresDB): string {
  const stated = request.namespace ?? object.metadata.namespace;
  return typeof stated === 'string' ? stated : '';
}

/**
 * Stow's rules (pure), then the platform's policies for the namespace, then, for an adoption, whether
 * the user holds the adopt verb. Every violation is listed at once.
 */
export function validate(
  request: AdmissionRequest,
  context: AdmissionContext,
): AdmissionResponse | Promise<AdmissionResponse> {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allowed(request.uid);
  const { object, oldObject, problem } = objectsOf(request);
  if (!object) return errored(request.uid, 400, problem ?? 'bad request');
  // The rules read metadata (names, annotations): a damaged one is reported, with the spec's shape,
  // before any rule runs.
  const metadataErrors = validateMetadataShape(object.metadata);
  if (metadataErrors.length) {
    const errors = metadataErrors.concat(validateShape(object.spec));
    return denied(request.uid, denialMessage(request, object, errors));
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

function respond(
  request: AdmissionRequest,
  object: PostgresDB,
  errors: FieldError[],
  warnings: string[],
): AdmissionResponse {
  if (errors.length)
    return withWarnings(denied(request.uid, denialMessage(request, object, errors)), warnings);
  return withWarnings(allowed(request.uid), warnings);
}
