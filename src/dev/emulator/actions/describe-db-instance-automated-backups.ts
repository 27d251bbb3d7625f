import { captureOf } from '../backups.js';
import type { DbAutomatedBackup, DbInstance } from '../model.js';
import { encodeMarker, readPageRequest } from '../pagination.js';
import { automatedBackupXml, type AutomatedBackupView } from '../render.js';
import type { EmulatorState } from '../state.js';
import { element, list } from '../xml.js';
import type { ActionHandler } from './context.js';

/**
 * Live instances with a retention period have `active` automated backups; deleted ones kept with
 * `DeleteAutomatedBackups=false` are `retained`. Sorted by instance identifier, then resource id.
 */
export const describeDbInstanceAutomatedBackups: ActionHandler = (params, { state }) => {
  const page = readPageRequest(params);
  const instanceId = params.string('DBInstanceIdentifier')?.toLowerCase();
  const resourceId = params.string('DbiResourceId');
  const all = [...activeBackups(state), ...state.listRetainedBackups().map(retainedView)]
    .filter(
      (backup) =>
        (instanceId === undefined || backup.instanceIdentifier === instanceId) &&
        (resourceId === undefined || backup.instanceResourceId === resourceId),
    )
    .map((backup) => ({ key: `${backup.instanceIdentifier}/${backup.instanceResourceId}`, backup }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .filter(({ key }) => page.after === undefined || key > page.after);
  const items = all.slice(0, page.maxRecords);
  const last = items.at(-1);
  const marker = all.length > page.maxRecords && last ? encodeMarker(last.key) : undefined;
  return (
    element('Marker', marker) +
    list('DBInstanceAutomatedBackups', 'DBInstanceAutomatedBackup', items, ({ backup }) =>
      automatedBackupXml(backup, state.region),
    )
  );
};

function activeBackups(state: EmulatorState): AutomatedBackupView[] {
  return state
    .listInstances()
    .filter((instance) => instance.backupRetentionPeriod > 0 && instance.instanceCreateTime !== undefined)
    .map((instance) => activeView(instance, state));
}

function activeView(instance: DbInstance, state: EmulatorState): AutomatedBackupView {
  return {
    ...captureOf(instance),
    arn: `arn:aws:rds:${state.region}:${state.accountId}:auto-backup:ab-${instance.resourceId.slice(3).toLowerCase()}`,
    instanceArn: instance.arn,
    status: 'active',
    backupRetentionPeriod: instance.backupRetentionPeriod,
    restoreWindow: { earliest: instance.instanceCreateTime, latest: new Date() },
  };
}

function retainedView(backup: DbAutomatedBackup): AutomatedBackupView {
  const { deletedAt, ...rest } = backup;
  return { ...rest, restoreWindow: { earliest: backup.instanceCreateTime, latest: deletedAt } };
}
