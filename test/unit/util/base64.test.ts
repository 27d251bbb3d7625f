// utf8Base64 takes a shortcut for ASCII text; its answer is Buffer's for every string.
import fc from 'fast-check';
import t from 'tap';
import { utf8Base64 } from '../../../src/util/base64.js';

const viaBuffer = (text: string) => Buffer.from(text).toString('base64');
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

t.test('edges: empty, ASCII, Latin-1, multi-byte, astral, lone surrogate', async (t) => {
  for (const text of ['', 'a', '[{"op":"add"}]', '\x7f', '\x80', 'é', 'ÿ', '€', '𝄞', '\ud800', 'x\udfffy']) {
    t.equal(utf8Base64(text), viaBuffer(text), JSON.stringify(text));
  }
  t.equal(Buffer.from(utf8Base64('café'), 'base64').toString(), 'café', 'decodes back to the text');
});

t.test('same answer as Buffer for any string', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => utf8Base64(text) === viaBuffer(text)));
  fc.assert(fc.property(fc.string({ unit: anyCodeUnit }), (text) => utf8Base64(text) === viaBuffer(text)));
  fc.assert(
    fc.property(fc.json(), (json) => utf8Base64(json) === viaBuffer(json)),
    { numRuns: 500 },
  );
  t.pass('property held for 100 binary strings, 100 code-unit strings and 500 JSON texts');
});
