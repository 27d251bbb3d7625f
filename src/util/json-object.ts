export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object without keys whose value is undefined (JSON has no undefined; deep-equal tests would see them). */
export function withoutUndefined<T extends JsonObject>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/** The object, or undefined when it has no keys. */
export function unlessEmpty<T extends JsonObject>(object: T): T | undefined {
  for (const _ in object) return object;
  return undefined;
}
