import { MANAGED_BY_VALUE } from '../api/constants.js';

/** Labels on the Secrets and Services the controller creates; the informers select on the first. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = MANAGED_BY_VALUE;
export const LABEL_OWNER = 'stow.dev/postgresdb';
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

/** On a Secret: its password still has to be set on the instance (adoption without a known password). */
export const ANNOTATION_PASSWORD_RESET = 'stow.dev/password-reset';

/**
 * On a PostgresDB: the Secret (in its namespace) holding the current master password of an instance
 * it adopts. Stow copies the password from it and never writes to it.
 */
export const ANNOTATION_CREDENTIALS_SECRET = 'stow.dev/credentials-secret';
/** On a PostgresDB: "true" asks Stow to set a new master password on an existing instance. */
export const ANNOTATION_RESET_MASTER_PASSWORD = 'stow.dev/reset-master-password';
