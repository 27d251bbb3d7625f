import { dbSnapshotAlreadyExists, invalidDbInstanceState, invalidParameterCombination } from '../errors.js';
import { manualSnapshotOf } from '../backups.js';
import type { DbSnapshot } from '../model.js';
import { singleDbInstanceXml } from '../render.js';
import { normalizeIdentifier } from '../rules/identifiers.js';
import type { ActionHandler } from './context.js';

export const deleteDbInstance: ActionHandler = (params, { state, lifecycle }) => {
  const instance = state.requireInstance(
    normalizeIdentifier(params.requiredString('DBInstanceIdentifier'), 'DBInstanceIdentifier'),
  );
  const skipFinalSnapshot = params.boolean('SkipFinalSnapshot') ?? false;
  const requestedSnapshotId = params.string('FinalDBSnapshotIdentifier');
  // RDS's default: the automated backups go with the instance.
  const deleteAutomatedBackups = params.boolean('DeleteAutomatedBackups') ?? true;
  if (skipFinalSnapshot && requestedSnapshotId !== undefined) {
    throw invalidParameterCombination(
      'FinalDBSnapshotIdentifier can not be specified when SkipFinalSnapshot is true.',
    );
  }
  if (!skipFinalSnapshot && requestedSnapshotId === undefined) {
    throw invalidParameterCombination(
      'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.',
    );
  }
  if (instance.deletionProtection) {
    throw invalidParameterCombination(
      'Cannot delete protected DB Instance, please disable deletion protection and try again.',
    );
  }
  if (instance.status === 'deleting') {
    throw invalidDbInstanceState(`DB instance ${instance.identifier} is already being deleted.`);
  }

  let finalSnapshot: DbSnapshot | undefined;
  if (requestedSnapshotId !== undefined) {
    if (instance.status === 'creating') {
      throw invalidDbInstanceState(
        `Instance ${instance.identifier} is currently creating - a final snapshot cannot be taken.`,
      );
    }
    const snapshotId = normalizeIdentifier(requestedSnapshotId, 'FinalDBSnapshotIdentifier');
    if (state.getSnapshot(snapshotId)) throw dbSnapshotAlreadyExists(snapshotId);
    finalSnapshot = manualSnapshotOf(instance, snapshotId, state);
    state.addSnapshot(finalSnapshot);
  }
  lifecycle.startDeleting(instance, { finalSnapshot, keepAutomatedBackups: !deleteAutomatedBackups });
  return singleDbInstanceXml(instance);
};
