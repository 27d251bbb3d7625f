/** Labels on the Secrets and Services the controller creates; the informers select on the first. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'stow';
export const LABEL_OWNER = 'stow.dev/postgresdb';
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

/** On a Secret: its password still has to be set on the instance (adoption without a known password). */
export const ANNOTATION_PASSWORD_RESET = 'stow.dev/password-reset';
