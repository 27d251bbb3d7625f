import fc from 'fast-check';
import t from 'tap';
import { validateWindowsDoNotOverlap } from '../../src/validation/windows.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY = 1440;
const WEEK = 7 * DAY;
const clock = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** Minutes of the week covered by [start, end), wrapping; equal ends cover the whole period. */
function cover(start: number, end: number, period: number, offset: number, into: Uint8Array, bit: number) {
  const length = (end - start + period) % period || period;
  for (let i = 0; i < length; i++) into[(offset + start + i) % WEEK]! |= bit;
}

function bruteForceClash(backup: [number, number], maintenance: [number, number]): boolean {
  const week = new Uint8Array(WEEK);
  for (let day = 0; day < 7; day++) cover(backup[0], backup[1], DAY, day * DAY, week, 1);
  cover(maintenance[0], maintenance[1], WEEK, 0, week, 2);
  return week.some((v) => v === 3);
}

t.test('the backup/maintenance overlap check agrees with a minute-by-minute check', async (t) => {
  const minuteOfDay = fc.integer({ min: 0, max: DAY - 1 });
  const minuteOfWeek = fc.integer({ min: 0, max: WEEK - 1 });
  fc.assert(
    fc.property(
      fc.tuple(minuteOfDay, minuteOfDay),
      fc.tuple(minuteOfWeek, minuteOfWeek),
      (backup, maintenance) => {
        const backupText = `${clock(backup[0])}-${clock(backup[1])}`;
        const weekly = (m: number) => `${DAYS[Math.floor(m / DAY)]}:${clock(m % DAY)}`;
        const maintenanceText = `${weekly(maintenance[0])}-${weekly(maintenance[1])}`;
        const reported = validateWindowsDoNotOverlap(backupText, maintenanceText).length > 0;
        return reported === bruteForceClash(backup, maintenance);
      },
    ),
    { numRuns: 3000 },
  );
  t.pass('3000 random window pairs agree');
});
