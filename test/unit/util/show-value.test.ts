// showValue quotes a value in a message: JSON, cut to a bounded length, and it never throws.
import fc from 'fast-check';
import t from 'tap';
import { SHOWN_VALUE_MAX_CHARS, showValue } from '../../../src/util/show-value.js';

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

t.test('short values are their JSON', async (t) => {
  for (const value of ['db.t3.small', 5, null, true, [1, 'a'], { a: { b: [] } }, '', 'é😀']) {
    t.equal(showValue(value), JSON.stringify(value));
  }
  t.equal(showValue(undefined), 'undefined');
});

t.test('long values are cut, and their length given', async (t) => {
  const huge = 'x'.repeat(5_000_000);
  const shown = showValue(huge);
  t.equal(shown, `"${'x'.repeat(SHOWN_VALUE_MAX_CHARS - 1)}… (5000002 characters)`);
  t.equal(
    showValue(`${'x'.repeat(SHOWN_VALUE_MAX_CHARS - 2)}😀😀`).includes('\ud83d…'),
    false,
    'no half pair',
  );
});

t.test('a value too deep for JSON.stringify is described, not thrown', async (t) => {
  const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  t.equal(showValue(deep), 'a value nested too deeply to show');
});

t.test('property: the JSON text, or its first characters and its length', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), fc.string({ unit: anyCodeUnit, maxLength: 400 })), (value) => {
      const json = JSON.stringify(value);
      const shown = showValue(value);
      if (json.length <= SHOWN_VALUE_MAX_CHARS) return shown === json;
      const [head, tail] = shown.split('… (');
      return (
        json.startsWith(head as string) &&
        (head as string).length >= SHOWN_VALUE_MAX_CHARS - 1 &&
        tail === `${json.length} characters)`
      );
    }),
    { numRuns: 2000 },
  );
  t.pass('held for 2000 values');
});
