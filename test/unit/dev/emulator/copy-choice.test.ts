import t from 'tap';
import {
  copyToThin,
  latestCopyAtOrBefore,
  type TimedCopy,
} from '../../../../src/dev/emulator/copy-choice.js';

const at = (...seconds: number[]): TimedCopy[] => seconds.map((s) => ({ takenAt: new Date(s * 1000) }));
const time = (seconds: number) => new Date(seconds * 1000);

t.test('latestCopyAtOrBefore: the newest copy taken at or before the time', async (t) => {
  const copies = at(10, 20, 30);
  t.equal(
    latestCopyAtOrBefore(copies, time(9)),
    undefined,
    'before the first: none (the instance as created)',
  );
  t.equal(latestCopyAtOrBefore(copies, time(10)), copies[0], 'at a copy: that copy');
  t.equal(latestCopyAtOrBefore(copies, time(19.999)), copies[0]);
  t.equal(latestCopyAtOrBefore(copies, time(20)), copies[1]);
  t.equal(latestCopyAtOrBefore(copies, time(29)), copies[1]);
  t.equal(latestCopyAtOrBefore(copies, time(1e6)), copies[2], 'after the newest: the newest');
  t.equal(latestCopyAtOrBefore([], time(1)), undefined, 'no copies at all');
  const same = at(10, 10);
  t.equal(latestCopyAtOrBefore(same, time(10)), same[1], 'equal times: the one taken later');
});

t.test('latestCopyAtOrBefore never picks a copy taken after the time', async (t) => {
  const copies = at(1, 2, 3, 5, 8, 13, 21);
  for (let s = 0; s <= 25; s += 0.5) {
    const chosen = latestCopyAtOrBefore(copies, time(s));
    const expected = copies.filter((copy) => copy.takenAt <= time(s)).at(-1);
    t.equal(chosen, expected, `at ${s} s`);
  }
});

t.test('copyToThin: nothing while within the count', async (t) => {
  t.equal(copyToThin([], 3), undefined);
  t.equal(copyToThin(at(1, 2, 3), 3), undefined);
  t.equal(copyToThin(at(1, 2), 0), undefined, 'the first and the newest always stay');
  t.equal(copyToThin(at(1, 2, 3), 1), 1, 'below 2 means 2');
});

t.test('copyToThin: the copy whose neighbours are closest, never the first or the newest', async (t) => {
  t.equal(copyToThin(at(0, 10, 11, 12, 30), 4), 2, 'in the densest stretch');
  t.equal(copyToThin(at(0, 1, 2, 3), 3), 1, 'ties: the oldest');
  t.equal(copyToThin(at(0, 50, 99, 100), 3), 2);
});

t.test('thinning repeatedly keeps the copies spread over the whole life', async (t) => {
  const copies = at(...Array.from({ length: 100 }, (_, i) => i));
  for (let index = copyToThin(copies, 5); index !== undefined; index = copyToThin(copies, 5))
    copies.splice(index, 1);
  const seconds = copies.map((copy) => copy.takenAt.getTime() / 1000);
  t.equal(seconds.length, 5);
  t.equal(seconds[0], 0, 'the first stays');
  t.equal(seconds.at(-1), 99, 'the newest stays');
  const gaps = seconds.slice(1).map((s, i) => s - seconds[i]!);
  t.ok(Math.max(...gaps) <= 2 * Math.min(...gaps), `gaps within a factor of two: ${gaps}`);
});
