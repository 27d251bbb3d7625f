/**
 * What the reconciler needs to know about a failed RDS call, independent of the SDK:
 * - NotFound, AlreadyExists, InvalidState: answers about the world, handled as such;
 * - Throttled, Transient: try again later (the SDK has already retried);
 * - Rejected: the request itself is wrong (parameters, quota); retrying the same request will not help.
 */
export type RdsErrorKind =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InvalidState'
  | 'Throttled'
  | 'Transient'
  | 'Rejected';

export class RdsError extends Error {
  override name = 'RdsError';
  constructor(
    readonly kind: RdsErrorKind,
    /** The AWS error code, e.g. DBInstanceNotFound. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function isRdsError(error: unknown, kind?: RdsErrorKind): error is RdsError {
  return error instanceof RdsError && (kind === undefined || error.kind === kind);
}

const NOT_FOUND = new Set([
  'DBInstanceNotFound',
  'DBInstanceNotFoundFault',
  'DBSnapshotNotFound',
  'DBSnapshotNotFoundFault',
]);
const ALREADY_EXISTS = new Set([
  'DBInstanceAlreadyExists',
  'DBInstanceAlreadyExistsFault',
  'DBSnapshotAlreadyExists',
  'DBSnapshotAlreadyExistsFault',
]);
const INVALID_STATE = new Set([
  'InvalidDBInstanceState',
  'InvalidDBInstanceStateFault',
  'InvalidDBSnapshotState',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
]);
const TRANSIENT = new Set([
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

export function classifyErrorCode(code: string, httpStatus?: number, fault?: string): RdsErrorKind {
  if (NOT_FOUND.has(code)) return 'NotFound';
  if (ALREADY_EXISTS.has(code)) return 'AlreadyExists';
  if (INVALID_STATE.has(code)) return 'InvalidState';
  if (THROTTLED.has(code) || httpStatus === 429) return 'Throttled';
  if (TRANSIENT.has(code) || (httpStatus !== undefined && httpStatus >= 500) || fault === 'server')
    return 'Transient';
  if (httpStatus === undefined) return 'Transient';
  return 'Rejected';
}

/** Maps anything the SDK (or the network) throws to an RdsError; an abort is passed through as is. */
export function toRdsError(error: unknown): unknown {
  if (error instanceof RdsError) return error;
  if (!(error instanceof Error)) return new RdsError('Transient', 'Unknown', String(error));
  if (error.name === 'AbortError') return error;
  const sdk = error as Error & SdkErrorLike;
  const code = sdk.name && sdk.name !== 'Error' ? sdk.name : (sdk.code ?? 'Unknown');
  const kind = classifyErrorCode(code, sdk.$metadata?.httpStatusCode, sdk.$fault);
  return new RdsError(kind, code, `${code}: ${sdk.message}`);
}
