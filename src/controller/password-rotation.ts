import type { Secret } from '../kube/types.js';
import { decodeSecretData } from './connection-secret.js';

/**
 * On a PostgresDB or a PostgresDatabase: any new value asks for new passwords (the master's, or every
 * role's). A timestamp is the natural value; what matters is that it differs from the last one honoured.
 */
export const ANNOTATION_ROTATE_PASSWORD = 'stow.dev/rotate-password';
/** On a Secret: the value of stow.dev/rotate-password its password was last rotated for. */
export const ANNOTATION_ROTATION_REQUEST = 'stow.dev/password-rotation-request';
/** On a Secret: when its password was last set (RFC 3339); the schedule counts from it. */
export const ANNOTATION_ROTATED_AT = 'stow.dev/password-rotated-at';
/** On a master Secret: ModifyDBInstance was sent with the pending password; it is promoted once RDS has applied it. */
export const ANNOTATION_ROTATION_SENT = 'stow.dev/password-rotation';
export const ROTATION_SENT = 'sent';

/**
 * The Secret key holding a new password between the two steps of a rotation: written before the
 * database is changed, made the password once it is. Whatever fails in between, the Secret holds a
 * password that works (the current one before the change, this one after) and the next reconcile
 * finishes the rotation with the same password.
 */
export const PENDING_PASSWORD_KEY = 'pending-password';

const DAY_MS = 24 * 3600 * 1000;

export type RotationCause = 'requested' | 'scheduled';

export function pendingPassword(secret: Secret | undefined): string | undefined {
  return decodeSecretData(secret)[PENDING_PASSWORD_KEY] || undefined;
}

/** When the Secret's password was last set: its record, else when the Secret was created. */
function rotatedAt(secret: Secret): number | undefined {
  const recorded = Date.parse(secret.metadata.annotations?.[ANNOTATION_ROTATED_AT] ?? '');
  if (Number.isFinite(recorded)) return recorded;
  const created = Date.parse(secret.metadata.creationTimestamp ?? '');
  return Number.isFinite(created) ? created : undefined;
}

/** When the schedule wants the next rotation; undefined without a schedule. */
export function nextScheduledRotation(secret: Secret, everyDays: number | undefined): Date | undefined {
  if (!everyDays || everyDays <= 0) return undefined;
  const last = rotatedAt(secret);
  return last === undefined ? undefined : new Date(last + everyDays * DAY_MS);
}

/**
 * Whether the Secret's password is due for a rotation: a request (stow.dev/rotate-password) it was
 * not rotated for yet, or the schedule (every `everyDays` days since the last one).
 */
export function rotationDue(
  requested: string | undefined,
  secret: Secret,
  everyDays: number | undefined,
  now: Date,
): RotationCause | undefined {
  if (requested && secret.metadata.annotations?.[ANNOTATION_ROTATION_REQUEST] !== requested)
    return 'requested';
  const next = nextScheduledRotation(secret, everyDays);
  return next && next.getTime() <= now.getTime() ? 'scheduled' : undefined;
}

/** The annotations a Secret carries once its password was set for `requested` at `now`. */
export function rotationRecord(requested: string | undefined, now: Date): Record<string, string> {
  return {
    [ANNOTATION_ROTATED_AT]: now.toISOString(),
    ...(requested ? { [ANNOTATION_ROTATION_REQUEST]: requested } : {}),
  };
}
