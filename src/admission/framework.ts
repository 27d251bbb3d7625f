import jsonPatch from 'fast-json-patch';
import { isJsonObject } from '../util/json-object.js';
import { showValue } from '../util/show-value.js';
import { type AdmissionRequest, type AdmissionResponse, allowed, errored, patched } from './review.js';

type Maybe<T> = T | Promise<T>;

/** A decoded review: the object, and on UPDATE the stored one, both known to be JSON objects. */
export interface Admitted<T> {
  request: AdmissionRequest;
  object: T;
  oldObject?: T;
}

/**
 * What a kind brings to admission; the framework does the rest (decoding, the operation filter, the
 * diff to a JSON Patch, errors as reviews). A kind's webhooks are served at its two paths.
 */
export interface KindAdmission<T extends { spec?: unknown }> {
  mutatePath: string;
  validatePath: string;
  /** The object with its empty fields filled, or undefined to leave it as it is. */
  defaulted(admitted: Admitted<T>): Maybe<T | undefined>;
  /** Allowed or denied, with every reason at once. */
  validate(admitted: Admitted<T>): Maybe<AdmissionResponse>;
  /**
   * Whether the API server's schema for the kind (its CRD) accepts this spec. The API server checks it
   * after the mutating webhook and before the validating one, and refuses with the schema's complaints
   * alone; so what it would refuse, the mutating webhook denies with `validate`'s verdict (ADR 0019).
   */
  fitsSchema?(spec: unknown): boolean;
  /**
   * The controller's finalizer, put on each new object by the mutating webhook, so that the
   * controller's first reconcile need not write it (the controller still adds it if it is missing).
   */
  finalizer?: string;
}

/** Any kind's admission, as the routes hold them. */
export type AnyKindAdmission = KindAdmission<{ spec?: unknown }>;

export type ReviewHandler = (request: AdmissionRequest) => Maybe<AdmissionResponse>;

/** What the API server sends is always an object; anything else in a review gets a 400 naming the field. */
function decode<T>(request: AdmissionRequest): Admitted<T> | string {
  if (!isJsonObject(request.object))
    return `request.object must be a Kubernetes object (got ${showValue(request.object ?? null)})`;
  if (request.operation !== 'UPDATE') return { request, object: request.object as T };
  if (!isJsonObject(request.oldObject))
    return `request.oldObject must be the stored Kubernetes object on UPDATE (got ${showValue(request.oldObject ?? null)})`;
  return { request, object: request.object as T, oldObject: request.oldObject as T };
}

/** Only CREATE and UPDATE are admitted by the kinds' rules; DELETE and CONNECT are allowed as they come. */
function admits(request: AdmissionRequest): boolean {
  return request.operation === 'CREATE' || request.operation === 'UPDATE';
}

/**
 * The mutating handler: the patch is the diff between the object's spec and its defaulted copy's,
 * and on CREATE the kind's finalizer. Defaulting touches spec only, so only spec is diffed
 * (metadata.managedFields can be large).
 */
export function mutatingHandler<T extends { spec?: unknown }>(kind: KindAdmission<T>): ReviewHandler {
  const patch = ({ request, object }: Admitted<T>, defaulted: T | undefined) => {
    const specPatch = defaulted ? jsonPatch.compare({ spec: object.spec }, { spec: defaulted.spec }) : [];
    const finalizerPatch =
      kind.finalizer && request.operation === 'CREATE' ? addFinalizer(object, kind.finalizer) : [];
    return patched(request.uid, [...specPatch, ...finalizerPatch]);
  };
  /** The patch, unless the API server would refuse the result: then what `validate` says, if it denies. */
  const answer = (admitted: Admitted<T>, defaulted: T | undefined) => {
    const patchIt = () => patch(admitted, defaulted);
    if (!kind.fitsSchema || kind.fitsSchema((defaulted ?? admitted.object).spec)) return patchIt();
    const decide = (verdict: AdmissionResponse) => (verdict.allowed ? patchIt() : verdict);
    const verdict = kind.validate(admitted);
    return verdict instanceof Promise ? verdict.then(decide) : decide(verdict);
  };
  return (request) => {
    if (!admits(request)) return allowed(request.uid);
    const admitted = decode<T>(request);
    if (typeof admitted === 'string') return errored(request.uid, 400, admitted);
    const defaulted = kind.defaulted(admitted);
    return defaulted instanceof Promise
      ? defaulted.then((found) => answer(admitted, found))
      : answer(admitted, defaulted);
  };
}

/** The operation adding `finalizer` to the object's, unless it is there (or the list is malformed: the API server refuses that). */
function addFinalizer(object: { spec?: unknown }, finalizer: string): jsonPatch.Operation[] {
  const metadata = (object as { metadata?: unknown }).metadata;
  if (!isJsonObject(metadata)) return [];
  const finalizers = metadata.finalizers;
  if (finalizers === undefined || finalizers === null)
    return [{ op: 'add', path: '/metadata/finalizers', value: [finalizer] }];
  if (!Array.isArray(finalizers) || finalizers.includes(finalizer)) return [];
  return [{ op: 'add', path: '/metadata/finalizers/-', value: finalizer }];
}

export function validatingHandler<T extends { spec?: unknown }>(kind: KindAdmission<T>): ReviewHandler {
  return (request) => {
    if (!admits(request)) return allowed(request.uid);
    const admitted = decode<T>(request);
    if (typeof admitted === 'string') return errored(request.uid, 400, admitted);
    return kind.validate(admitted);
  };
}
