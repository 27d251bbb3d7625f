import { invalidParameterValue } from '../errors.js';
import type { DbInstance } from '../model.js';
import { nextMarker, type PageRequest, readPageRequest } from '../pagination.js';
import type { QueryParams } from '../query-params.js';
import { dbInstanceXml } from '../render.js';
import type { EmulatorState } from '../state.js';
import { element, list } from '../xml.js';
import type { ActionHandler } from './context.js';

interface InstanceSelection {
  /** Identifiers named by DBInstanceIdentifier or a db-instance-id filter; `undefined` means all. */
  identifiers?: Set<string>;
  predicates: Array<(instance: DbInstance) => boolean>;
}

export const describeDbInstances: ActionHandler = (params, { state }) => {
  const page = readPageRequest(params);
  const requestedId = params.string('DBInstanceIdentifier')?.toLowerCase();
  if (requestedId !== undefined) state.requireInstance(requestedId);
  const { items, more } = selectPage(state, readSelection(params, requestedId), page);
  return element('Marker', nextMarker(items, more)) + list('DBInstances', 'DBInstance', items, dbInstanceXml);
};

function selectPage(
  state: EmulatorState,
  { identifiers, predicates }: InstanceSelection,
  page: PageRequest,
): { items: DbInstance[]; more: boolean } {
  const matches = (instance: DbInstance) => predicates.every((matches) => matches(instance));
  if (identifiers === undefined) {
    const accept = predicates.length === 0 ? undefined : (id: string) => matches(state.getInstance(id)!);
    return state.instancePage(page.after, page.maxRecords, accept);
  }
  // Named identifiers are looked up directly, so a describe of one instance costs O(1) however many exist.
  const selected = [...identifiers]
    .filter((id) => page.after === undefined || id > page.after)
    .sort()
    .map((id) => state.getInstance(id))
    .filter((instance): instance is DbInstance => instance !== undefined && matches(instance));
  return { items: selected.slice(0, page.maxRecords), more: selected.length > page.maxRecords };
}

function readSelection(params: QueryParams, requestedId: string | undefined): InstanceSelection {
  const selection: InstanceSelection = {
    identifiers: requestedId === undefined ? undefined : new Set([requestedId]),
    predicates: [],
  };
  for (const filter of params.structList('Filters') ?? []) {
    const name = filter.string('Name');
    const values = new Set(filter.list('Values') ?? []);
    switch (name) {
      case 'db-instance-id': {
        const named = new Set([...values].map(identifierFromIdOrArn));
        selection.identifiers = selection.identifiers
          ? new Set([...selection.identifiers].filter((id) => named.has(id)))
          : named;
        break;
      }
      case 'dbi-resource-id':
        selection.predicates.push((instance) => values.has(instance.resourceId));
        break;
      case 'engine':
        selection.predicates.push((instance) => values.has(instance.engine));
        break;
      default:
        throw invalidParameterValue(`Unrecognized filter name: ${name}`);
    }
  }
  return selection;
}

function identifierFromIdOrArn(value: string): string {
  const arnMatch = /^arn:aws:rds:[^:]+:\d{12}:db:(.+)$/.exec(value);
  return (arnMatch ? arnMatch[1]! : value).toLowerCase();
}
