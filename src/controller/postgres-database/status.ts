import type { PostgresDatabase, PostgresDatabaseStatus } from '../../api/postgres-database.js';
import type { Phase } from '../../api/v1beta1.js';
import { type ConditionInput, setCondition } from '../status.js';

/** What one reconcile of a PostgresDatabase found, for its status. */
export interface DatabaseStatusInput {
  object: PostgresDatabase;
  /** The PostgresDB the database is placed on. */
  instance: { name: string; namespace: string };
  /** The database, every role and every Secret are in place, with working passwords. */
  inPlace: boolean;
  /** The roles in place (beyond the owner) and their Secrets; undefined keeps the previous record. */
  users?: Array<{ name: string; secretName: string }> | undefined;
  /** Why it is not in place yet, when it is waiting for something that is not a failure (the instance). */
  waiting?: { reason: string; message: string } | undefined;
  /** Why the reconcile failed; `permanent` when retrying will not help until something changes. */
  failure?: { reason: string; message: string; permanent: boolean } | undefined;
  deleting?: boolean;
  now: string;
}

function phaseOf(input: DatabaseStatusInput): Phase {
  if (input.deleting) return 'Deleting';
  if (input.inPlace) return 'Available';
  return input.failure?.permanent ? 'Failed' : 'Pending';
}

function readiness(input: DatabaseStatusInput, databaseName: string): ConditionInput {
  const where = `${input.instance.namespace}/${input.instance.name}`;
  if (input.deleting)
    return {
      type: 'Ready',
      status: 'False',
      reason: 'Deleting',
      message: input.waiting?.message ?? 'The resource is being deleted',
    };
  if (input.inPlace)
    return {
      type: 'Ready',
      status: 'True',
      reason: 'DatabaseReady',
      message: `Database ${databaseName} is in place on the instance of PostgresDB ${where}, with its roles and Secrets`,
    };
  const why = input.waiting ?? input.failure;
  return {
    type: 'Ready',
    status: 'False',
    reason: why?.reason ?? 'Pending',
    message: why?.message ?? `Database ${databaseName} is not in place yet`,
  };
}

/** The status a reconcile leaves behind: Ready says whether clients can use the database, Synced whether the reconcile worked. */
export function buildDatabaseStatus(input: DatabaseStatusInput): PostgresDatabaseStatus {
  const { object, failure, now } = input;
  const previous = object.status;
  const generation = object.metadata.generation;
  const spec = object.spec;
  const status: PostgresDatabaseStatus = {
    phase: phaseOf(input),
    instance: { name: input.instance.name, namespace: input.instance.namespace },
  };
  if (spec.databaseName) status.databaseName = spec.databaseName;
  if (spec.owner) status.owner = spec.owner;
  if (spec.secretName) status.secretName = spec.secretName;
  const users = input.users ?? previous?.users;
  if (users?.length) status.users = users;
  if (generation !== undefined) status.observedGeneration = generation;
  const synced: ConditionInput = failure
    ? { type: 'Synced', status: 'False', reason: failure.reason, message: failure.message }
    : { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', message: 'The last reconcile succeeded' };
  const ready = readiness(input, spec.databaseName ?? '');
  status.conditions = setCondition(
    setCondition(previous?.conditions, ready, generation, now),
    synced,
    generation,
    now,
  );
  return status;
}
