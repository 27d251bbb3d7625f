/**
 * JSON with object keys sorted at every level, so the same data always gives the same text whatever
 * order its keys were built in: a conversion annotation must come back byte-identical after a round
 * trip, and two specs are compared regardless of who ordered their keys.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort();
  // fromEntries, not assignment: a key named __proto__ stays a plain key.
  return Object.fromEntries(keys.map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
}
