import { errorCodes } from 'fastify';

const BYTE_ORDER_MARK = 0xfeff;

/**
 * Parses a request body with `JSON.parse`, as Fastify's default JSON parser does, but keeps
 * `__proto__` and `constructor.prototype` keys where that parser refuses the whole body.
 *
 * Such keys are legal in a PostgresDB (`spec.tags` is any map of strings, and an object stored while
 * the webhooks were off can hold anything), so the review must be answered like any other. Parsing
 * them is safe: `JSON.parse` defines every key as an own property, `__proto__` included, and never
 * sets a prototype. What keeps pollution impossible after parsing is that nothing on the webhooks'
 * paths copies keys from a request with assignment (ADR 0014). Nothing is scanned for, so every body
 * takes the cheapest path there is (ADR 0013).
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  try {
    return JSON.parse(text);
  } catch {
    // Fastify's default parser skips a byte-order mark; looked for only when parsing failed.
  }
  if (text.charCodeAt(0) === BYTE_ORDER_MARK) {
    try {
      return JSON.parse(text.slice(1));
    } catch {}
  }
  throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
}
