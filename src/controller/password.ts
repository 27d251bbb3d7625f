import { randomInt } from 'node:crypto';

/**
 * RDS accepts printable ASCII except `/`, `@`, `"` and space. We use the URL-unreserved subset, so the
 * password needs no escaping in a URI, a pgpass line, a JDBC URL or a shell.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~';
export const PASSWORD_LENGTH = 32;

export function generatePassword(length = PASSWORD_LENGTH): string {
  let password = '';
  for (let i = 0; i < length; i++) password += ALPHABET[randomInt(ALPHABET.length)];
  return password;
}

/** RDS for PostgreSQL: 8-128 printable ASCII characters, none of `/`, `@`, `"` or space. */
export function isValidRdsPassword(password: string): boolean {
  return (
    password.length >= 8 &&
    password.length <= 128 &&
    /^[\x21-\x7e]+$/.test(password) &&
    !/[/@"]/.test(password)
  );
}
