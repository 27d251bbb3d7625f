import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Paths that may carry secret values; pino replaces them before a line is written. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'MasterUserPassword',
  '*.MasterUserPassword',
  'data',
  '*.data',
  'stringData',
  '*.stringData',
  'secret.data',
  'req.headers.authorization',
  'headers.authorization',
  'token',
  '*.token',
];

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'stow',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: undefined,
  });
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
