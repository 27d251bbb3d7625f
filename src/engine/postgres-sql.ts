import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { escapeIdentifier, escapeLiteral } from 'pg';
import { MAX_IDENTIFIER_BYTES } from './char-classes.js';

/** A name or value SQL must not be built from; never shown with its value (it may be a password). */
export class UnsafeSqlError extends Error {
  override name = 'UnsafeSqlError';
}

/**
 * `"orders"`: the name as exactly one identifier, whatever characters it holds (node-postgres doubles
 * each `"`). What PostgreSQL itself would change is refused instead: an empty name, a NUL byte (the
 * end of the statement's text) and a name over 63 bytes (cut short, so two names could meet).
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new UnsafeSqlError('an SQL identifier cannot be empty');
  if (name.includes('\u0000')) throw new UnsafeSqlError('an SQL identifier cannot hold a NUL byte');
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES)
    throw new UnsafeSqlError(`an SQL identifier is at most ${MAX_IDENTIFIER_BYTES} bytes long`);
  return escapeIdentifier(name);
}

/** `'it''s'`, or `E'a\\b'` with a backslash: the text as exactly one string literal (node-postgres). */
export function quoteLiteral(text: string): string {
  if (text.includes('\u0000')) throw new UnsafeSqlError('an SQL literal cannot hold a NUL byte');
  return escapeLiteral(text).trim();
}

export const SCRAM_ITERATIONS = 4096;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802, RFC 7677; what libpq's
 * PQencryptPasswordConn computes). `ALTER ROLE … PASSWORD '<verifier>'` sets the password without the
 * password itself ever reaching the server, its statement log or its statistics. Printable ASCII
 * only (what Stow generates): for it, SASLprep changes nothing, so client and server agree.
 */
export function scramSha256Verifier(
  password: string,
  options: { salt?: Buffer; iterations?: number } = {},
): string {
  if (!/^[\x21-\x7e]+$/.test(password))
    throw new UnsafeSqlError('a password must be printable ASCII without spaces');
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
