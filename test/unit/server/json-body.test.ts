// The webhook's JSON body parser gives JSON.parse's answers. Until ADR 0014 it refused `__proto__` and
// `constructor.prototype` keys as Fastify's default parser does; such keys are legal in a PostgresDB
// (spec.tags, objects stored while the webhooks were off), so they are now kept as plain own keys, and
// nothing's prototype changes.
import fc from 'fast-check';
import t from 'tap';
import { parseJsonBody } from '../../../src/server/json-body.js';

type Outcome = { value: unknown } | { error: string };

function outcome(parse: () => unknown): Outcome {
  try {
    return { value: parse() };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? 'thrown' };
  }
}

/** Every object and array in `value` still has the prototype JSON.parse gives it. */
function plainPrototypes(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  const expected = Array.isArray(value) ? Array.prototype : Object.prototype;
  return Object.getPrototypeOf(value) === expected && Object.values(value).every(plainPrototypes);
}

t.test('plain JSON parses as JSON.parse does', async (t) => {
  const text = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    request: { uid: 'u', object: { a: [1, 'x'] } },
  });
  t.same(parseJsonBody(text), JSON.parse(text));
  t.same(parseJsonBody('\uFEFF{"a":1}'), { a: 1 }, "a byte-order mark is skipped, as Fastify's parser does");
});

t.test(
  '__proto__ and constructor.prototype keys are kept as own keys, however they are written',
  async (t) => {
    const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
    for (const [text, path] of [
      ['{"__proto__":{"admin":true}}', ['__proto__']],
      ['{"a":{"__proto__":{"admin":true}}}', ['a', '__proto__']],
      ['{"\\u005f_proto__":{"admin":true}}', ['__proto__']],
      ['{"\\u005F\\u005Fproto\\u005f\\u005f" :{"admin":true}}', ['__proto__']],
      ['{"constructor":{"prototype":{"admin":true}}}', ['constructor', 'prototype']],
      ['{"a":[{"constru\\u0063tor":{"prototype":{"admin":true}}}]}', ['a', '0', 'constructor', 'prototype']],
    ] as const) {
      const parsed = parseJsonBody(text);
      let node: unknown = parsed;
      for (const key of path) {
        t.ok(Object.hasOwn(node as object, key), `${text}: ${key} is an own key`);
        node = (node as Record<string, unknown>)[key];
      }
      t.same(node, { admin: true }, `${text}: its value is plain data`);
      t.ok(plainPrototypes(parsed), `${text}: no prototype was set`);
      t.same(
        JSON.parse(JSON.stringify(parsed)),
        JSON.parse(text),
        `${text}: serialises back to the same JSON`,
      );
    }
    t.equal(({} as { admin?: boolean }).admin, undefined, 'Object.prototype holds no admin');
    t.same(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeNames, 'Object.prototype unchanged');
  },
);

t.test("empty and malformed bodies get Fastify's own errors", async (t) => {
  t.throws(() => parseJsonBody(''), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 });
  t.throws(() => parseJsonBody('{"a":'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
  t.throws(() => parseJsonBody('\uFEFF'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
  t.throws(() => parseJsonBody('\uFEFF{"a":'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
});

t.test('property: the same value or the same refusal as JSON.parse, and no prototype set', async () => {
  const key = fc.constantFrom(
    '"__proto__"',
    '"constructor"',
    '"prototype"',
    '"\\u005f_proto__"',
    '"constru\\u0063tor"',
    '"proto"',
    '"a"',
    '"b\\u0041"',
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('1', 'true', 'null', '"x"', '"__proto__"', '"\\u0063"', '{', '"'),
      fc.array(tie('value') as fc.Arbitrary<string>, { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
      fc
        .array(fc.tuple(key, tie('value') as fc.Arbitrary<string>), { maxLength: 3 })
        .map((members) => `{${members.map(([k, v]) => `${k}:${v}`).join(',')}}`),
    ),
  }));
  fc.assert(
    fc.property(value as fc.Arbitrary<string>, fc.boolean(), (body, withMark) => {
      const text = withMark ? `\uFEFF${body}` : body;
      const ours = outcome(() => parseJsonBody(text));
      const reference = outcome(() => JSON.parse(body));
      if ('error' in reference) return 'error' in ours && ours.error === 'FST_ERR_CTP_INVALID_JSON_BODY';
      return (
        'value' in ours &&
        JSON.stringify(ours.value) === JSON.stringify(reference.value) &&
        plainPrototypes(ours.value) &&
        ({} as { [key: string]: unknown }).x === undefined
      );
    }),
    { numRuns: 2000 },
  );
});
