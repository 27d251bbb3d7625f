import { isJsonObject } from '../../util/json-object.js';
import { type FieldError, fieldError } from './field-error.js';

const NAME_FIELDS = ['name', 'generateName', 'namespace', 'deletionTimestamp'] as const;
const STRING_MAPS = ['labels', 'annotations'] as const;

/**
 * The metadata fields Stow reads or rewrites, checked before anything reads them. The API server never
 * sends them malformed, but a review built by hand can hold anything: `metadata: null`, a number for a
 * name, `annotations: null`, a label whose value is an object. Each such field is named, so the
 * answer is a denial that says what is wrong, never an internal error. Fields Stow does not read
 * (`creationTimestamp`, `managedFields`, ...) are left to the API server.
 */
export function validateMetadataShape(metadata: unknown): FieldError[] {
  if (metadata === undefined) return [fieldError('metadata', 'is required')];
  if (!isJsonObject(metadata)) return [fieldError('metadata', 'must be an object', metadata)];
  const errors: FieldError[] = [];
  for (const field of NAME_FIELDS) {
    const value = metadata[field];
    if (value !== undefined && typeof value !== 'string')
      errors.push(fieldError(`metadata.${field}`, 'must be a string', value));
  }
  for (const field of STRING_MAPS) {
    const map = metadata[field];
    if (map === undefined) continue;
    if (!isJsonObject(map)) {
      errors.push(fieldError(`metadata.${field}`, 'must be a map of strings', map));
      continue;
    }
    for (const key of Object.keys(map)) {
      if (typeof map[key] !== 'string')
        errors.push(fieldError(`metadata.${field}[${key}]`, 'must be a string', map[key]));
    }
  }
  return errors;
}
