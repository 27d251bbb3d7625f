import { invalidParameterValue } from '../errors.js';
import type { DbSnapshot } from '../model.js';
import { nextMarker, readPageRequest } from '../pagination.js';
import type { QueryParams } from '../query-params.js';
import { dbSnapshotXml } from '../render.js';
import { element, list } from '../xml.js';
import type { ActionHandler } from './context.js';

type Predicate = (snapshot: DbSnapshot) => boolean;

/**
 * DBSnapshotIdentifier (a missing one is DBSnapshotNotFound), DBInstanceIdentifier, SnapshotType and
 * the filters db-snapshot-id, db-instance-id (identifiers or ARNs), dbi-resource-id, snapshot-type and
 * engine, all of them together; pages of MaxRecords in identifier order.
 */
export const describeDbSnapshots: ActionHandler = (params, { state }) => {
  const page = readPageRequest(params);
  const snapshotId = params.string('DBSnapshotIdentifier')?.toLowerCase();
  if (snapshotId !== undefined) state.requireSnapshot(snapshotId);
  const predicates = readPredicates(params);
  if (snapshotId !== undefined) predicates.push((snapshot) => snapshot.identifier === snapshotId);
  const matches = (snapshot: DbSnapshot) => predicates.every((matches) => matches(snapshot));
  const { items, more } =
    snapshotId === undefined
      ? state.snapshotPage(page.after, page.maxRecords, predicates.length ? matches : undefined)
      : { items: [state.getSnapshot(snapshotId)!].filter(matches), more: false };
  return element('Marker', nextMarker(items, more)) + list('DBSnapshots', 'DBSnapshot', items, dbSnapshotXml);
};

function readPredicates(params: QueryParams): Predicate[] {
  const predicates: Predicate[] = [];
  const instanceId = params.string('DBInstanceIdentifier')?.toLowerCase();
  if (instanceId !== undefined) predicates.push((snapshot) => snapshot.instanceIdentifier === instanceId);
  const snapshotType = params.string('SnapshotType');
  if (snapshotType !== undefined) predicates.push((snapshot) => snapshot.snapshotType === snapshotType);
  for (const filter of params.structList('Filters') ?? []) {
    const name = filter.string('Name');
    const values = new Set(filter.list('Values') ?? []);
    switch (name) {
      case 'db-snapshot-id': {
        const ids = new Set([...values].map((value) => lastSegment(value, 'snapshot')));
        predicates.push((snapshot) => ids.has(snapshot.identifier));
        break;
      }
      case 'db-instance-id': {
        const ids = new Set([...values].map((value) => lastSegment(value, 'db')));
        predicates.push((snapshot) => ids.has(snapshot.instanceIdentifier));
        break;
      }
      case 'dbi-resource-id':
        predicates.push((snapshot) => values.has(snapshot.instanceResourceId));
        break;
      case 'snapshot-type':
        predicates.push((snapshot) => values.has(snapshot.snapshotType));
        break;
      case 'engine':
        predicates.push(() => values.has('postgres'));
        break;
      default:
        throw invalidParameterValue(`Unrecognized filter name: ${name}`);
    }
  }
  return predicates;
}

/** An identifier, or the identifier an ARN of the given resource type names, in lower case. */
function lastSegment(value: string, type: 'db' | 'snapshot'): string {
  const match = new RegExp(`^arn:aws:rds:[^:]+:\\d{12}:${type}:(.+)$`).exec(value);
  return (match ? match[1]! : value).toLowerCase();
}
