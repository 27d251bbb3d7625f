import { manualSnapshotOf } from '../backups.js';
import { dbSnapshotAlreadyExists, invalidDbInstanceState } from '../errors.js';
import { dbSnapshotXml } from '../render.js';
import { normalizeIdentifier, normalizeSnapshotIdentifier } from '../rules/identifiers.js';
import { mergeTags, readTags } from '../rules/tags.js';
import { wrap } from '../xml.js';
import type { ActionHandler } from './context.js';

/** Tags given in the request are the snapshot's tags; without any, CopyTagsToSnapshot decides. */
export const createDbSnapshot: ActionHandler = (params, { state, snapshots }) => {
  const snapshotId = normalizeSnapshotIdentifier(
    params.requiredString('DBSnapshotIdentifier'),
    'DBSnapshotIdentifier',
  );
  const instance = state.requireInstance(
    normalizeIdentifier(params.requiredString('DBInstanceIdentifier'), 'DBInstanceIdentifier'),
  );
  const requested = readTags(params);
  if (state.getSnapshot(snapshotId)) throw dbSnapshotAlreadyExists(snapshotId);
  if (instance.status !== 'available') {
    throw invalidDbInstanceState(
      `Cannot create a snapshot because the database instance ${instance.identifier} is not currently in the available state.`,
    );
  }
  let tags: Map<string, string> | undefined;
  if (requested.length > 0) {
    tags = new Map();
    mergeTags(tags, requested);
  }
  const snapshot = manualSnapshotOf(instance, snapshotId, state, tags);
  state.addSnapshot(snapshot);
  snapshots.startSnapshot(instance, snapshot);
  return wrap('DBSnapshot', dbSnapshotXml(snapshot));
};
