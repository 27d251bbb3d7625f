import { ConversionError } from './conversion-error.js';
import { showValue } from '../util/show-value.js';

const FIELD = 'spec.storage';
const DIGITS = /^[0-9]+$/;
const NUMBER_WITH_UNIT = /^\s*[0-9]+(\.[0-9]+)?\s*[A-Za-z]+\s*$/;

/** v1alpha1 `spec.storage` (GiB as an integer or a string of digits) as a number of GiB. */
export function parseStorageGiB(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && DIGITS.test(value)) {
    const size = Number(value);
    if (Number.isSafeInteger(size)) return size;
  }
  const got = showValue(value);
  if (typeof value === 'string' && NUMBER_WITH_UNIT.test(value)) {
    throw new ConversionError(FIELD, `must be a whole number of GiB without a unit, e.g. "10" (got ${got})`);
  }
  throw new ConversionError(FIELD, `must be a whole number of GiB, e.g. 10 or "10" (got ${got})`);
}

/**
 * The v1alpha1 value for `sizeGiB`: the remembered string spelling while it still names that size
 * (so "010" stays "010"), else a string if one was remembered (a v1beta1 edit changed the size), else a number.
 */
export function renderStorage(
  sizeGiB: number | undefined,
  spelling: string | undefined,
): number | string | undefined {
  if (sizeGiB === undefined) return undefined;
  if (spelling === undefined) return sizeGiB;
  return DIGITS.test(spelling) && Number(spelling) === sizeGiB ? spelling : String(sizeGiB);
}
