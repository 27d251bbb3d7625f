// The webhook's JSON body parser gives the same answers as Fastify's default one (secure-json-parse,
// refusing __proto__ and constructor.prototype keys), however the keys are spelled.
import fc from 'fast-check';
import secureJson from 'secure-json-parse';
import t from 'tap';
import { parseJsonBody } from '../../src/webhooks/json-body.js';

const REJECT = { protoAction: 'error', constructorAction: 'error' } as const;

type Outcome = { value: unknown } | { error: string };

function outcome(parse: () => unknown): Outcome {
  try {
    return { value: parse() };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? 'thrown' };
  }
}

t.test('plain JSON parses as JSON.parse does', async (t) => {
  const text = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    request: { uid: 'u', object: { a: [1, 'x'] } },
  });
  t.same(parseJsonBody(text), JSON.parse(text));
  t.same(parseJsonBody('\uFEFF{"a":1}'), { a: 1 }, 'a byte-order mark is skipped, as secure-json-parse does');
});

t.test('poisoned keys are refused however they are written', async (t) => {
  for (const text of [
    '{"__proto__":{"admin":true}}',
    '{"a":{"__proto__":{}}}',
    '{"\\u005f_proto__":{}}',
    '{"\\u005F\\u005Fproto\\u005f\\u005f" :{}}',
    '{"constructor":{"prototype":{"admin":true}}}',
    '{"a":[{"constru\\u0063tor":{"prototype":{}}}]}',
  ]) {
    t.throws(() => parseJsonBody(text), { code: 'FST_ERR_CTP_INVALID_JSON_BODY' }, text);
  }
  t.same(
    parseJsonBody('{"constructor":"a tag value"}'),
    { constructor: 'a tag value' },
    'only constructor.prototype is poison',
  );
});

t.test("empty and malformed bodies get Fastify's own errors", async (t) => {
  t.throws(() => parseJsonBody(''), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 });
  t.throws(() => parseJsonBody('{"a":'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
});

t.test('property: the same value or the same refusal as secure-json-parse', async () => {
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
      fc.constantFrom('1', 'true', 'null', '"x"', '"__proto__"', '"\\u0063"'),
      fc.array(tie('value') as fc.Arbitrary<string>, { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
      fc
        .array(fc.tuple(key, tie('value') as fc.Arbitrary<string>), { maxLength: 3 })
        .map((members) => `{${members.map(([k, v]) => `${k}:${v}`).join(',')}}`),
    ),
  }));
  fc.assert(
    fc.property(value as fc.Arbitrary<string>, (text) => {
      const ours = outcome(() => parseJsonBody(text));
      const library = outcome(() => secureJson.parse(text, undefined, REJECT));
      if ('error' in library) return 'error' in ours && ours.error === 'FST_ERR_CTP_INVALID_JSON_BODY';
      return 'value' in ours && JSON.stringify(ours.value) === JSON.stringify(library.value);
    }),
    { numRuns: 2000 },
  );
});
