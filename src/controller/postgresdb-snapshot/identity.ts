import { ANNOTATION_IDENTIFIER, SNAPSHOT_KIND, TAG_KIND } from '../../api/constants.js';
import type { PostgresDBSnapshot } from '../../api/postgres-db-snapshot.js';
import type { OperatorConfig } from '../../config/schema.js';
import { instanceIdentifier, ownershipTags, type ResourceIdentity } from '../ownership.js';
import { identityOf } from '../resource.js';

/**
 * The RDS snapshot a PostgresDBSnapshot stands for: the one its status records, else the one its
 * stow.dev/identifier annotation names (Stow sets it on final snapshots), else one named like an
 * instance: `<prefix>-<namespace>-<name>-<hash of cluster, namespace, name and uid>`.
 */
export function boundSnapshotIdentifier(object: PostgresDBSnapshot, config: OperatorConfig): string {
  return (
    object.status?.snapshotIdentifier ??
    object.metadata.annotations?.[ANNOTATION_IDENTIFIER] ??
    instanceIdentifier(config.identifierPrefix, identityOf(object, config))
  );
}

/** The ownership tags, as on instances, and the kind: only these snapshots are Stow's to judge. */
export function snapshotTags(identity: ResourceIdentity): Record<string, string> {
  return { ...ownershipTags(identity), [TAG_KIND]: SNAPSHOT_KIND };
}
