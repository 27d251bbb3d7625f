/**
 * Whether `error` is V8's stack overflow. JSON.stringify and every recursive walk of a value overflow
 * on one nested some thousands of levels deep. JSON.parse does not, so a request body of a few
 * kilobytes can hold such a value: it is bad input, to be refused with a message, not an internal error.
 */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && error.message.includes('call stack');
}
