import { readFileSync } from 'node:fs';

/** User and system CPU time of a process, from /proc (clock ticks of 10 ms); NaN once it has gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
