import { isRdsError } from '../aws/errors.js';
import { isKubeError } from '../kube/client.js';

/**
 * How a failed reconcile continues: `backoff` retries with exponential backoff, `poll` after the poll
 * interval, `wait` only when the resource changes (or at the next resync).
 */
export type Retry = 'backoff' | 'poll' | 'wait';

/** A failure the user should see: CamelCase reason and a message saying what to do. Never a secret. */
export class ReconcileError extends Error {
  override name = 'ReconcileError';
  constructor(
    readonly reason: string,
    message: string,
    readonly retry: Retry = 'backoff',
  ) {
    super(message);
  }
}

/** Thrown before a write when the reconcile worked from a listed (possibly stale) observation. */
export class StaleObservation extends Error {
  override name = 'StaleObservation';
}

export interface Failure {
  reason: string;
  message: string;
  retry: Retry;
  /** Not worth a status change or an Event (an optimistic-concurrency conflict). */
  quiet: boolean;
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof ReconcileError) {
    return { reason: error.reason, message: error.message, retry: error.retry, quiet: false };
  }
  if (isRdsError(error)) {
    const retry = error.kind === 'InvalidState' ? 'poll' : 'backoff';
    const reason = {
      Throttled: 'RdsThrottled',
      Transient: 'RdsUnavailable',
      InvalidState: 'RdsInvalidState',
      Rejected: 'RdsRejected',
      NotFound: 'RdsNotFound',
      AlreadyExists: 'RdsAlreadyExists',
    }[error.kind];
    return { reason, message: `RDS: ${error.message}`, retry, quiet: false };
  }
  if (isKubeError(error, 409)) {
    return { reason: 'Conflict', message: error.message, retry: 'backoff', quiet: true };
  }
  if (isKubeError(error)) {
    return {
      reason: 'KubernetesError',
      message: `Kubernetes API: ${error.message}`,
      retry: 'backoff',
      quiet: false,
    };
  }
  return {
    reason: 'InternalError',
    message: String((error as Error)?.message ?? error),
    retry: 'backoff',
    quiet: false,
  };
}

/** Where a reconcile records its failure. */
export interface FailureRecord {
  writeStatus(failure: { reason: string; message: string; permanent: boolean }): Promise<void>;
  warn(reason: string, message: string): Promise<void>;
  /** The status could not be written: the Event still goes out. */
  statusNotWritten(error: unknown): void;
}

/**
 * Records a failure (status, then a Warning Event; neither for a quiet one) and picks the retry:
 * throws for backoff, else the next run.
 */
export async function settleFailure(
  error: unknown,
  failure: Failure,
  record: FailureRecord,
  pollIntervalMs: number,
): Promise<{ requeueAfterMs?: number }> {
  if (!failure.quiet) {
    try {
      await record.writeStatus({
        reason: failure.reason,
        message: failure.message,
        permanent: failure.retry === 'wait',
      });
    } catch (statusError) {
      record.statusNotWritten(statusError);
    }
    await record.warn(failure.reason, failure.message);
  }
  if (failure.retry === 'backoff') throw error;
  return failure.retry === 'poll' ? { requeueAfterMs: pollIntervalMs } : {};
}
