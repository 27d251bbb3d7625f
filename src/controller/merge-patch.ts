import { isDeepStrictEqual } from 'node:util';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An RFC 7386 JSON merge patch turning `before` into `after`: changed keys with their new value,
 * removed keys as null, arrays replaced whole. Undefined when nothing differs.
 */
export function createMergePatch(before: unknown, after: unknown): Json | undefined {
  if (!isObject(before) || !isObject(after)) {
    return isDeepStrictEqual(before, after) ? undefined : (structuredClone(after ?? null) as Json);
  }
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(before)) {
    if (!(key in after) || after[key] === undefined) {
      if (before[key] !== undefined) patch[key] = null;
    }
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const child = key in before ? createMergePatch(before[key], value) : (structuredClone(value) as Json);
    if (child !== undefined) patch[key] = child;
  }
  return Object.keys(patch).length ? patch : undefined;
}
