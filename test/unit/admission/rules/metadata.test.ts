// validateMetadataShape names every metadata field Stow reads that has the wrong type, and nothing else.
import fc from 'fast-check';
import t from 'tap';
import { validateMetadataShape } from '../../../../src/admission/rules/metadata.js';

const text = fc.string({ maxLength: 8 });
const stringMap = fc.dictionary(text, text, { maxKeys: 3 });
const wellFormed = fc.record(
  {
    name: text,
    generateName: text,
    namespace: text,
    deletionTimestamp: text,
    labels: stringMap,
    annotations: stringMap,
    // Not read by Stow: whatever the API server sends is fine (it sends creationTimestamp: null).
    creationTimestamp: fc.constantFrom(null, '2026-11-21T08:39:41Z'),
    managedFields: fc.array(fc.jsonValue(), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const notAString = fc.jsonValue().filter((value) => typeof value !== 'string');
const notAMap = fc
  .jsonValue()
  .filter((value) => value === null || typeof value !== 'object' || Array.isArray(value));

t.test('the damage the fuzzing found, each named', async (t) => {
  t.same(validateMetadataShape(undefined), [{ path: 'metadata', message: 'is required' }]);
  t.same(validateMetadataShape(null), [{ path: 'metadata', message: 'must be an object', value: null }]);
  t.same(validateMetadataShape([]), [{ path: 'metadata', message: 'must be an object', value: [] }]);
  t.same(validateMetadataShape({ name: 5 }), [
    { path: 'metadata.name', message: 'must be a string', value: 5 },
  ]);
  t.same(validateMetadataShape({ annotations: null }), [
    { path: 'metadata.annotations', message: 'must be a map of strings', value: null },
  ]);
  t.same(validateMetadataShape(JSON.parse('{"labels":{"team":1},"annotations":{"__proto__":"x"}}')), [
    { path: 'metadata.labels[team]', message: 'must be a string', value: 1 },
  ]);
  t.same(validateMetadataShape(JSON.parse('{"annotations":{"__proto__":{}}}')), [
    { path: 'metadata.annotations[__proto__]', message: 'must be a string', value: {} },
  ]);
});

t.test('property: well-formed metadata passes; one damaged field is named, alone', async (t) => {
  fc.assert(fc.property(wellFormed, (metadata) => validateMetadataShape(metadata).length === 0));
  const damage = fc.oneof(
    fc
      .tuple(fc.constantFrom('name', 'generateName', 'namespace', 'deletionTimestamp'), notAString)
      .map(([field, value]) => ({ field, value, path: `metadata.${field}` })),
    fc.tuple(fc.constantFrom('labels', 'annotations'), notAMap).map(([field, value]) => ({
      field,
      value,
      path: `metadata.${field}`,
    })),
    fc
      .tuple(fc.constantFrom('labels', 'annotations'), fc.constantFrom('a', 'b/c'), notAString)
      .map(([field, key, value]) => ({ field, value: { [key]: value }, path: `metadata.${field}[${key}]` })),
  );
  fc.assert(
    fc.property(wellFormed, damage, (metadata, { field, value, path }) => {
      const errors = validateMetadataShape({ ...metadata, [field]: value });
      return errors.length === 1 && errors[0]?.path === path;
    }),
  );
  t.pass('held');
});
