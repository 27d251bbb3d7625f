import type { PostgresDB } from '../api/v1beta1.js';
import type { RdsInstance } from '../aws/types.js';
import type { Secret } from '../kube/types.js';
import {
  changedSecretKeys,
  type Credentials,
  encodeSecretData,
  secretContents,
} from './connection-secret.js';
import type { ReconcilerContext } from './context.js';
import { generatePassword } from './password.js';
import {
  ANNOTATION_ROTATE_PASSWORD,
  ANNOTATION_ROTATION_SENT,
  PENDING_PASSWORD_KEY,
  pendingPassword,
  ROTATION_SENT,
  rotationDue,
  rotationRecord,
} from './password-rotation.js';
import { isAvailable } from './status.js';

/** Where a PostgresDB's reconcile stands: its instance, its Secret and the master password in use. */
export interface MasterState {
  instance: RdsInstance;
  secret: Secret;
  password: string;
  credentials: Omit<Credentials, 'password'>;
}

export interface MasterRotationRun {
  context: ReconcilerContext;
  object: PostgresDB;
  signal: AbortSignal;
  /** Throws before any write when the reconcile works from a listed (possibly stale) observation. */
  beforeWrite(): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

/**
 * A new master password, on request (stow.dev/rotate-password) or on schedule (spec.passwordRotation),
 * in three steps that each survive a crash (ADR 0026):
 *   1. the new password goes into the Secret under `pending-password` (the current one stays);
 *   2. ModifyDBInstance sets it, and the Secret is marked `stow.dev/password-rotation: sent`
 *      (a crash before the mark sends the same password again);
 *   3. once RDS has applied it (available, nothing pending), it becomes the Secret's password.
 * Between 2 and 3 the Secret holds both: the current password until RDS applies the new one, the
 * pending one after. Returns the state, changed or not.
 */
export async function rotateMasterPassword(run: MasterRotationRun, state: MasterState): Promise<MasterState> {
  const { context, object, signal } = run;
  const { instance } = state;
  if (!isAvailable(instance)) return state;
  const requested = object.metadata.annotations?.[ANNOTATION_ROTATE_PASSWORD] || undefined;
  const now = context.now();
  const namespace = object.metadata.namespace ?? 'default';
  const patchSecret = (patch: unknown) =>
    context.kube.patchSecret(namespace, state.secret.metadata.name, patch, signal);
  let secret = state.secret;
  let pending = pendingPassword(secret);
  if (!pending) {
    if (!rotationDue(requested, secret, object.spec.passwordRotation?.everyDays, now)) return state;
    run.beforeWrite();
    pending = generatePassword();
    secret = await patchSecret({
      data: encodeSecretData({ [PENDING_PASSWORD_KEY]: pending }),
      metadata: { annotations: { [ANNOTATION_ROTATION_SENT]: null } },
    });
  }
  if (secret.metadata.annotations?.[ANNOTATION_ROTATION_SENT] !== ROTATION_SENT) {
    run.beforeWrite();
    const modified = await context.rds.modifyInstance(
      instance.identifier,
      { masterUserPassword: pending },
      signal,
    );
    secret = await patchSecret({ metadata: { annotations: { [ANNOTATION_ROTATION_SENT]: ROTATION_SENT } } });
    await run.event(
      'Normal',
      'PasswordRotating',
      `Sent a new master password to RDS instance ${instance.identifier}; the Secret ${secret.metadata.name} holds it under ${PENDING_PASSWORD_KEY} until RDS has applied it`,
    );
    return { ...state, instance: modified, secret };
  }
  if (instance.pending.masterUserPassword) return { ...state, secret };
  run.beforeWrite();
  const wanted = secretContents({ ...state.credentials, password: pending }, instance.endpoint);
  secret = await patchSecret({
    data: { ...encodeSecretData(changedSecretKeys(secret, wanted)), [PENDING_PASSWORD_KEY]: null },
    metadata: { annotations: { ...rotationRecord(requested, now), [ANNOTATION_ROTATION_SENT]: null } },
  });
  await run.event(
    'Normal',
    'PasswordRotated',
    `RDS instance ${instance.identifier} has a new master password, now in Secret ${secret.metadata.name}`,
  );
  return { ...state, secret, password: pending };
}

/** The annotations of a new master Secret: no rotation is due for the request it was created under. */
export function newMasterSecretAnnotations(object: PostgresDB, now: Date): Record<string, string> {
  return rotationRecord(object.metadata.annotations?.[ANNOTATION_ROTATE_PASSWORD] || undefined, now);
}
