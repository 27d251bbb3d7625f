import jsonPatch from 'fast-json-patch';
import { KIND } from '../api/constants.js';
import { applyDefaults, canApplyDefaults } from '../api/defaults.js';
import type { PostgresDB } from '../api/v1beta1.js';
import type { OperatorConfig } from '../config/schema.js';
import { converters } from '../conversion/converters.js';
import { type FieldError, formatFieldError, validateCreate, validateUpdate } from '../validation/index.js';
import {
  type AdmissionRequest,
  type AdmissionResponse,
  allowed,
  denied,
  errored,
  patched,
  withWarnings,
} from './admission-review.js';

const DEPRECATION_WARNING =
  'stow.dev/v1alpha1 is deprecated: write stow.dev/v1beta1 (see docs/upgrading.md); your object is stored as v1beta1';

function isPostgresDB(value: unknown): value is PostgresDB {
  return (
    typeof value === 'object' && value !== null && 'metadata' in value && typeof value.metadata === 'object'
  );
}

function requestedAsAlpha(request: AdmissionRequest): boolean {
  return request.requestKind?.version === 'v1alpha1';
}

/** Field paths in the version the user wrote (admission itself runs on the hub). */
function pathInRequestedVersion(request: AdmissionRequest, path: string): string {
  const version = request.requestKind?.version;
  return (version && converters[version]?.fieldPathFromHub(path)) || path;
}

function describeObject(request: AdmissionRequest, object: PostgresDB): string {
  const name = object.metadata.name || request.name || object.metadata.generateName || '';
  return `${KIND} ${JSON.stringify(name)}`;
}

function denialMessage(request: AdmissionRequest, object: PostgresDB, errors: FieldError[]): string {
  const lines = errors.map((error) =>
    formatFieldError({ ...error, path: pathInRequestedVersion(request, error.path) }),
  );
  const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
  return `${describeObject(request, object)} is invalid (${count}): ${lines.join('; ')}`;
}

function objectsOf(request: AdmissionRequest): {
  object?: PostgresDB;
  oldObject?: PostgresDB;
  problem?: string;
} {
  if (!isPostgresDB(request.object))
    return { problem: 'request.object is missing or is not a Kubernetes object' };
  if (request.operation === 'UPDATE' && !isPostgresDB(request.oldObject)) {
    return { problem: 'request.oldObject is missing on UPDATE' };
  }
  return { object: request.object, oldObject: request.oldObject as PostgresDB | undefined };
}

/** Fills empty fields; the patch is the diff between the raw object and its defaulted copy. */
export function mutate(request: AdmissionRequest, config: OperatorConfig): AdmissionResponse {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allowed(request.uid);
  const { object, problem } = objectsOf(request);
  if (!object) return errored(request.uid, 400, problem ?? 'bad request');
  // A spec defaulting cannot fill is left for /validate to deny with every reason; and an object on
  // its way out is not rewritten, so deletion can always finish.
  if (!canApplyDefaults(object.spec) || object.metadata.deletionTimestamp) return allowed(request.uid);
  const defaulted = applyDefaults(object, config);
  // Defaulting touches spec only, so only spec is diffed (metadata.managedFields can be large); the
  // wrapper gives the operations their /spec paths.
  const operations = jsonPatch.compare({ spec: object.spec }, { spec: defaulted.spec });
  return patched(request.uid, operations);
}

export function validate(request: AdmissionRequest, config: OperatorConfig): AdmissionResponse {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allowed(request.uid);
  const { object, oldObject, problem } = objectsOf(request);
  if (!object) return errored(request.uid, 400, problem ?? 'bad request');
  const result =
    request.operation === 'UPDATE' && oldObject
      ? validateUpdate(object, oldObject, config)
      : validateCreate(object, config);
  const warnings = requestedAsAlpha(request) ? [DEPRECATION_WARNING, ...result.warnings] : result.warnings;
  if (result.errors.length)
    return withWarnings(denied(request.uid, denialMessage(request, object, result.errors)), warnings);
  return withWarnings(allowed(request.uid), warnings);
}
