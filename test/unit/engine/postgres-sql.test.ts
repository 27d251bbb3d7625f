// Quoting names and values for PostgreSQL, and the SCRAM-SHA-256 verifier. The same properties are
// checked against a real server in test/integration/postgres-database-sql.test.ts.
import fc from 'fast-check';
import t from 'tap';
import {
  quoteIdentifier,
  quoteLiteral,
  SCRAM_ITERATIONS,
  scramSha256Verifier,
} from '../../../src/engine/postgres-sql.js';
import { identifierText } from '../../support/postgres-database.js';
import { readIdentifier, readLiteral } from '../../support/sql-lexer.js';

t.test('any name without NUL of 1-63 bytes quotes to exactly one identifier holding it', async (t) => {
  fc.assert(
    fc.property(identifierText, (name) => {
      const quoted = quoteIdentifier(name);
      const token = readIdentifier(quoted);
      return token !== undefined && token.end === quoted.length && token.value === name;
    }),
    { numRuns: 20_000 },
  );
  t.equal(quoteIdentifier('x"; drop table users; --'), '"x""; drop table users; --"');
});

t.test('any text without NUL quotes to exactly one string literal holding it', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) => {
      fc.pre(!text.includes('\u0000'));
      const quoted = quoteLiteral(text);
      const token = readLiteral(quoted);
      return token !== undefined && token.end === quoted.length && token.value === text;
    }),
    { numRuns: 20_000 },
  );
  t.equal(quoteLiteral("o'brien"), "'o''brien'");
  t.equal(quoteLiteral('a\\b'), "E'a\\\\b'");
});

t.test('what PostgreSQL would change is refused, without echoing the value', async (t) => {
  for (const [name, why] of [
    ['', /empty/],
    ['a\u0000b', /NUL/],
    ['a'.repeat(64), /at most 63 bytes/],
    ['é'.repeat(32), /at most 63 bytes/],
  ] as const) {
    t.throws(() => quoteIdentifier(name), { name: 'UnsafeSqlError', message: why });
  }
  t.doesNotThrow(() => quoteIdentifier('é'.repeat(31)), '62 bytes');
  t.throws(() => quoteLiteral('secret\u0000'), { message: 'an SQL literal cannot hold a NUL byte' });
});

t.test('the SCRAM-SHA-256 verifier: PostgreSQL format, salted, never the password', async (t) => {
  const salt = Buffer.alloc(16, 7);
  const verifier = scramSha256Verifier('correct-horse', { salt });
  t.match(verifier, /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
  t.equal(SCRAM_ITERATIONS, 4096);
  t.equal(scramSha256Verifier('correct-horse', { salt }), verifier, 'the same salt gives the same verifier');
  t.not(
    scramSha256Verifier('correct-horse'),
    scramSha256Verifier('correct-horse'),
    'a random salt each time',
  );
  t.notOk(verifier.includes('correct-horse'));
  for (const bad of ['', 'with space', 'naïve', 'tab\t'])
    t.throws(() => scramSha256Verifier(bad), {
      message: 'a password must be printable ASCII without spaces',
    });
});
