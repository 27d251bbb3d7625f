import type { ConnectionOptions } from 'node:tls';

/** libpq's `sslmode` values, as connection strings carry them. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface AccessTarget {
  address: string;
  port: number;
  username: string;
  password: string;
  databaseName: string;
  sslmode: SslMode;
}

export interface AccessCheckOptions {
  /** For connecting, authenticating and the query together. */
  timeoutMs: number;
  /** PEM certificates to verify the server's certificate against; empty: not verified (as `sslmode=require`). */
  caBundle?: string;
}

/** Why a client could not use the credentials. */
export const ACCESS_FAILURES = [
  'ConnectionRefused',
  'AuthenticationFailed',
  'DatabaseNotFound',
  'NotAcceptingConnections',
  'Timeout',
  'Unreachable',
  'TLSError',
  'CheckFailed',
] as const;
export type AccessFailure = (typeof ACCESS_FAILURES)[number];

export type AccessOutcome =
  | { connectable: true }
  /** `detail`: the client's own words, without the password. */
  | { connectable: false; reason: AccessFailure; detail: string };

/**
 * TLS as libpq does it, except that it is never left out for `allow` and `prefer`: `require` encrypts
 * without verifying, unless a CA bundle is given (libpq's root certificate), which verifies the chain;
 * `verify-full` also checks the host name. `verify-*` without a bundle trusts the system's CAs.
 */
export function tlsOptionsFor(sslmode: SslMode, caBundle: string | undefined): ConnectionOptions | false {
  if (sslmode === 'disable') return false;
  const ca = caBundle?.trim() ? caBundle : undefined;
  if (!ca && sslmode !== 'verify-ca' && sslmode !== 'verify-full') return { rejectUnauthorized: false };
  return {
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    ...(sslmode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
  };
}

/** The `sslmode` of a `postgresql://` URI; `require` when absent or unknown (what Stow writes). */
export function sslModeOf(uri: string | undefined): SslMode {
  let value: string | null = null;
  try {
    value = uri ? new URL(uri).searchParams.get('sslmode') : null;
  } catch {
    value = null;
  }
  return (SSL_MODES as readonly string[]).includes(value ?? '') ? (value as SslMode) : 'require';
}

const SQLSTATE_REASONS: Readonly<Record<string, AccessFailure>> = {
  '28P01': 'AuthenticationFailed', // invalid_password
  '28000': 'AuthenticationFailed', // invalid_authorization_specification (no pg_hba entry, no such role)
  '3D000': 'DatabaseNotFound', // invalid_catalog_name
  '57P03': 'NotAcceptingConnections', // cannot_connect_now (starting up, shutting down)
  '53300': 'NotAcceptingConnections', // too_many_connections
};

const NETWORK_REASONS: Readonly<Record<string, AccessFailure>> = {
  ECONNREFUSED: 'ConnectionRefused',
  ENOTFOUND: 'Unreachable',
  EAI_AGAIN: 'Unreachable',
  EAI_FAIL: 'Unreachable',
  EHOSTUNREACH: 'Unreachable',
  ENETUNREACH: 'Unreachable',
  EADDRNOTAVAIL: 'Unreachable',
  ETIMEDOUT: 'Timeout',
};

const TLS_CODE = /CERT|SSL|TLS|SIGNATURE|ISSUER|ALTNAME/;

/** The reason for a failed check, from what the client library threw. */
export function accessFailureOf(error: unknown): AccessFailure {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string') {
    const reason = SQLSTATE_REASONS[code] ?? NETWORK_REASONS[code];
    if (reason) return reason;
    if (TLS_CODE.test(code)) return 'TLSError';
  }
  if (/timeout|timed out/i.test(text)) return 'Timeout';
  if (/does not support SSL|ssl|tls|certificate/i.test(text)) return 'TLSError';
  return 'CheckFailed';
}

/**
 * The client's message with every occurrence of the password (as is, and percent-encoded) replaced;
 * should the replacement itself spell the password with what surrounds it, nothing of it is kept.
 */
export function withoutPassword(text: string, password: string): string {
  if (!password) return text;
  let clean = text;
  for (const form of new Set([password, encodeURIComponent(password)]))
    clean = clean.split(form).join(REDACTED);
  if (!clean.includes(password)) return clean;
  return WITHHELD.includes(password) ? '' : WITHHELD;
}

const REDACTED = '[redacted]';
const WITHHELD = 'the message is withheld: it contained the password';
