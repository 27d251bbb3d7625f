import type { DbSnapshot } from '../model.js';
import { nextMarker, readPageRequest } from '../pagination.js';
import { dbSnapshotXml } from '../render.js';
import { element, list } from '../xml.js';
import type { ActionHandler } from './context.js';

export const describeDbSnapshots: ActionHandler = (params, { state }) => {
  const page = readPageRequest(params);
  const snapshotId = params.string('DBSnapshotIdentifier')?.toLowerCase();
  const instanceId = params.string('DBInstanceIdentifier')?.toLowerCase();
  const snapshotType = params.string('SnapshotType');

  let items: DbSnapshot[];
  let more = false;
  if (snapshotId !== undefined) {
    const snapshot = state.requireSnapshot(snapshotId);
    const matches =
      (instanceId === undefined || snapshot.instanceIdentifier === instanceId) &&
      (snapshotType === undefined || snapshot.snapshotType === snapshotType);
    items = matches ? [snapshot] : [];
  } else {
    const accept =
      instanceId === undefined && snapshotType === undefined
        ? undefined
        : (snapshot: DbSnapshot) =>
            (instanceId === undefined || snapshot.instanceIdentifier === instanceId) &&
            (snapshotType === undefined || snapshot.snapshotType === snapshotType);
    ({ items, more } = state.snapshotPage(page.after, page.maxRecords, accept));
  }
  return element('Marker', nextMarker(items, more)) + list('DBSnapshots', 'DBSnapshot', items, dbSnapshotXml);
};
