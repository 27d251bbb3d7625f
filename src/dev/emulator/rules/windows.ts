import { invalidParameterCombination, invalidParameterValue } from '../errors.js';

const minutesPerDay = 24 * 60;
const minutesPerWeek = 7 * minutesPerDay;
const minimumWindowMinutes = 30;
const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

interface Window {
  start: number;
  length: number;
}

/** `hh24:mi-hh24:mi` in UTC, at least 30 minutes; returns the window as RDS stores it. */
export function parseBackupWindow(raw: string): string {
  toBackupWindow(raw);
  return raw;
}

/** `ddd:hh24:mi-ddd:hh24:mi` in UTC, at least 30 minutes; RDS stores the days in lower case. */
export function parseMaintenanceWindow(raw: string): string {
  const normalized = raw.toLowerCase();
  toMaintenanceWindow(normalized);
  return normalized;
}

export function validateWindowsDoNotOverlap(backupWindow: string, maintenanceWindow: string): void {
  const backup = toBackupWindow(backupWindow);
  const maintenance = toMaintenanceWindow(maintenanceWindow);
  for (let day = 0; day < 7; day++) {
    const daily = { start: day * minutesPerDay + backup.start, length: backup.length };
    if (overlapOnCircle(daily, maintenance, minutesPerWeek)) {
      throw invalidParameterCombination('The backup window and maintenance window must not overlap.');
    }
  }
}

function toBackupWindow(raw: string): Window {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(raw);
  const start = match ? minuteOfDay(match[1]!, match[2]!) : undefined;
  const end = match ? minuteOfDay(match[3]!, match[4]!) : undefined;
  if (start === undefined || end === undefined) {
    throw invalidParameterValue(
      `The parameter PreferredBackupWindow must be in the format hh24:mi-hh24:mi: ${raw}`,
    );
  }
  return checkedLength('PreferredBackupWindow', start, end, minutesPerDay);
}

function toMaintenanceWindow(raw: string): Window {
  const match = /^([a-z]{3}):(\d{2}):(\d{2})-([a-z]{3}):(\d{2}):(\d{2})$/.exec(raw);
  const start = match ? minuteOfWeek(match[1]!, match[2]!, match[3]!) : undefined;
  const end = match ? minuteOfWeek(match[4]!, match[5]!, match[6]!) : undefined;
  if (start === undefined || end === undefined) {
    throw invalidParameterValue(
      `The parameter PreferredMaintenanceWindow must be in the format ddd:hh24:mi-ddd:hh24:mi: ${raw}`,
    );
  }
  return checkedLength('PreferredMaintenanceWindow', start, end, minutesPerWeek);
}

function checkedLength(parameter: string, start: number, end: number, period: number): Window {
  const length = (end - start + period) % period;
  if (length < minimumWindowMinutes) {
    throw invalidParameterValue(
      `The parameter ${parameter} must be at least ${minimumWindowMinutes} minutes long.`,
    );
  }
  return { start, length };
}

function minuteOfDay(hours: string, minutes: string): number | undefined {
  const h = Number(hours);
  const m = Number(minutes);
  return h < 24 && m < 60 ? h * 60 + m : undefined;
}

function minuteOfWeek(day: string, hours: string, minutes: string): number | undefined {
  const dayIndex = days.indexOf(day);
  const ofDay = minuteOfDay(hours, minutes);
  return dayIndex === -1 || ofDay === undefined ? undefined : dayIndex * minutesPerDay + ofDay;
}

function overlapOnCircle(a: Window, b: Window, period: number): boolean {
  const bFromA = (((b.start - a.start) % period) + period) % period;
  const aFromB = (((a.start - b.start) % period) + period) % period;
  return bFromA < a.length || aFromB < b.length;
}
