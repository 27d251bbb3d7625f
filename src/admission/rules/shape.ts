import type { TSchema } from 'typebox';
import type { Validator } from 'typebox/compile';
import { schemaProblems } from '../../util/schema-problems.js';
import { type FieldError, fieldError } from './field-error.js';

/**
 * Type errors of a kind's spec against its schema (a bypassed webhook or a hand-edited object can hold
 * anything), one per field. The compiled check answers the common case, a well-formed spec, cheaply.
 */
export function specShapeErrors(checker: Validator, schema: TSchema, spec: unknown): FieldError[] {
  if (spec === null || typeof spec !== 'object')
    return [fieldError('spec', 'is required and must be an object', spec ?? null)];
  if (checker.Check(spec)) return [];
  return schemaProblems(schema, spec).map((problem) =>
    fieldError(
      `spec${pointerToPath(problem.pointer)}`,
      problem.kind === 'other' ? problem.message.toLowerCase() : problem.message,
      problem.value,
    ),
  );
}

/** JSON pointer `/storage/sizeGiB`, `/securityGroupIds/0`, `/tags/a~1b` → `.storage.sizeGiB`, `.securityGroupIds[0]`, `.tags[a/b]`. */
function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) ? `.${segment}` : `[${segment}]`))
    .join('');
}
