import { dbInstanceAlreadyExists, invalidDbSnapshotState } from '../errors.js';
import { singleDbInstanceXml } from '../render.js';
import { normalizeIdentifier, normalizeSnapshotIdentifier } from '../rules/identifiers.js';
import type { ActionHandler } from './context.js';
import { restoredInstance } from './restored-instance.js';

/** A new instance from an available snapshot: `creating` while its data is restored, then available. */
export const restoreDbInstanceFromDbSnapshot: ActionHandler = (params, { state, snapshots }) => {
  const identifier = normalizeIdentifier(
    params.requiredString('DBInstanceIdentifier'),
    'DBInstanceIdentifier',
  );
  const snapshot = state.requireSnapshot(
    normalizeSnapshotIdentifier(params.requiredString('DBSnapshotIdentifier'), 'DBSnapshotIdentifier'),
  );
  if (snapshot.status !== 'available') {
    throw invalidDbSnapshotState(
      `DBSnapshot ${snapshot.identifier} is ${snapshot.status}; only an available snapshot can be restored.`,
    );
  }
  if (state.getInstance(identifier)) throw dbInstanceAlreadyExists();
  const instance = restoredInstance(params, state, identifier, snapshot, snapshot.tags);
  state.addInstance(instance);
  snapshots.startRestore(instance, { kind: 'snapshot', snapshot });
  return singleDbInstanceXml(instance);
};
