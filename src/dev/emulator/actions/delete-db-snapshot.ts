import { invalidDbSnapshotState } from '../errors.js';
import { dbSnapshotXml } from '../render.js';
import { normalizeSnapshotIdentifier } from '../rules/identifiers.js';
import { wrap } from '../xml.js';
import type { ActionHandler } from './context.js';

/** Only a snapshot that is done (available, or failed) can be deleted; it is `deleting` for a while. */
export const deleteDbSnapshot: ActionHandler = (params, { state, snapshots }) => {
  const snapshot = state.requireSnapshot(
    normalizeSnapshotIdentifier(params.requiredString('DBSnapshotIdentifier'), 'DBSnapshotIdentifier'),
  );
  if (snapshot.status !== 'available' && snapshot.status !== 'failed') {
    throw invalidDbSnapshotState(
      `Cannot delete the snapshot ${snapshot.identifier} because it is ${snapshot.status}; wait until it is available.`,
    );
  }
  snapshots.startDeleting(snapshot);
  return wrap('DBSnapshot', dbSnapshotXml(snapshot));
};
