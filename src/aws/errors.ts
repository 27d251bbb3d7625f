import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

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
  'InvalidDBSnapshotStateFault',
]);
interface SdkErrorLike {
  name: string;
  code?: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

/**
 * RDS's own answers about the world are read from the code; whether a failure is throttling or
 * transient is the SDK's classification (the one its retry strategies use), so the two never disagree.
 * An error that reached no server (no HTTP status) is transient.
 */
export function classifyError(error: SdkErrorLike, code: string): RdsErrorKind {
  if (NOT_FOUND.has(code)) return 'NotFound';
  if (ALREADY_EXISTS.has(code)) return 'AlreadyExists';
  if (INVALID_STATE.has(code)) return 'InvalidState';
  if (isThrottlingError(error)) return 'Throttled';
  if (isTransientError(error) || isServerError(error) || error.$fault === 'server') return 'Transient';
  const status = error.$metadata?.httpStatusCode;
  return status === undefined || status >= 500 ? 'Transient' : 'Rejected';
}

/** Maps anything the SDK (or the network) throws to an RdsError; an abort is passed through as is. */
export function toRdsError(error: unknown): unknown {
  if (error instanceof RdsError) return error;
  if (!(error instanceof Error)) return new RdsError('Transient', 'Unknown', String(error));
  if (error.name === 'AbortError') return error;
  const sdk = error as Error & SdkErrorLike;
  const code = sdk.name && sdk.name !== 'Error' ? sdk.name : (sdk.code ?? 'Unknown');
  const kind = classifyError(sdk, code);
  return new RdsError(kind, code, `${code}: ${sdk.message}`);
}
