import { AsyncLocalStorage } from 'node:async_hooks';
import { type DestinationStream, type Logger, pino } from 'pino';

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
  // An error is logged whole (`err`): what it carries one level down is covered too.
  'err.*.password',
  'err.*.MasterUserPassword',
  'err.*.data',
  'err.*.stringData',
];

export type LogFields = Readonly<Record<string, string>>;

const scopedFields = new AsyncLocalStorage<LogFields>();

/**
 * Runs `work` so that every line logged while it runs, by any logger `createLogger` made, carries
 * `fields` (a reconcile's id and object): the lines written by the modules it calls (Events, the
 * clients) included, without handing a logger down through every call.
 */
export function withLogFields<T>(fields: LogFields, work: () => T): T {
  return scopedFields.run(fields, work);
}

/** The fields of the work running now (a reconcile's controller, namespace and name), if any. */
export function currentLogFields(): LogFields | undefined {
  return scopedFields.getStore();
}

export interface LoggerOptions {
  level?: string;
  /** Default: stdout. */
  destination?: DestinationStream;
}

/**
 * JSON lines as log collectors expect them: `"level":"info"`, `"time"` in ISO 8601, errors under
 * `err` with their type, message and stack (pino's standard serializer), secrets redacted.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
      // pino merges into the object returned, so each line gets a copy.
      mixin: () => ({ ...scopedFields.getStore() }),
    },
    options.destination,
  );
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
