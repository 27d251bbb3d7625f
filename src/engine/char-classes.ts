// Name and text formats checked on every admission request. Each scanner accepts exactly what the
// regular expression in its comment accepts (test/unit/engine/char-classes.test.ts checks that
// on random strings); a loop over char codes costs a fraction of a RegExp call inside the server.

/** PostgreSQL keeps identifiers to 63 bytes (NAMEDATALEN - 1) and cuts longer ones without an error. */
export const MAX_IDENTIFIER_BYTES = 63;

const isLower = (c: number) => c >= 97 && c <= 122;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isLowerOrDigit = (c: number) => isLower(c) || isDigit(c);
const DOT = 46;
const HYPHEN = 45;
const UNDERSCORE = 95;

/** `^[A-Za-z][A-Za-z0-9_]*$` */
export function isSqlIdentifier(value: string): boolean {
  const first = value.charCodeAt(0);
  if (!(isLower(first) || isUpper(first))) return false;
  for (let i = 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!(isLower(c) || isUpper(c) || isDigit(c) || c === UNDERSCORE)) return false;
  }
  return true;
}

/** `^[a-z][a-z0-9_]{0,62}$`: a PostgreSQL database name that needs no rewriting. */
export function isLowerSqlIdentifier(value: string): boolean {
  if (value.length > 63 || !isLower(value.charCodeAt(0))) return false;
  for (let i = 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!(isLowerOrDigit(c) || c === UNDERSCORE)) return false;
  }
  return true;
}

/** `^[a-z][a-z0-9_-]{0,62}$`: an extension name as PostgreSQL ships them (pgcrypto, uuid-ossp). */
export function isExtensionName(value: string): boolean {
  if (value.length > 63 || !isLower(value.charCodeAt(0))) return false;
  for (let i = 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!(isLowerOrDigit(c) || c === UNDERSCORE || c === HYPHEN)) return false;
  }
  return true;
}

/** `[a-z0-9]([-a-z0-9]*[a-z0-9])?` over value[from, to), to > from. */
function isLabelBody(value: string, from: number, to: number): boolean {
  if (!isLowerOrDigit(value.charCodeAt(from)) || !isLowerOrDigit(value.charCodeAt(to - 1))) return false;
  for (let i = from + 1; i < to - 1; i++) {
    const c = value.charCodeAt(i);
    if (!(isLowerOrDigit(c) || c === HYPHEN)) return false;
  }
  return true;
}

/** `^[a-z]([-a-z0-9]*[a-z0-9])?$` (length is checked by the caller) */
export function isDnsLabel(value: string): boolean {
  return value.length > 0 && isLower(value.charCodeAt(0)) && isLabelBody(value, 0, value.length);
}

/** `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$` (length is checked by the caller) */
export function isDnsSubdomain(value: string): boolean {
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    if (i === value.length || value.charCodeAt(i) === DOT) {
      if (i === start || !isLabelBody(value, start, i)) return false;
      start = i + 1;
    }
  }
  return true;
}

/** `^db\.[a-z][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$` */
export function isInstanceClass(value: string): boolean {
  if (!value.startsWith('db.')) return false;
  const secondDot = value.indexOf('.', 3);
  if (secondDot < 0 || !isLower(value.charCodeAt(3)) || !isLowerOrDigit(value.charCodeAt(secondDot + 1)))
    return false;
  for (let i = 4; i < value.length; i++) {
    if (i === secondDot) continue;
    const c = value.charCodeAt(i);
    if (!(isLowerOrDigit(c) || c === HYPHEN)) return false;
  }
  return true;
}

/** `^(\d+)(\.\d+)?$` */
export function isEngineVersion(value: string): boolean {
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (c === DOT && digits > 0 && dots === 0) {
      dots = 1;
      digits = 0;
    } else return false;
  }
  return digits > 0;
}

const TAG_PUNCTUATION = new Set([' ', '_', '.', ':', '/', '=', '+', '-', '@'].map((c) => c.charCodeAt(0)));

/** `^[A-Za-z0-9 _.:/=+\-@]*$`: the ASCII subset of the RDS tag alphabet. */
export function isAsciiTagText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!(isLower(c) || isUpper(c) || isDigit(c) || TAG_PUNCTUATION.has(c))) return false;
  }
  return true;
}
