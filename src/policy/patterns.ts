/**
 * Whether `text` matches a policy pattern: `*` stands for any run of characters (none included), `?`
 * for exactly one, everything else for itself. Hand-written (a glob library would bring path rules,
 * braces and escapes that policy patterns do not have); property-tested against an equivalent
 * regular expression.
 */
export function matchesPattern(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starAt = p++;
      resumeAt = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export function matchesAny(patterns: readonly string[], text: string): boolean {
  return patterns.some((pattern) => matchesPattern(pattern, text));
}
