import { ANNOTATION_CONVERSION_DATA } from '../api/constants.js';
import type { ObjectMeta } from '../api/meta.js';
import { canonicalJson } from '../util/canonical-json.js';
import { ConversionError } from './conversion-error.js';
import { isJsonObject, type JsonObject } from '../util/json-object.js';
import { showValue } from '../util/show-value.js';

export const ANNOTATION_FIELD = `metadata.annotations[${ANNOTATION_CONVERSION_DATA}]`;

/** The parsed conversion annotation, or undefined when the object has none. */
export function readConversionAnnotation(metadata: ObjectMeta | undefined): JsonObject | undefined {
  const text = metadata?.annotations?.[ANNOTATION_CONVERSION_DATA];
  if (text === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw annotationError('is not valid JSON');
  }
  if (!isJsonObject(data)) throw annotationError('must be a JSON object');
  return data;
}

/**
 * Metadata with the conversion annotation set to `data` (as canonical JSON), or removed when `data` is
 * undefined. Every other annotation is kept; an annotation map left empty is dropped, as the API server would.
 */
export function withConversionAnnotation(
  metadata: ObjectMeta | undefined,
  data: JsonObject | undefined,
): ObjectMeta {
  const current = metadata ?? {};
  const annotations = current.annotations;
  if (data === undefined && annotations?.[ANNOTATION_CONVERSION_DATA] === undefined) return current;
  const { [ANNOTATION_CONVERSION_DATA]: _previous, ...others } = annotations ?? {};
  const next = data === undefined ? others : { ...others, [ANNOTATION_CONVERSION_DATA]: canonicalJson(data) };
  const { annotations: _annotations, ...rest } = current;
  return Object.keys(next).length === 0 ? rest : { ...rest, annotations: next };
}

export function annotationError(reason: string): ConversionError {
  return new ConversionError(
    ANNOTATION_FIELD,
    `${reason}; Stow writes this annotation: restore its previous value, or remove it to drop the data it held`,
  );
}

export function expectObject(data: unknown, path: string): JsonObject {
  if (!isJsonObject(data)) throw annotationError(`${path} must be a JSON object`);
  return data;
}

/** Throws unless `data` is an object whose keys are all in `allowed`. */
export function expectKeys(data: unknown, path: string, allowed: readonly string[]): JsonObject {
  const object = expectObject(data, path);
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw annotationError(`${path} holds an unexpected key ${showValue(key)}`);
  }
  return object;
}
