import { Client } from 'pg';
import {
  type AccessCheckOptions,
  type AccessOutcome,
  type AccessTarget,
  accessFailureOf,
  tlsOptionsFor,
  withoutPassword,
} from './access.js';

class CheckTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs / 1000} s`);
  }
}

/** Connects as a client would, authenticates, and runs `select 1`; one connection, closed after. */
export async function checkPostgresAccess(
  target: AccessTarget,
  { timeoutMs, caBundle }: AccessCheckOptions,
): Promise<AccessOutcome> {
  const client = new Client({
    host: target.address,
    port: target.port,
    user: target.username,
    password: target.password,
    database: target.databaseName,
    ssl: tlsOptionsFor(target.sslmode, caBundle),
    application_name: 'stow-access-check',
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A connection that breaks after the check must not become an unhandled 'error' event.
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(timeoutMs)), timeoutMs + 100);
  });
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.query('select 1');
      })(),
      deadline,
    ]);
    return { connectable: true };
  } catch (error) {
    const reason = error instanceof CheckTimeout ? 'Timeout' : accessFailureOf(error);
    const detail = String((error as Error)?.message ?? error);
    return { connectable: false, reason, detail: withoutPassword(detail, target.password) };
  } finally {
    clearTimeout(timer);
    void client.end().catch(() => undefined);
  }
}
