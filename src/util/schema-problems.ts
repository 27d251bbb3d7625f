import type { TSchema } from 'typebox';
import type { TLocalizedValidationError } from 'typebox/error';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';

export interface SchemaProblem {
  /** JSON pointer of the offending value, e.g. `/storage/sizeGiB`. */
  pointer: string;
  kind: 'required' | 'oneOf' | 'other';
  /** `is required`, `must be one of a, b`, or what the value was expected to be. */
  message: string;
  value: unknown;
}

/**
 * Every way a value fails a TypeBox schema, once per location: a missing property is reported at its
 * own path, a union of literals reads as the list of its values (not as each member's failure), and
 * the rest in Stow's own words, whatever TypeBox's wording. The webhooks and the configuration
 * loader phrase them for their readers.
 */
export function schemaProblems(schema: TSchema, value: unknown): SchemaProblem[] {
  const errors = everyError(schema, value);
  const unions = errors
    .filter((error) => error.keyword === 'anyOf')
    .map((error) => `${error.schemaPath}/anyOf/`);
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  const add = (pointer: string, kind: SchemaProblem['kind'], message: string) => {
    if (seen.has(pointer)) return;
    seen.add(pointer);
    problems.push({ pointer, kind, message, value: kind === 'required' ? undefined : at(value, pointer) });
  };
  for (const error of errors) {
    if (unions.some((union) => error.schemaPath.startsWith(union))) continue;
    const subschema = at(schema, error.schemaPath.slice(1)) as Record<string, unknown>;
    switch (error.keyword) {
      case 'required':
        for (const key of error.params.requiredProperties)
          add(child(error.instancePath, key), 'required', 'is required');
        break;
      case 'additionalProperties':
        for (const key of error.params.additionalProperties)
          add(child(error.instancePath, key), 'other', 'Unexpected property');
        break;
      case 'boolean':
        // `additionalProperties: false` failing, for each property; reported once above, by name.
        if (!error.schemaPath.endsWith('/additionalProperties'))
          add(error.instancePath, 'other', error.message);
        break;
      case 'anyOf': {
        const members = (subschema.anyOf ?? []) as Array<Record<string, unknown>>;
        if (members.length && members.every((member) => 'const' in member)) {
          const values = members.map((member) => String(member.const)).join(', ');
          add(error.instancePath, 'oneOf', `must be one of ${values}`);
        } else add(error.instancePath, 'other', 'Expected union value');
        break;
      }
      default:
        add(error.instancePath, 'other', expectation(error, subschema.type));
    }
  }
  return problems;
}

/** TypeBox keeps 8 errors by default, and a failed union spends one per member: Stow reports them all. */
function everyError(schema: TSchema, value: unknown): TLocalizedValidationError[] {
  const { maxErrors } = Settings.Get();
  Settings.Set({ maxErrors: Number.POSITIVE_INFINITY });
  try {
    return Value.Errors(schema, value);
  } finally {
    Settings.Set({ maxErrors });
  }
}

function expectation(error: TLocalizedValidationError, type: unknown): string {
  switch (error.keyword) {
    case 'type':
      return `Expected ${[error.params.type].flat().join(' or ')}`;
    case 'minimum':
      return `Expected ${type} to be greater or equal to ${error.params.limit}`;
    case 'maximum':
      return `Expected ${type} to be less or equal to ${error.params.limit}`;
    case 'exclusiveMinimum':
      return `Expected ${type} to be greater than ${error.params.limit}`;
    case 'exclusiveMaximum':
      return `Expected ${type} to be less than ${error.params.limit}`;
    case 'minLength':
      return `Expected string length greater or equal to ${error.params.limit}`;
    case 'maxLength':
      return `Expected string length less or equal to ${error.params.limit}`;
    case 'pattern':
      return `Expected string to match '${error.params.pattern}'`;
    case 'format':
      return `Expected string to match '${error.params.format}' format`;
    case 'minItems':
      return `Expected array length to be greater or equal to ${error.params.limit}`;
    case 'maxItems':
      return `Expected array length to be less or equal to ${error.params.limit}`;
    case 'const':
      return typeof error.params.allowedValue === 'string'
        ? `Expected '${error.params.allowedValue}'`
        : `Expected ${error.params.allowedValue}`;
    default:
      return error.message;
  }
}

function child(pointer: string, key: string): string {
  return `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** What a JSON pointer points at, through own properties only (a key may be `__proto__`). */
function at(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
