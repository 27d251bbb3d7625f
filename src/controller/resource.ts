import { ANNOTATION_IDENTIFIER, ANNOTATION_RECONCILE, FINALIZER } from '../api/constants.js';
import type { PostgresDB } from '../api/v1beta1.js';
import { isAdoptingObject } from '../admission/rules/defaults.js';
import type { OperatorConfig } from '../config/schema.js';
import { instanceIdentifier, type ResourceIdentity } from './ownership.js';

// What a PostgresDB says about itself: who it is, which instance it is bound to, and the annotations
// and finalizer the controller acts on.

/** Who an object of Stow's kinds is: its cluster, namespace, name and uid. */
export function identityOf(object: Pick<PostgresDB, 'metadata'>, config: OperatorConfig): ResourceIdentity {
  return {
    clusterName: config.clusterName,
    namespace: object.metadata.namespace ?? 'default',
    name: object.metadata.name ?? '',
    uid: object.metadata.uid ?? '',
  };
}

/**
 * The adoption annotation wins; then the identifier the resource is already bound to (so changing
 * the configured prefix or cluster name never orphans an instance); then the derived one.
 */
export function boundIdentifier(object: PostgresDB, config: OperatorConfig): string {
  return (
    object.metadata.annotations?.[ANNOTATION_IDENTIFIER] ??
    object.status?.dbInstanceIdentifier ??
    instanceIdentifier(config.identifierPrefix, identityOf(object, config))
  );
}

export function isPaused(object: PostgresDB): boolean {
  return object.metadata.annotations?.[ANNOTATION_RECONCILE] === 'paused';
}

export function isAdopting(object: PostgresDB): boolean {
  return isAdoptingObject(object);
}

export function hasFinalizer(object: PostgresDB): boolean {
  return object.metadata.finalizers?.includes(FINALIZER) ?? false;
}

export function objectKey(object: PostgresDB): string {
  return `${object.metadata.namespace}/${object.metadata.name}`;
}
