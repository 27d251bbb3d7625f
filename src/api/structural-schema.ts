import type { TSchema } from 'typebox';
import { OBJECT_META_MARKER } from './meta.js';

export type JsonSchema = Record<string, unknown>;

function copyKeywords(from: JsonSchema, to: JsonSchema, keys: readonly string[]): JsonSchema {
  for (const key of keys) if (key in from) to[key] = from[key];
  return to;
}

/**
 * Turns a TypeBox schema into a Kubernetes structural schema: literal unions become `enum`,
 * records become `additionalProperties`, and metadata becomes a plain object (the API server
 * validates metadata itself). Only JSON Schema keywords are copied, never TypeBox's own `~kind` and
 * `~optional`.
 */
export function toStructuralSchema(schema: TSchema): JsonSchema {
  const plain = schema as unknown as JsonSchema;
  // The API server (1.20) refuses anything but `type: object` on metadata, even a description
  // ("metadata is implicitly specified"); it validates metadata itself. TypeBox copies schemas,
  // so a marker finds it.
  if (plain[OBJECT_META_MARKER] === true) return { type: 'object' };
  const out: JsonSchema = {};
  if (typeof plain.description === 'string') out.description = plain.description;

  if (plain['x-kubernetes-int-or-string'] === true) {
    return { ...out, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  }
  const anyOf = plain.anyOf as JsonSchema[] | undefined;
  if (anyOf) {
    if (anyOf.every((member) => 'const' in member)) {
      const values = anyOf.map((member) => member.const);
      return { ...out, type: typeof values[0] === 'number' ? 'integer' : 'string', enum: values };
    }
    throw new Error(`cannot express a non-literal union in a structural schema: ${JSON.stringify(plain)}`);
  }
  switch (plain.type) {
    case 'object': {
      const properties = plain.properties as Record<string, TSchema> | undefined;
      const patternProperties = plain.patternProperties as Record<string, TSchema> | undefined;
      out.type = 'object';
      if (properties) {
        out.properties = Object.fromEntries(
          Object.entries(properties).map(([key, value]) => [key, toStructuralSchema(value)]),
        );
      }
      if (patternProperties) {
        const [valueSchema] = Object.values(patternProperties);
        if (valueSchema) out.additionalProperties = toStructuralSchema(valueSchema);
      }
      const required = plain.required as string[] | undefined;
      if (required?.length) out.required = [...required];
      copyKeywords(plain, out, ['maxProperties']);
      return out;
    }
    case 'array':
      return copyKeywords(
        plain,
        { ...out, type: 'array', items: toStructuralSchema(plain.items as TSchema) },
        ['maxItems', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys'],
      );
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      copyKeywords(plain, out, ['minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'format']);
      return { type: plain.type, ...out };
    default:
      throw new Error(`unsupported schema in CRD generation: ${JSON.stringify(plain)}`);
  }
}
