import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';

export interface SchemaProblem {
  /** JSON pointer of the offending value, e.g. `/storage/sizeGiB`. */
  pointer: string;
  kind: 'required' | 'oneOf' | 'other';
  /** `is required`, `must be one of a, b`, or TypeBox's own message. */
  message: string;
  value: unknown;
}

/**
 * Every way a value fails a TypeBox schema, once per location: a missing property is also "not a
 * string/object/…" at the same path, and a union of literals reads as the list of its values. The
 * webhooks and the configuration loader phrase them for their readers.
 */
export function schemaProblems(schema: TSchema, value: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    const members = (error.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
    const problem = { pointer: error.path, value: error.value };
    if (error.type === ValueErrorType.ObjectRequiredProperty)
      problems.push({ ...problem, kind: 'required', message: 'is required' });
    else if (error.type === ValueErrorType.Union && members?.every((member) => 'const' in member)) {
      const values = members.map((member) => String(member.const)).join(', ');
      problems.push({ ...problem, kind: 'oneOf', message: `must be one of ${values}` });
    } else problems.push({ ...problem, kind: 'other', message: error.message });
  }
  return problems;
}
