import { type FieldError, fieldError } from './field-error.js';

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const MIN_WINDOW_MINUTES = 30;
const DAY_INDEX = new Map(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day, index) => [day, index]),
);
const COLON = 58;
const HYPHEN = 45;

/** A window as [start, end) in minutes (of the day or of the week); end < start means it wraps. */
interface Interval {
  start: number;
  end: number;
}

// Windows are read on every admission request, so the two fixed formats are parsed by hand.
function digitAt(value: string, at: number): number {
  const digit = value.charCodeAt(at) - 48;
  return digit >= 0 && digit <= 9 ? digit : -1;
}

/** `hh24:mi` starting at `at`, as minutes of the day; -1 when it is not one. */
function clockAt(value: string, at: number): number {
  const [h1, h2, m1, m2] = [
    digitAt(value, at),
    digitAt(value, at + 1),
    digitAt(value, at + 3),
    digitAt(value, at + 4),
  ];
  if (value.charCodeAt(at + 2) !== COLON || h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0) return -1;
  const hours = h1 * 10 + h2;
  const minutes = m1 * 10 + m2;
  return hours < 24 && minutes < 60 ? hours * 60 + minutes : -1;
}

/** `hh24:mi-hh24:mi` */
export function parseDailyWindow(value: string): Interval | undefined {
  if (value.length !== 11 || value.charCodeAt(5) !== HYPHEN) return undefined;
  const start = clockAt(value, 0);
  const end = clockAt(value, 6);
  return start < 0 || end < 0 ? undefined : { start, end };
}

/** `ddd:hh24:mi-ddd:hh24:mi`, days in any case */
export function parseWeeklyWindow(value: string): Interval | undefined {
  if (value.length !== 19 || value.charCodeAt(3) !== COLON || value.charCodeAt(9) !== HYPHEN)
    return undefined;
  if (value.charCodeAt(13) !== COLON) return undefined;
  const startDay = DAY_INDEX.get(value.slice(0, 3).toLowerCase());
  const endDay = DAY_INDEX.get(value.slice(10, 13).toLowerCase());
  const startClock = clockAt(value, 4);
  const endClock = clockAt(value, 14);
  if (startDay === undefined || endDay === undefined || startClock < 0 || endClock < 0) return undefined;
  return { start: startDay * MINUTES_PER_DAY + startClock, end: endDay * MINUTES_PER_DAY + endClock };
}

function duration(start: number, end: number, period: number): number {
  return (end - start + period) % period;
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

/**
 * The backup window repeats every day, so the maintenance window clashes with it exactly when its
 * projection onto one day does; a maintenance window of a day or more always does.
 */
function windowsClash(daily: Interval, weekly: Interval): boolean {
  const maintenanceLength = arcLength(weekly.start, weekly.end, MINUTES_PER_WEEK);
  return arcsIntersect(
    daily.start,
    arcLength(daily.start, daily.end, MINUTES_PER_DAY),
    mod(weekly.start, MINUTES_PER_DAY),
    Math.min(maintenanceLength, MINUTES_PER_DAY),
    MINUTES_PER_DAY,
  );
}

function backupWindowErrors(value: string, window: Interval | undefined): FieldError[] {
  const path = 'spec.backup.window';
  if (!window) return [fieldError(path, 'must be a UTC time range hh24:mi-hh24:mi, e.g. 03:00-04:00', value)];
  return duration(window.start, window.end, MINUTES_PER_DAY) < MIN_WINDOW_MINUTES
    ? [fieldError(path, `must be at least ${MIN_WINDOW_MINUTES} minutes long`, value)]
    : [];
}

function maintenanceWindowErrors(value: string, window: Interval | undefined): FieldError[] {
  const path = 'spec.maintenanceWindow';
  if (!window)
    return [fieldError(path, 'must be a UTC range ddd:hh24:mi-ddd:hh24:mi, e.g. sun:05:00-sun:06:00', value)];
  return duration(window.start, window.end, MINUTES_PER_WEEK) < MIN_WINDOW_MINUTES
    ? [fieldError(path, `must be at least ${MIN_WINDOW_MINUTES} minutes long`, value)]
    : [];
}

function overlapError(backup: string, maintenance: string): FieldError {
  return fieldError(
    'spec.backup.window',
    `must not overlap spec.maintenanceWindow ${JSON.stringify(maintenance)}`,
    backup,
  );
}

export function validateBackupWindow(value: string | undefined): FieldError[] {
  return value === undefined ? [] : backupWindowErrors(value, parseDailyWindow(value));
}

export function validateMaintenanceWindow(value: string | undefined): FieldError[] {
  return value === undefined ? [] : maintenanceWindowErrors(value, parseWeeklyWindow(value));
}

/** RDS refuses a backup window that overlaps the maintenance window on any day. */
export function validateWindowsDoNotOverlap(
  backup: string | undefined,
  maintenance: string | undefined,
): FieldError[] {
  const daily = backup === undefined ? undefined : parseDailyWindow(backup);
  const weekly = maintenance === undefined ? undefined : parseWeeklyWindow(maintenance);
  return daily && weekly && windowsClash(daily, weekly) ? [overlapError(backup!, maintenance!)] : [];
}

/** Format and length of both windows, and whether they overlap; each window is parsed once. */
export function validateWindows(backup: string | undefined, maintenance: string | undefined): FieldError[] {
  const daily = backup === undefined ? undefined : parseDailyWindow(backup);
  const weekly = maintenance === undefined ? undefined : parseWeeklyWindow(maintenance);
  const errors: FieldError[] = [];
  if (backup !== undefined) errors.push(...backupWindowErrors(backup, daily));
  if (maintenance !== undefined) errors.push(...maintenanceWindowErrors(maintenance, weekly));
  if (daily && weekly && windowsClash(daily, weekly)) errors.push(overlapError(backup!, maintenance!));
  return errors;
}
