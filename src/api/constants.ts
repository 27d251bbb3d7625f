export const GROUP = 'stow.dev';
export const KIND = 'PostgresDB';
export const PLURAL = 'postgresdbs';
export const SINGULAR = 'postgresdb';
export const SHORT_NAMES = ['pgdb'];
export const CATEGORIES = ['stow'];
export const CRD_NAME = `${PLURAL}.${GROUP}`;
export const HUB_VERSION = 'v1beta1';
export const SERVED_VERSIONS = ['v1alpha1', 'v1beta1'] as const;

export const FINALIZER = 'stow.dev/finalizer';
export const ANNOTATION_RECONCILE = 'stow.dev/reconcile';
export const ANNOTATION_IDENTIFIER = 'stow.dev/identifier';
export const ANNOTATION_CONVERSION_DATA = 'stow.dev/conversion-data';

export const TAG_CLUSTER = 'stow.dev/cluster';
export const TAG_NAMESPACE = 'stow.dev/namespace';
export const TAG_NAME = 'stow.dev/name';
export const TAG_UID = 'stow.dev/uid';
export const TAG_MANAGED_BY = 'stow.dev/managed-by';
export const MANAGED_BY_VALUE = 'stow';
/** The tags that say which resource of which cluster an instance belongs to. */
export const OWNERSHIP_TAG_KEYS = [TAG_CLUSTER, TAG_NAMESPACE, TAG_NAME, TAG_UID, TAG_MANAGED_BY] as const;
/** When the controller first saw the instance orphaned (set only with orphans.action snapshotAndDelete). */
export const TAG_ORPHANED_AT = 'stow.dev/orphaned-at';

export const FIELD_MANAGER = 'stow';

export const POLICY_KIND = 'PostgresDBPolicy';
export const POLICY_PLURAL = 'postgresdbpolicies';
export const POLICY_SINGULAR = 'postgresdbpolicy';
export const POLICY_SHORT_NAMES = ['pgdbpolicy'];
export const POLICY_CRD_NAME = `${POLICY_PLURAL}.${GROUP}`;
/** The verb a user needs on postgresdbs, besides a policy allowing it, to adopt an existing instance. */
export const ADOPT_VERB = 'adopt';

export const DATABASE_KIND = 'PostgresDatabase';
export const DATABASE_PLURAL = 'postgresdatabases';
export const DATABASE_SINGULAR = 'postgresdatabase';
export const DATABASE_SHORT_NAMES = ['pgdatabase'];
export const DATABASE_CRD_NAME = `${DATABASE_PLURAL}.${GROUP}`;

export const SNAPSHOT_KIND = 'PostgresDBSnapshot';
export const SNAPSHOT_PLURAL = 'postgresdbsnapshots';
export const SNAPSHOT_SINGULAR = 'postgresdbsnapshot';
export const SNAPSHOT_SHORT_NAMES = ['pgsnapshot'];
export const SNAPSHOT_CRD_NAME = `${SNAPSHOT_PLURAL}.${GROUP}`;
/** On an RDS snapshot: the kind of the object it belongs to (its other tags are the ownership tags). */
export const TAG_KIND = 'stow.dev/kind';
/** On a PostgresDBSnapshot Stow made for a deletion: the uid of the PostgresDB whose final snapshot it is. */
export const ANNOTATION_FINAL_SNAPSHOT_OF = 'stow.dev/final-snapshot-of';
