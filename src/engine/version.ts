function parts(version: string): number[] {
  return version.split('.').map((part) => Number.parseInt(part, 10));
}

export function majorVersion(version: string): number {
  return parts(version)[0] ?? Number.NaN;
}

/**
 * True when the running version satisfies the requested one: "16" is met by any 16.x, "16.4" by 16.4
 * or anything newer in the same major (RDS applies minor upgrades on its own and never downgrades).
 * A newer major than requested also satisfies it, since RDS cannot go back.
 */
export function engineVersionSatisfies(running: string, requested: string): boolean {
  const want = parts(requested);
  const have = parts(running);
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? 0;
    const h = have[i] ?? 0;
    if (Number.isNaN(w) || Number.isNaN(h)) return running === requested;
    if (h !== w) return h > w;
  }
  return true;
}
