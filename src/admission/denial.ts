import { formatFieldError, type FieldError } from './rules/field-error.js';
import { isJsonObject } from '../util/json-object.js';
import { showValue } from '../util/show-value.js';
import type { AdmissionRequest } from './review.js';

/** `PostgresDB "orders"`: the name, else the request's, else the generateName prefix. */
function describeObject(kind: string, request: AdmissionRequest, object: { metadata?: unknown }): string {
  const metadata: unknown = object.metadata;
  const { name, generateName } = isJsonObject(metadata) ? metadata : {};
  const known = [name, request.name, generateName].find((value) => typeof value === 'string' && value !== '');
  return `${kind} ${showValue(known ?? '')}`;
}

/** One message naming the object and every problem, each with its field and value. */
export function denialMessage(
  kind: string,
  request: AdmissionRequest,
  object: { metadata?: unknown },
  errors: FieldError[],
  pathFor: (path: string) => string = (path) => path,
): string {
  const lines = errors.map((error) => formatFieldError({ ...error, path: pathFor(error.path) }));
  const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
  return `${describeObject(kind, request, object)} is invalid (${count}): ${lines.join('; ')}`;
}
