import { dbSnapshotAlreadyExists, invalidDbInstanceState, invalidParameterCombination } from '../errors.js';
import type { DbInstance, DbSnapshot } from '../model.js';
import { singleDbInstanceXml } from '../render.js';
import { normalizeIdentifier } from '../rules/identifiers.js';
import type { EmulatorState } from '../state.js';
import type { ActionHandler } from './context.js';

export const deleteDbInstance: ActionHandler = (params, { state, lifecycle }) => {
  const instance = state.requireInstance(
    normalizeIdentifier(params.requiredString('DBInstanceIdentifier'), 'DBInstanceIdentifier'),
  );
  const skipFinalSnapshot = params.boolean('SkipFinalSnapshot') ?? false;
  const requestedSnapshotId = params.string('FinalDBSnapshotIdentifier');
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
    finalSnapshot = snapshotOf(instance, snapshotId, state);
    state.addSnapshot(finalSnapshot);
  }
  // Automated backups are not modelled, so DeleteAutomatedBackups has nothing to delete.
  lifecycle.startDeleting(instance, finalSnapshot);
  return singleDbInstanceXml(instance);
};

function snapshotOf(instance: DbInstance, identifier: string, state: EmulatorState): DbSnapshot {
  return {
    identifier,
    arn: state.snapshotArn(identifier),
    instanceIdentifier: instance.identifier,
    instanceResourceId: instance.resourceId,
    status: 'creating',
    snapshotType: 'manual',
    createTime: new Date(),
    instanceCreateTime: instance.instanceCreateTime,
    engineVersion: instance.engineVersion,
    masterUsername: instance.masterUsername,
    port: instance.port,
    availabilityZone: instance.availabilityZone,
    storage: { ...instance.storage },
    storageEncrypted: instance.storageEncrypted,
    kmsKeyId: instance.kmsKeyId,
    tags: instance.copyTagsToSnapshot ? new Map(instance.tags) : new Map(),
  };
}
