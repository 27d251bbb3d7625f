// schemaProblems reads TypeBox's errors into one problem per location, in Stow's own words.
import fc from 'fast-check';
import t from 'tap';
import { Type } from 'typebox';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';
import { literalUnion } from '../../../src/api/literal-union.js';
import { schemaProblems } from '../../../src/util/schema-problems.js';

const Schema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 5, pattern: '^[a-z]+$' }),
    size: Type.Integer({ minimum: 1, maximum: 10 }),
    ratio: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    color: Type.Optional(literalUnion(['red', 'green'])),
    inner: Type.Optional(Type.Object({ flag: Type.Boolean() }, { additionalProperties: false })),
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
    list: Type.Optional(Type.Array(Type.String(), { maxItems: 2 })),
  },
  { additionalProperties: false },
);

const read = (value: unknown) =>
  schemaProblems(Schema, value).map(({ pointer, kind, message, value }) => ({
    pointer,
    kind,
    message,
    value,
  }));

t.test('a missing property is reported at its own path, once', async (t) => {
  t.same(read({ name: 'a' }), [
    { pointer: '/size', kind: 'required', message: 'is required', value: undefined },
  ]);
  t.same(read({ name: 'a', size: 1, inner: {} }), [
    { pointer: '/inner/flag', kind: 'required', message: 'is required', value: undefined },
  ]);
});

t.test('a union of literals reads as its values, not as each member failing', async (t) => {
  for (const color of ['blue', 5, null]) {
    t.same(read({ name: 'a', size: 1, color }), [
      { pointer: '/color', kind: 'oneOf', message: 'must be one of red, green', value: color },
    ]);
  }
});

t.test('an unknown property is named, with its value', async (t) => {
  t.same(read({ name: 'a', size: 1, colour: 'red', inner: { flag: true, extra: [1] } }), [
    { pointer: '/colour', kind: 'other', message: 'Unexpected property', value: 'red' },
    { pointer: '/inner/extra', kind: 'other', message: 'Unexpected property', value: [1] },
  ]);
});

t.test('each constraint in words naming the limit', async (t) => {
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ size: '1' }, '/size', 'Expected integer'],
    [{ size: 1.5 }, '/size', 'Expected integer'],
    [{ size: 0 }, '/size', 'Expected integer to be greater or equal to 1'],
    [{ size: 11 }, '/size', 'Expected integer to be less or equal to 10'],
    [{ ratio: 0 }, '/ratio', 'Expected number to be greater than 0'],
    [{ name: '' }, '/name', 'Expected string length greater or equal to 1'],
    [{ name: 'abcdef' }, '/name', 'Expected string length less or equal to 5'],
    [{ name: 'A' }, '/name', "Expected string to match '^[a-z]+$'"],
    [{ inner: [] }, '/inner', 'Expected object'],
    [{ inner: { flag: 'yes' } }, '/inner/flag', 'Expected boolean'],
    [{ list: ['a', 'b', 'c'] }, '/list', 'Expected array length to be less or equal to 2'],
    [{ list: 'a' }, '/list', 'Expected array'],
  ];
  for (const [patch, pointer, message] of cases) {
    const value = { name: 'a', size: 1, ...patch };
    t.same(
      read(value),
      [{ pointer, kind: 'other', message, value: Value.Pointer.Get(value, pointer) }],
      pointer,
    );
  }
  t.same(read([1]), [{ pointer: '', kind: 'other', message: 'Expected object', value: [1] }], 'the root');
});

t.test('keys needing escapes, and a __proto__ key, keep their values', async (t) => {
  const value = JSON.parse('{"name":"a","size":1,"tags":{"a/b":1,"c~d":2,"__proto__":3}}');
  t.same(read(value), [
    { pointer: '/tags/a~1b', kind: 'other', message: 'Expected string', value: 1 },
    { pointer: '/tags/c~0d', kind: 'other', message: 'Expected string', value: 2 },
    { pointer: '/tags/__proto__', kind: 'other', message: 'Expected string', value: 3 },
  ]);
});

t.test('every problem, beyond TypeBox buffering 8 errors, and its setting left as it was', async (t) => {
  const tags = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`t${i}`, i]));
  t.equal(read({ name: 'a', size: 1, tags, color: 'blue' }).length, 21);
  t.equal(Settings.Get().maxErrors, 8);
});

t.test('one problem per location, and none exactly when the value fits', async (t) => {
  fc.assert(
    fc.property(fc.anything(), (value) => {
      const problems = schemaProblems(Schema, value);
      const pointers = problems.map((problem) => problem.pointer);
      return (
        new Set(pointers).size === pointers.length && (problems.length === 0) === Value.Check(Schema, value)
      );
    }),
    { numRuns: 500 },
  );
  t.pass('held for 500 arbitrary values');
});
