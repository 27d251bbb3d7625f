import { missingParameter } from '../errors.js';
import type { QueryParams } from '../query-params.js';
import { tagListXml } from '../render.js';
import { mergeTags, readTags } from '../rules/tags.js';
import type { EmulatorState } from '../state.js';
import type { ActionHandler } from './context.js';

export const addTagsToResource: ActionHandler = (params, { state }) => {
  const tags = readTags(params);
  if (tags.length === 0) throw missingParameter('Tags');
  mergeTags(tagsOf(params, state), tags);
  return undefined;
};

export const removeTagsFromResource: ActionHandler = (params, { state }) => {
  const keys = params.list('TagKeys');
  if (keys === undefined) throw missingParameter('TagKeys');
  const tags = tagsOf(params, state);
  for (const key of keys) tags.delete(key);
  return undefined;
};

export const listTagsForResource: ActionHandler = (params, { state }) => tagListXml(tagsOf(params, state));

function tagsOf(params: QueryParams, state: EmulatorState): Map<string, string> {
  const resource = state.resolveArn(params.requiredString('ResourceName'));
  return resource.kind === 'db' ? resource.instance.tags : resource.snapshot.tags;
}
