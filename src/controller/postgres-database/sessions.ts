import type { Logger } from 'pino';
import { SessionError, type SqlSession } from '../../engine/postgres-session.js';
import { ReconcileError } from '../reconcile-error.js';
import type { DatabaseContext } from './context.js';
import { connectAsMaster, type ResolvedInstance } from './instance.js';
import type { SqlQuery } from './inspect.js';
import { SESSION_SEARCH_PATH, type SqlStep } from './plan.js';

/**
 * The master user's two sessions of a reconcile, opened when first needed and closed at its end: one
 * to the instance (its own database), one into the PostgresDatabase's database, where the search path
 * is set first so that nothing a tenant created is found by name.
 */
export class MasterSessions {
  private instanceSession: Promise<SqlSession> | undefined;
  private insideSession: Promise<SqlSession> | undefined;

  constructor(
    private readonly context: DatabaseContext,
    private readonly instance: ResolvedInstance,
    private readonly databaseName: string,
    private readonly logger: Logger,
  ) {}

  query(target: SqlStep['target'], query: SqlQuery): Promise<Array<Record<string, unknown>>> {
    return this.session(target).then((session) => session.query(query.text, query.values));
  }

  /** Each step on its own, in order; a failure names the step (never the text of a secret one). */
  async run(steps: readonly SqlStep[]): Promise<void> {
    for (const step of steps) {
      const session = await this.session(step.target);
      try {
        await session.query(step.text);
      } catch (error) {
        throw stepFailure(step, error);
      }
      this.logger.info({ target: step.target, step: step.summary }, 'sql step');
    }
  }

  async close(): Promise<void> {
    const sessions = [this.instanceSession, this.insideSession];
    this.instanceSession = undefined;
    this.insideSession = undefined;
    await Promise.all(sessions.map((session) => session?.then((open) => open.end()).catch(() => undefined)));
  }

  private session(target: SqlStep['target']): Promise<SqlSession> {
    if (target === 'instance') {
      this.instanceSession ??= connectAsMaster(this.context, this.instance);
      return this.instanceSession;
    }
    this.insideSession ??= connectAsMaster(this.context, this.instance, this.databaseName).then(
      async (session) => {
        await session.query(`SET search_path = ${SESSION_SEARCH_PATH}`);
        return session;
      },
    );
    return this.insideSession;
  }
}

/**
 * A statement the server refused. The server's words are kept (they name objects, never values),
 * except for a step that carries a password verifier, where only the SQLSTATE is: a syntax error
 * would quote the statement.
 */
function stepFailure(step: SqlStep, error: unknown): unknown {
  if (!(error instanceof SessionError)) return error;
  const state = error.sqlState ? ` (SQLSTATE ${error.sqlState})` : '';
  const detail = step.secret ? `the statement failed${state}` : `${error.message}${state}`;
  return new ReconcileError('SqlFailed', `Could not ${step.summary}: ${detail}`, 'backoff');
}
