import type { Logger } from 'pino';
import { POSTGRES_DATABASES, type PostgresDatabase } from '../../api/postgres-database.js';
import type { OperatorConfig } from '../../config/schema.js';
import type { AccessTarget } from '../../engine/access.js';
import type { SqlSession } from '../../engine/postgres-session.js';
import type { EventSink, EventType } from '../../kube/events.js';
import { objectReference } from '../../kube/references.js';
import type { KubeResources } from '../../kube/resources.js';
import type { PolicySource } from '../../policy/store.js';
import type { ReconcileError } from '../reconcile-error.js';

/** Everything a reconcile of a PostgresDatabase uses, so tests can hand in their own. */
export interface DatabaseContext {
  config: OperatorConfig;
  kube: KubeResources;
  events: DatabaseEvents;
  policies: PolicySource;
  logger: Logger;
  /** How soon a database waiting for its instance is looked at again. */
  pollIntervalMs: number;
  /** How soon a database in place (or waiting for a change of its own) is looked at again. */
  resyncPeriodMs: number;
  /** A session as the target's user in the target's database (the engine's, over TLS). */
  connect(target: AccessTarget): Promise<SqlSession>;
  now(): Date;
}

/** Events about a PostgresDatabase. */
export interface DatabaseEvents {
  record(
    object: PostgresDatabase,
    type: EventType,
    reason: string,
    message: string,
    signal?: AbortSignal,
  ): Promise<void>;
}

export function databaseEvents(events: EventSink): DatabaseEvents {
  return {
    record: (object, ...rest) => events.record(objectReference(POSTGRES_DATABASES, object), ...rest),
  };
}

/**
 * Not a failure: the database waits for something outside it (its instance, a policy), which status
 * reports in Ready. No Warning Event, no backoff: looked at again after the poll interval, or the
 * resync period when only a change elsewhere can help.
 */
export class Waiting extends Error {
  override name = 'Waiting';
  constructor(
    readonly state: ReconcileError,
    readonly recheck: 'poll' | 'resync' = 'poll',
  ) {
    super(state.message);
  }
}
