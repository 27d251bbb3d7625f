import { FINALIZER, SNAPSHOT_KIND, SNAPSHOT_PLURAL } from '../api/constants.js';
import type { PostgresDBSnapshot } from '../api/postgres-db-snapshot.js';
import { isJsonObject } from '../util/json-object.js';
import { denialMessage } from './denial.js';
import type { Admitted, KindAdmission } from './framework.js';
import { ADMISSION_PATHS } from './registration.js';
import { type AdmissionResponse, allowed, denied, errored } from './review.js';
import { formatFieldErrors } from './rules/field-error.js';
import { validateMetadataShape } from './rules/metadata.js';
import { applySnapshotDefaults, validateSnapshot } from './rules/postgres-db-snapshot.js';

/** An object on its way out is left as it is, so deletion can always finish. */
function defaulted({ object }: Admitted<PostgresDBSnapshot>): PostgresDBSnapshot | undefined {
  const metadata: unknown = object.metadata;
  if (!isJsonObject(metadata) || metadata.deletionTimestamp) return undefined;
  return applySnapshotDefaults(object);
}

function validate({ request, object, oldObject }: Admitted<PostgresDBSnapshot>): AdmissionResponse {
  const metadataErrors = validateMetadataShape(object.metadata);
  const storedErrors = oldObject ? validateMetadataShape(oldObject.metadata) : [];
  if (storedErrors.length)
    return errored(request.uid, 400, `request.oldObject: ${formatFieldErrors(storedErrors)}`);
  const previous = request.operation === 'UPDATE' ? oldObject : undefined;
  const errors = [...metadataErrors, ...validateSnapshot(object, previous)];
  return errors.length
    ? denied(request.uid, denialMessage(SNAPSHOT_KIND, request, object, errors))
    : allowed(request.uid);
}

/** PostgresDBSnapshot's admission, at /mutate/postgresdbsnapshots and /validate/postgresdbsnapshots. */
export function postgresDBSnapshotAdmission(): KindAdmission<PostgresDBSnapshot> {
  return {
    mutatePath: ADMISSION_PATHS[SNAPSHOT_PLURAL].mutate,
    validatePath: ADMISSION_PATHS[SNAPSHOT_PLURAL].validate,
    finalizer: FINALIZER,
    defaulted,
    validate,
  };
}
