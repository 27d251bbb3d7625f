import { invalidParameterValue } from '../errors.js';
import type { QueryParams } from '../query-params.js';

const maxTagsPerResource = 50;

/** Reads `Tags.Tag.N.Key` / `.Value` pairs, with RDS's limits on keys and values. */
export function readTags(params: QueryParams, name = 'Tags'): Array<[string, string]> {
  return (params.structList(name) ?? []).map((tag) => {
    const key = tag.string('Key');
    const value = tag.string('Value') ?? '';
    if (key === undefined || key.length === 0 || key.length > 128) {
      throw invalidParameterValue('Tag keys must be between 1 and 128 characters long.');
    }
    if (key.toLowerCase().startsWith('aws:') || key.toLowerCase().startsWith('rds:')) {
      throw invalidParameterValue(`Tag keys must not start with 'aws:' or 'rds:': ${key}`);
    }
    if (value.length > 256)
      throw invalidParameterValue(`The value of tag ${key} is longer than 256 characters.`);
    return [key, value];
  });
}

/** Adds or overwrites tags, refusing a result above RDS's 50-tag limit. */
export function mergeTags(target: Map<string, string>, tags: Array<[string, string]>): void {
  const merged = new Map(target);
  for (const [key, value] of tags) merged.set(key, value);
  if (merged.size > maxTagsPerResource) {
    throw invalidParameterValue(`A resource can have at most ${maxTagsPerResource} tags.`);
  }
  for (const [key, value] of tags) target.set(key, value);
}
