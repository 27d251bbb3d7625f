import { type FieldError, fieldError } from './field-error.js';

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const MIN_WINDOW_MINUTES = 30;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const CLOCK = '([01]\\d|2[0-3]):([0-5]\\d)';
const DAILY = new RegExp(`^${CLOCK}-${CLOCK}$`);
const WEEKLY = new RegExp(`^(${DAYS.join('|')}):${CLOCK}-(${DAYS.join('|')}):${CLOCK}$`, 'i');

/** A window as [start, end) in minutes of the week; end < start means it wraps. */
interface WeekInterval {
  start: number;
  end: number;
}

function duration(start: number, end: number, period: number): number {
  return (end - start + period) % period;
}

export function parseDailyWindow(value: string): { start: number; end: number } | undefined {
  const match = DAILY.exec(value);
  if (!match) return undefined;
  const [, h1, m1, h2, m2] = match.map(Number) as [number, number, number, number, number];
  return { start: h1 * 60 + m1, end: h2 * 60 + m2 };
}

export function parseWeeklyWindow(value: string): WeekInterval | undefined {
  const match = WEEKLY.exec(value);
  if (!match) return undefined;
  const [, d1, h1, m1, d2, h2, m2] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const at = (day: string, h: string, m: string) =>
    DAYS.indexOf(day.toLowerCase()) * MINUTES_PER_DAY + Number(h) * 60 + Number(m);
  return { start: at(d1, h1, m1), end: at(d2, h2, m2) };
}

/** Splits a possibly wrapping interval on a circle of `period` minutes into linear pieces. */
function linearPieces({ start, end }: WeekInterval, period: number): Array<[number, number]> {
  return start < end
    ? [[start, end]]
    : [
        [start, period],
        [0, end],
      ];
}

function overlaps(a: WeekInterval, b: WeekInterval): boolean {
  return linearPieces(a, MINUTES_PER_WEEK).some(([s1, e1]) =>
    linearPieces(b, MINUTES_PER_WEEK).some(([s2, e2]) => s1 < e2 && s2 < e1),
  );
}

export function validateBackupWindow(value: string | undefined): FieldError[] {
  if (value === undefined) return [];
  const path = 'spec.backup.window';
  const window = parseDailyWindow(value);
  if (!window) return [fieldError(path, 'must be a UTC time range hh24:mi-hh24:mi, e.g. 03:00-04:00', value)];
  return duration(window.start, window.end, MINUTES_PER_DAY) < MIN_WINDOW_MINUTES
    ? [fieldError(path, `must be at least ${MIN_WINDOW_MINUTES} minutes long`, value)]
    : [];
}

export function validateMaintenanceWindow(value: string | undefined): FieldError[] {
  if (value === undefined) return [];
  const path = 'spec.maintenanceWindow';
  const window = parseWeeklyWindow(value);
  if (!window)
    return [fieldError(path, 'must be a UTC range ddd:hh24:mi-ddd:hh24:mi, e.g. sun:05:00-sun:06:00', value)];
  return duration(window.start, window.end, MINUTES_PER_WEEK) < MIN_WINDOW_MINUTES
    ? [fieldError(path, `must be at least ${MIN_WINDOW_MINUTES} minutes long`, value)]
    : [];
}

/** RDS refuses a backup window that overlaps the maintenance window on any day. */
export function validateWindowsDoNotOverlap(
  backup: string | undefined,
  maintenance: string | undefined,
): FieldError[] {
  if (backup === undefined || maintenance === undefined) return [];
  const daily = parseDailyWindow(backup);
  const weekly = parseWeeklyWindow(maintenance);
  if (!daily || !weekly) return [];
  const clash = DAYS.some((_, day) =>
    overlaps(
      {
        start: day * MINUTES_PER_DAY + daily.start,
        end:
          (day * MINUTES_PER_DAY + daily.end + (daily.end < daily.start ? MINUTES_PER_DAY : 0)) %
          MINUTES_PER_WEEK,
      },
      weekly,
    ),
  );
  return clash
    ? [
        fieldError(
          'spec.backup.window',
          `must not overlap spec.maintenanceWindow ${JSON.stringify(maintenance)}`,
          backup,
        ),
      ]
    : [];
}
