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
  const [, h1, m1, h2, m2] = match as unknown as [string, string, string, string, string];
  return { start: Number(h1) * 60 + Number(m1), end: Number(h2) * 60 + Number(m2) };
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
  return { start: minuteOfWeek(d1, h1, m1), end: minuteOfWeek(d2, h2, m2) };
}

function minuteOfWeek(day: string, hour: string, minute: string): number {
  return DAYS.indexOf(day.toLowerCase()) * MINUTES_PER_DAY + Number(hour) * 60 + Number(minute);
}

function mod(value: number, period: number): number {
  return ((value % period) + period) % period;
}

/** Two arcs on a circle of `period` minutes, each a start and a length (a length of `period` is the whole circle). */
function arcsIntersect(
  start1: number,
  length1: number,
  start2: number,
  length2: number,
  period: number,
): boolean {
  return mod(start2 - start1, period) < length1 || mod(start1 - start2, period) < length2;
}

/** A window whose end equals its start covers the whole period, as in the pieces RDS compares. */
function arcLength(start: number, end: number, period: number): number {
  return duration(start, end, period) || period;
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
  // The backup window repeats every day, so the maintenance window clashes with it exactly when its
  // projection onto one day does; a maintenance window of a day or more always does.
  const maintenanceLength = arcLength(weekly.start, weekly.end, MINUTES_PER_WEEK);
  const clash = arcsIntersect(
    daily.start,
    arcLength(daily.start, daily.end, MINUTES_PER_DAY),
    mod(weekly.start, MINUTES_PER_DAY),
    Math.min(maintenanceLength, MINUTES_PER_DAY),
    MINUTES_PER_DAY,
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

/** Format and length of both windows, and whether they overlap. */
export function validateWindows(backup: string | undefined, maintenance: string | undefined): FieldError[] {
  return [
    ...validateBackupWindow(backup),
    ...validateMaintenanceWindow(maintenance),
    ...validateWindowsDoNotOverlap(backup, maintenance),
  ];
}
