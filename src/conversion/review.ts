import { ConversionError } from './conversion-error.js';
import { converterFor, convertObject, knownVersion } from './converters.js';
import { isJsonObject, type JsonObject } from '../util/json-object.js';
import { showValue } from '../util/show-value.js';
import { isStackOverflow } from '../util/stack-overflow.js';

export const CONVERSION_REVIEW_API_VERSION = 'apiextensions.k8s.io/v1';
export const CONVERSION_REVIEW_KIND = 'ConversionReview';

export type ConversionResult = { status: 'Success' } | { status: 'Failure'; message: string };

export interface ConversionReviewResponse {
  apiVersion: typeof CONVERSION_REVIEW_API_VERSION;
  kind: typeof CONVERSION_REVIEW_KIND;
  response: { uid: string; result: ConversionResult; convertedObjects?: JsonObject[] };
}

/** Objects converted (or failed) per version pair; versions outside Stow's read `unknown`, to bound label values. */
export interface ConversionCount {
  from: string;
  to: string;
  result: 'success' | 'failure';
  count: number;
}

export type ReviewOutcome =
  | { statusCode: 200; body: ConversionReviewResponse; counts: ConversionCount[] }
  | { statusCode: 400; body: { message: string } };

interface ConversionRequest {
  uid: string;
  desiredAPIVersion: string;
  objects: unknown[];
}

/**
 * Answers a ConversionReview: every object in `desiredAPIVersion`, or, if any one fails, none of them and
 * a Failure naming that object. A review that is not a well-formed ConversionReview gets a 400.
 */
export function convertReview(review: unknown): ReviewOutcome {
  const problem = reviewProblem(review);
  if (problem !== undefined)
    return { statusCode: 400, body: { message: `malformed ConversionReview: ${problem}` } };
  const request = (review as { request: ConversionRequest }).request;
  const { uid, desiredAPIVersion, objects } = request;
  const to = knownVersion(desiredAPIVersion) ?? 'unknown';

  try {
    converterFor(desiredAPIVersion, 'desiredAPIVersion');
  } catch (error) {
    const count = { from: 'unknown', to, result: 'failure' as const, count: objects.length };
    return {
      statusCode: 200,
      body: answer(uid, { status: 'Failure', message: messageOf(error) }),
      counts: [count],
    };
  }

  const converted: JsonObject[] = new Array(objects.length);
  const successes = new Map<string, number>();
  for (let index = 0; index < objects.length; index++) {
    const object = objects[index];
    try {
      if (!isJsonObject(object)) throw new ConversionError(`objects[${index}]`, 'must be a JSON object');
      converted[index] = convertObject(object, desiredAPIVersion);
    } catch (error) {
      return failedObject(request, index, messageOf(error));
    }
    const from = knownVersion(object.apiVersion) ?? 'unknown';
    successes.set(from, (successes.get(from) ?? 0) + 1);
  }
  const counts = [...successes].map(([from, count]) => ({ from, to, result: 'success' as const, count }));
  return { statusCode: 200, body: answer(uid, { status: 'Success' }, converted), counts };
}

/**
 * The outcome's body as JSON text. JSON.stringify recurses: an object nested too deeply for it (one
 * passed through unconverted can be) fails the review, naming the object, rather than the request.
 */
export function serializeOutcome(
  review: unknown,
  outcome: ReviewOutcome,
): { outcome: ReviewOutcome; text: string } {
  try {
    return { outcome, text: JSON.stringify(outcome.body) };
  } catch (error) {
    const convertedObjects = outcome.statusCode === 200 ? outcome.body.response.convertedObjects : undefined;
    if (!isStackOverflow(error) || convertedObjects === undefined) throw error;
    const request = (review as { request: ConversionRequest }).request;
    const index = convertedObjects.findIndex((object) => !serializes(object));
    const failed = failedObject(request, Math.max(index, 0), messageOf(error));
    return { outcome: failed, text: JSON.stringify(failed.body) };
  }
}

function answer(
  uid: string,
  result: ConversionResult,
  convertedObjects?: JsonObject[],
): ConversionReviewResponse {
  return {
    apiVersion: CONVERSION_REVIEW_API_VERSION,
    kind: CONVERSION_REVIEW_KIND,
    response: convertedObjects ? { uid, result, convertedObjects } : { uid, result },
  };
}

/** The whole review fails when one object does, with a message naming that object. */
function failedObject(request: ConversionRequest, index: number, reason: string): ReviewOutcome {
  const object = request.objects[index];
  const from = (isJsonObject(object) && knownVersion(object.apiVersion)) || 'unknown';
  const to = knownVersion(request.desiredAPIVersion) ?? 'unknown';
  const message = isJsonObject(object) ? `${objectReference(object)}: ${reason}` : reason;
  return {
    statusCode: 200,
    body: answer(request.uid, { status: 'Failure', message }),
    counts: [{ from, to, result: 'failure', count: 1 }],
  };
}

function serializes(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

function reviewProblem(review: unknown): string | undefined {
  if (!isJsonObject(review)) return 'expected a JSON object';
  if (review.apiVersion !== CONVERSION_REVIEW_API_VERSION || review.kind !== CONVERSION_REVIEW_KIND) {
    return `expected apiVersion ${CONVERSION_REVIEW_API_VERSION} and kind ${CONVERSION_REVIEW_KIND}, got ${showValue(review.apiVersion)} and ${showValue(review.kind)}`;
  }
  const request = review.request;
  if (!isJsonObject(request)) return 'request must be an object';
  if (typeof request.uid !== 'string' || request.uid === '') return 'request.uid must be a non-empty string';
  if (typeof request.desiredAPIVersion !== 'string') return 'request.desiredAPIVersion must be a string';
  if (!Array.isArray(request.objects)) return 'request.objects must be an array';
  return undefined;
}

/** `namespace/name` as the user knows the object; a name still to be generated shows its prefix. */
export function objectReference(object: JsonObject): string {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const name =
    typeof metadata.name === 'string' && metadata.name !== ''
      ? metadata.name
      : typeof metadata.generateName === 'string'
        ? `${metadata.generateName}<generated>`
        : '<unnamed>';
  return typeof metadata.namespace === 'string' && metadata.namespace !== ''
    ? `${metadata.namespace}/${name}`
    : name;
}

function messageOf(error: unknown): string {
  if (isStackOverflow(error)) return 'nested too deeply to convert; no PostgresDB nests so deep';
  return error instanceof Error ? error.message : String(error);
}
