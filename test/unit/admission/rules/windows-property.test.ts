import fc from 'fast-check';
import t from 'tap';
import {
  validateBackupWindow,
  validateMaintenanceWindow,
  validateWindowsDoNotOverlap,
} from '../../../../src/admission/rules/windows.js';

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

/** The regular expressions the parsers replaced, kept here as their specification. */
const CLOCK = '([01]\\d|2[0-3]):([0-5]\\d)';
const DAILY = new RegExp(`^${CLOCK}-${CLOCK}$`);
const WEEKLY = new RegExp(`^(${DAYS.join('|')}):${CLOCK}-(${DAYS.join('|')}):${CLOCK}$`, 'i');

t.test('the window parsers accept exactly what the RDS formats allow', async (t) => {
  const near = (template: string) =>
    fc
      .array(fc.constantFrom(...'0123456789:-aAsSuUnNmMoOtTwWeEdDhHfFrRiI x'.split('')), {
        minLength: template.length - 1,
        maxLength: template.length + 1,
      })
      .map((chars) => chars.join(''));
  const validDaily = fc
    .tuple(fc.integer({ min: 0, max: DAY - 1 }), fc.integer({ min: 0, max: DAY - 1 }))
    .map(([a, b]) => `${clock(a)}-${clock(b)}`);
  const validWeekly = fc
    .tuple(fc.integer({ min: 0, max: WEEK - 1 }), fc.integer({ min: 0, max: WEEK - 1 }), fc.boolean())
    .map(([a, b, upper]) => {
      const text = `${DAYS[Math.floor(a / DAY)]}:${clock(a % DAY)}-${DAYS[Math.floor(b / DAY)]}:${clock(b % DAY)}`;
      return upper ? text.toUpperCase() : text;
    });
  fc.assert(
    fc.property(fc.oneof(near('hh:mm-hh:mm'), validDaily, fc.string({ maxLength: 12 })), (text) => {
      return validateBackupWindow(text).some((e) => /must be a UTC/.test(e.message)) === !DAILY.test(text);
    }),
    { numRuns: 5000 },
  );
  fc.assert(
    fc.property(fc.oneof(near('ddd:hh:mm-ddd:hh:mm'), validWeekly, fc.string({ maxLength: 20 })), (text) => {
      return (
        validateMaintenanceWindow(text).some((e) => /must be a UTC/.test(e.message)) === !WEEKLY.test(text)
      );
    }),
    { numRuns: 5000 },
  );
  t.pass('10,000 strings: the parsers agree with the regular expressions');
});
