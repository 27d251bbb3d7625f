import type { ActionHandler } from './context.js';
import { createDbInstance } from './create-db-instance.js';
import { deleteDbInstance } from './delete-db-instance.js';
import { describeDbInstances } from './describe-db-instances.js';
import { describeDbSnapshots } from './describe-db-snapshots.js';
import { modifyDbInstance } from './modify-db-instance.js';
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from './tags.js';

export type { ActionContext, ActionHandler } from './context.js';

export const actionHandlers: ReadonlyMap<string, ActionHandler> = new Map([
  ['CreateDBInstance', createDbInstance],
  ['DescribeDBInstances', describeDbInstances],
  ['ModifyDBInstance', modifyDbInstance],
  ['DeleteDBInstance', deleteDbInstance],
  ['DescribeDBSnapshots', describeDbSnapshots],
  ['AddTagsToResource', addTagsToResource],
  ['RemoveTagsFromResource', removeTagsFromResource],
  ['ListTagsForResource', listTagsForResource],
]);
