/** A copy of an instance's data, labelled with when it was complete: it holds nothing written later. */
export interface TimedCopy {
  readonly takenAt: Date;
}

/**
 * What a point-in-time restore to `time` reads: the newest copy taken at or before it (copies in the
 * order they were taken). Undefined when none is: the instance as it was created.
 */
export function latestCopyAtOrBefore<C extends TimedCopy>(copies: readonly C[], time: Date): C | undefined {
  for (let index = copies.length - 1; index >= 0; index--) {
    if (copies[index]!.takenAt.getTime() <= time.getTime()) return copies[index];
  }
  return undefined;
}

/**
 * Which copy to drop so that at most `keep` remain (undefined: none): the first and the newest stay,
 * and of the others the one whose neighbours are closest in time goes, so the copies kept stay spread
 * over the instance's life. Dropping one only makes some restores older, never newer than asked.
 */
export function copyToThin(copies: readonly TimedCopy[], keep: number): number | undefined {
  if (copies.length <= Math.max(keep, 2)) return undefined;
  let chosen: number | undefined;
  let narrowest = Number.POSITIVE_INFINITY;
  for (let index = 1; index < copies.length - 1; index++) {
    const gap = copies[index + 1]!.takenAt.getTime() - copies[index - 1]!.takenAt.getTime();
    if (gap < narrowest) {
      narrowest = gap;
      chosen = index;
    }
  }
  return chosen;
}
