import type { ActionHandler } from './context.js';
import { createDbInstance } from './create-db-instance.js';
import { createDbSnapshot } from './create-db-snapshot.js';
import { deleteDbInstance } from './delete-db-instance.js';
import { deleteDbSnapshot } from './delete-db-snapshot.js';
import { describeDbInstanceAutomatedBackups } from './describe-db-instance-automated-backups.js';
import { describeDbInstances } from './describe-db-instances.js';
import { describeDbSnapshots } from './describe-db-snapshots.js';
import { modifyDbInstance } from './modify-db-instance.js';
import { restoreDbInstanceFromDbSnapshot } from './restore-db-instance-from-db-snapshot.js';
import { restoreDbInstanceToPointInTime } from './restore-db-instance-to-point-in-time.js';
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from './tags.js';

export type { ActionContext, ActionHandler } from './context.js';

export const actionHandlers: ReadonlyMap<string, ActionHandler> = new Map([
  ['CreateDBInstance', createDbInstance],
  ['DescribeDBInstances', describeDbInstances],
  ['ModifyDBInstance', modifyDbInstance],
  ['DeleteDBInstance', deleteDbInstance],
  ['CreateDBSnapshot', createDbSnapshot],
  ['DescribeDBSnapshots', describeDbSnapshots],
  ['DeleteDBSnapshot', deleteDbSnapshot],
  ['RestoreDBInstanceFromDBSnapshot', restoreDbInstanceFromDbSnapshot],
  ['RestoreDBInstanceToPointInTime', restoreDbInstanceToPointInTime],
  ['DescribeDBInstanceAutomatedBackups', describeDbInstanceAutomatedBackups],
  ['AddTagsToResource', addTagsToResource],
  ['RemoveTagsFromResource', removeTagsFromResource],
  ['ListTagsForResource', listTagsForResource],
]);
