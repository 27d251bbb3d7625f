import fc from 'fast-check';
import t from 'tap';
import { createMergePatch } from '../../../src/kube/merge-patch.js';

/** RFC 7386 apply, for checking. */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = Object.assign(
    Object.create(null),
    typeof target === 'object' && target !== null && !Array.isArray(target) ? target : {},
  );
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value);
  }
  return result;
}

t.test('examples', async (t) => {
  t.equal(createMergePatch({ a: 1 }, { a: 1 }), undefined);
  t.same(createMergePatch({ a: 1, b: 2 }, { a: 1 }), { b: null });
  t.same(createMergePatch({ a: { x: 1, y: 2 } }, { a: { x: 1, y: 3 } }), { a: { y: 3 } });
  t.same(createMergePatch({ a: [1, 2] }, { a: [1] }), { a: [1] });
  t.same(createMergePatch({}, { c: { d: 1 } }), { c: { d: 1 } });
});

/** A merge patch cannot carry null as a value (null means "remove"); status never holds one. */
function withoutNulls(value: unknown): unknown {
  if (value === null) return 0;
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, withoutNulls(v)]));
  return value;
}

t.test('"__proto__" is a key like any other (it is a valid Secret key and annotation name)', async (t) => {
  const before = JSON.parse('{"data":{"__proto__":"b2xk","a":"eA=="}}');
  const after = JSON.parse('{"data":{"__proto__":"bmV3","a":"eA=="}}');
  const patch = createMergePatch(before, after);
  t.equal(JSON.stringify(patch), '{"data":{"__proto__":"bmV3"}}');
  t.equal(Object.getPrototypeOf({}), Object.prototype, 'no prototype was touched');
  t.equal(JSON.stringify(createMergePatch({}, JSON.parse('{"__proto__":{"x":1}}'))), '{"__proto__":{"x":1}}');
  t.equal(JSON.stringify(createMergePatch(JSON.parse('{"__proto__":1}'), {})), '{"__proto__":null}');
});

t.test('applying the patch yields the target', async (t) => {
  const json = fc.jsonValue({ maxDepth: 3 }).map(withoutNulls);
  const object = fc.dictionary(fc.string({ maxLength: 3 }), json, { maxKeys: 5 });
  fc.assert(
    fc.property(object, object, (before, after) => {
      const patch = createMergePatch(before, after);
      const result = patch === undefined ? before : applyMergePatch(before, patch);
      t.same(JSON.parse(JSON.stringify(result)), JSON.parse(JSON.stringify(after)));
      return true;
    }),
    { numRuns: 2000 },
  );
});
