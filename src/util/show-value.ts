/** Longest JSON text of a value quoted in a message; the rest is summarised by its length. */
export const SHOWN_VALUE_MAX_CHARS = 200;

/**
 * A value as JSON for an error message, cut to SHOWN_VALUE_MAX_CHARS. A hostile request can put a
 * string of megabytes, or an array nested thousands of levels deep, wherever a name is expected;
 * the message (and the log line that carries it) stays short, and quoting it never throws.
 */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = String(JSON.stringify(value));
  } catch {
    // JSON.stringify recurses, so a deep enough value overflows the stack.
    return 'a value nested too deeply to show';
  }
  if (text.length <= SHOWN_VALUE_MAX_CHARS) return text;
  let end = SHOWN_VALUE_MAX_CHARS;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // never half a surrogate pair
  return `${text.slice(0, end)}… (${text.length} characters)`;
}
