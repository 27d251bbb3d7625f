import fc from 'fast-check';
import t from 'tap';
import {
  isAsciiTagText,
  isDnsLabel,
  isDnsSubdomain,
  isEngineVersion,
  isExtensionName,
  isInstanceClass,
  isLowerSqlIdentifier,
  isSqlIdentifier,
} from '../../../src/engine/char-classes.js';

/** The regular expressions the scanners replaced, kept here as their specification. */
const SPECIFICATION: Array<[string, (value: string) => boolean, RegExp]> = [
  ['isSqlIdentifier', isSqlIdentifier, /^[A-Za-z][A-Za-z0-9_]*$/],
  ['isLowerSqlIdentifier', isLowerSqlIdentifier, /^[a-z][a-z0-9_]{0,62}$/],
  ['isExtensionName', isExtensionName, /^[a-z][a-z0-9_-]{0,62}$/],
  ['isDnsLabel', isDnsLabel, /^[a-z]([-a-z0-9]*[a-z0-9])?$/],
  ['isDnsSubdomain', isDnsSubdomain, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/],
  ['isInstanceClass', isInstanceClass, /^db\.[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$/],
  ['isEngineVersion', isEngineVersion, /^(\d+)(\.\d+)?$/],
  ['isAsciiTagText', isAsciiTagText, /^[A-Za-z0-9 _.:/=+\-@]*$/],
];

/** Strings made of the characters these formats care about, plus a few they refuse. */
const ALPHABET = 'abdzAZ09_-.: /=+@~é\u00a0'.split('');
const nearMiss = fc.oneof(
  fc.array(fc.constantFrom(...ALPHABET), { maxLength: 70 }).map((chars) => chars.join('')),
  fc
    .tuple(
      fc.constantFrom('db.', 'db', 'd', ''),
      fc.array(fc.constantFrom(...'am6g.-0'.split('')), { maxLength: 12 }),
    )
    .map(([prefix, chars]) => prefix + chars.join('')),
  fc.array(fc.constantFrom(...'0123456789.'.split('')), { maxLength: 6 }).map((chars) => chars.join('')),
  fc.string({ maxLength: 20 }),
);

for (const [name, scanner, regex] of SPECIFICATION) {
  t.test(`${name} accepts exactly what ${regex} accepts`, async (t) => {
    fc.assert(
      fc.property(nearMiss, (value) => scanner(value) === regex.test(value)),
      { numRuns: 5000 },
    );
    for (const value of ['', 'a', 'A', '0', '-', '.', 'a-', 'a.b', 'db.t3.small', '16', '16.4', '16.', '.4'])
      t.equal(scanner(value), regex.test(value), JSON.stringify(value));
  });
}

t.test('the scanners on typical values', async (t) => {
  t.ok(isInstanceClass('db.m6g.large'));
  t.ok(isInstanceClass('db.r6gd.2xlarge'));
  t.notOk(isInstanceClass('db.m6g'), 'two parts');
  t.notOk(isInstanceClass('m6g.large'), 'no db. prefix');
  t.ok(isDnsSubdomain('orders.payments-1'));
  t.notOk(isDnsSubdomain('orders..payments'), 'empty label');
  t.notOk(isDnsSubdomain('orders.'), 'trailing dot');
  t.ok(isDnsLabel('orders-db'));
  t.notOk(isDnsLabel('1orders'), 'must start with a letter');
  t.ok(isEngineVersion('16.4'));
  t.notOk(isEngineVersion('16.4.1'));
  t.ok(isAsciiTagText('team: payments/eu-west=1+@'));
  t.notOk(isAsciiTagText('équipe'), 'non-ASCII goes to the Unicode check');
});
