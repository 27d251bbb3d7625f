import { Client } from 'pg';
import {
  type AccessFailure,
  type AccessTarget,
  accessFailureOf,
  tlsOptionsFor,
  withoutPassword,
} from './access.js';

/** A connection to one database, as a user: statements in, rows out. */
export interface SqlSession {
  /** Rows of the statement; `values` travel as parameters ($1), never inside the text. */
  query(text: string, values?: unknown[]): Promise<Array<Record<string, unknown>>>;
  end(): Promise<void>;
}

export interface SessionOptions {
  /** For connecting and authenticating, and for each statement. */
  timeoutMs: number;
  /** PEM certificates the server's certificate must chain to; empty: not verified (as `sslmode=require`). */
  caBundle?: string;
  applicationName: string;
}

/**
 * A connection that could not be opened, or a statement the server refused: the reason as the access
 * check names it (or `SqlFailed`), the SQLSTATE when the server gave one, and the client's words
 * without the password.
 */
export class SessionError extends Error {
  override name = 'SessionError';
  constructor(
    readonly reason: AccessFailure | 'SqlFailed',
    message: string,
    readonly sqlState?: string,
  ) {
    super(message);
  }
}

const sqlStateOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/**
 * Connects as the target's user to its database with TLS as the access check does (`require`
 * encrypts without verifying unless a CA bundle is given; never plain text), and authenticates.
 */
export async function openPostgresSession(
  target: AccessTarget,
  options: SessionOptions,
): Promise<SqlSession> {
  const client = new Client({
    host: target.address,
    port: target.port,
    user: target.username,
    password: target.password,
    database: target.databaseName,
    ssl: tlsOptionsFor(target.sslmode, options.caBundle),
    application_name: options.applicationName,
    connectionTimeoutMillis: options.timeoutMs,
    query_timeout: options.timeoutMs,
  });
  // A connection that breaks between statements must not become an unhandled 'error' event.
  client.on('error', () => {});
  const clean = (error: unknown) =>
    withoutPassword(String((error as Error)?.message ?? error), target.password);
  try {
    await client.connect();
  } catch (error) {
    void client.end().catch(() => undefined);
    throw new SessionError(accessFailureOf(error), clean(error), sqlStateOf(error));
  }
  return {
    async query(text, values) {
      try {
        return (await client.query(text, values)).rows;
      } catch (error) {
        throw new SessionError('SqlFailed', clean(error), sqlStateOf(error));
      }
    },
    end: () => client.end().catch(() => undefined),
  };
}
