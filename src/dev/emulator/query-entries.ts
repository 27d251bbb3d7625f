/**
 * Flattens a JSON object shaped like an SDK command input into awsQuery form entries
 * (`Tags: [{Key, Value}]` → `Tags.member.1.Key`), so admin seeding reuses the Query API's parsing.
 */
export function toQueryEntries(input: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(input)) collect(entries, `${prefix}${key}`, value);
  return entries;
}

function collect(entries: Array<[string, string]>, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) collect(entries, `${key}.member.${index + 1}`, item);
  } else if (value instanceof Date) {
    entries.push([key, value.toISOString()]);
  } else if (typeof value === 'object') {
    entries.push(...toQueryEntries(value as Record<string, unknown>, `${key}.`));
  } else {
    entries.push([key, String(value)]);
  }
}
