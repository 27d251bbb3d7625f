import { type TLiteral, type TSchemaOptions, type TUnion, Type } from 'typebox';

type Literals<Values extends readonly string[]> = { -readonly [K in keyof Values]: TLiteral<Values[K]> };

/**
 * One of a list of strings, as a union of literals (the CRD's `enum`). TypeBox infers a union's type
 * only from a tuple of members, so the list's own tuple type is carried over to the members.
 */
export function literalUnion<const Values extends readonly string[]>(
  values: Values,
  options?: TSchemaOptions,
): TUnion<Literals<Values>> {
  const members = values.map((value) => Type.Literal(value)) as [...Literals<Values>];
  return Type.Union(members, options);
}
