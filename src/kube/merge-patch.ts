import { isDeepStrictEqual } from 'node:util';
import { isJsonObject } from '../util/json-object.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * An RFC 7386 JSON merge patch turning `before` into `after`: changed keys with their new value,
 * removed keys as null, arrays replaced whole. Undefined when nothing differs.
 */
export function createMergePatch(before: unknown, after: unknown): Json | undefined {
  if (!isJsonObject(before) || !isJsonObject(after)) {
    return isDeepStrictEqual(before, after) ? undefined : (structuredClone(after ?? null) as Json);
  }
  // Keys are data (a Secret key or an annotation may be "__proto__"): own properties only, and a
  // patch object without a prototype, so such a key is carried rather than setting a prototype.
  const patch: Record<string, Json> = Object.create(null);
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key) || after[key] === undefined) {
      if (before[key] !== undefined) patch[key] = null;
    }
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const child = Object.hasOwn(before, key)
      ? createMergePatch(before[key], value)
      : (structuredClone(value) as Json);
    if (child !== undefined) patch[key] = child;
  }
  return Object.keys(patch).length ? patch : undefined;
}
