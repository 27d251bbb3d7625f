import { type AccessCheckOptions, type AccessOutcome, type AccessTarget, accessFailureOf } from './access.js';
import { openPostgresSession, SessionError, type SqlSession } from './postgres-session.js';

class CheckTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs / 1000} s`);
  }
}

/** Connects as a client would, authenticates, and runs `select 1`; one connection, closed after. */
export async function checkPostgresAccess(
  target: AccessTarget,
  { timeoutMs, caBundle }: AccessCheckOptions,
): Promise<AccessOutcome> {
  const opening = openPostgresSession(target, {
    timeoutMs,
    ...(caBundle === undefined ? {} : { caBundle }),
    applicationName: 'stow-access-check',
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(timeoutMs)), timeoutMs + 100);
  });
  try {
    await Promise.race([opening.then((session: SqlSession) => session.query('select 1')), deadline]);
    return { connectable: true };
  } catch (error) {
    if (error instanceof CheckTimeout)
      return { connectable: false, reason: 'Timeout', detail: error.message };
    if (!(error instanceof SessionError)) throw error;
    // A statement refused after logging in (a server shutting down, say) is read by its SQLSTATE.
    const reason =
      error.reason === 'SqlFailed'
        ? accessFailureOf({ code: error.sqlState, message: error.message })
        : error.reason;
    return { connectable: false, reason, detail: error.message };
  } finally {
    clearTimeout(timer);
    // Also when the deadline came first: the session, once open, is closed.
    void opening.then((session) => session.end()).catch(() => undefined);
  }
}
