import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { PostgresDB } from '../api/v1beta1.js';
import type { OperatorConfig } from '../config/schema.js';
import { type AccessOutcome, type AccessTarget, sslModeOf } from '../engine/access.js';
import { postgres } from '../engine/engine.js';
import type { Secret } from '../kube/types.js';
import { decodeSecretData } from './connection-secret.js';

export const CONNECTABLE_CONDITION = 'Connectable';

/** The Connectable condition a check leads to. */
export interface AccessVerdict {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/** The Secret's connection keys as a client reads them; undefined while some are missing. */
export function accessTargetOf(secret: Secret | undefined): AccessTarget | undefined {
  const data = decodeSecretData(secret);
  const address = data.host || data.DB_HOST;
  const port = Number(data.port || data.DB_PORT);
  const username = data.username || data.DB_USER;
  const password = data.password || data.DB_PASSWORD;
  const databaseName = data.dbname || data.DB_NAME;
  if (!address || !Number.isInteger(port) || port <= 0 || !username || !password || !databaseName)
    return undefined;
  return { address, port, username, password, databaseName, sslmode: sslModeOf(data.uri) };
}

const NO_PATH_HINT =
  'the operator may have no network path to the database (security groups, network policies); ' +
  'the operator setting accessCheck.enabled: false turns the check off';

/** The condition for an outcome; the engine has already taken the password out of `detail`. */
export function verdictOf(target: AccessTarget, outcome: AccessOutcome, timeoutMs: number): AccessVerdict {
  const where = `${target.address}:${target.port}`;
  if (outcome.connectable) {
    return {
      status: 'True',
      reason: 'Connected',
      message: `Connected to ${where} as ${target.username} (database ${target.databaseName}, sslmode=${target.sslmode}) with the Secret's credentials`,
    };
  }
  const { reason, detail } = outcome;
  const messages: Record<typeof reason, string> = {
    ConnectionRefused: `${where} refused the connection: ${detail}`,
    AuthenticationFailed: `${where} refused the Secret's credentials for ${target.username}: ${detail}`,
    DatabaseNotFound: `Database ${target.databaseName} does not exist at ${where}: ${detail}`,
    NotAcceptingConnections: `${where} does not accept connections now: ${detail}`,
    Timeout: `No answer from ${where} within ${timeoutMs / 1000} s: ${NO_PATH_HINT}`,
    Unreachable: `Cannot reach ${where} (${detail}): ${NO_PATH_HINT}`,
    TLSError: `TLS with ${where} failed (sslmode=${target.sslmode}; the operator setting accessCheck.caBundle holds the CAs it trusts): ${detail}`,
    CheckFailed: `Connecting to ${where} failed: ${detail}`,
  };
  return { status: 'False', reason, message: messages[reason] };
}

/** True when the object's status already says what the verdict says. */
export function showsVerdict(object: PostgresDB | undefined, verdict: AccessVerdict): boolean {
  const condition = object?.status?.conditions?.find((c) => c.type === CONNECTABLE_CONDITION);
  return (
    condition?.status === verdict.status &&
    condition.reason === verdict.reason &&
    condition.message === verdict.message
  );
}

/** What a reconcile asks (AccessChecks; a fake in unit tests). */
export interface AccessVerdicts {
  /**
   * The verdict for the resource's current target: a fresh one from memory; a stale one (older than
   * the recheck period) while a recheck runs in the background; else a new check, waited for briefly
   * when `wait`. Undefined while that check runs on: its verdict goes to `onVerdict` when it ends.
   */
  verdict(
    key: string,
    target: AccessTarget,
    generation: number | undefined,
    options: { wait: boolean },
  ): Promise<AccessVerdict | undefined>;
}

export interface AccessChecksOptions {
  check(target: AccessTarget): Promise<AccessOutcome>;
  timeoutMs: number;
  /** A verdict older than this is rechecked (in the background) by the next reconcile. */
  recheckAfterMs: number;
  /** How long a reconcile waits for a check when asked to (and while checks end within it). */
  waitMs: number;
  /** Checks running at once; more wait for a turn. */
  concurrency: number;
  /** A check ended with no reconcile waiting for it. */
  onVerdict(key: string, verdict: AccessVerdict): void;
  logger?: Logger;
  now?: () => number;
}

interface Run {
  fingerprint: string;
  verdict: Promise<AccessVerdict>;
  /** Reconciles waiting for this run: when it ends with none, the verdict goes to onVerdict. */
  waiters: number;
}

interface Entry {
  fingerprint?: string;
  verdict?: AccessVerdict;
  checkedAt?: number;
  run?: Run;
}

/**
 * The access checks of one controller: at most one per resource at a time, a bounded number at
 * once, remembered by target (address, port, user, password, database, sslmode and the spec's
 * generation, hashed) so that a reconcile in the steady state checks nothing until the recheck
 * period has passed. Never throws, never requeues by itself: a check that ends late hands its
 * verdict to `onVerdict`, which queues the resource only when its status says something else.
 */
export class AccessChecks implements AccessVerdicts {
  private readonly entries = new Map<string, Entry>();
  private readonly turns: Array<() => void> = [];
  private running = 0;
  private stopped = false;
  /**
   * Set when a check outlasted a reconcile's wait, cleared by one that ends within it: while checks
   * are slow (a network the operator cannot reach), no reconcile waits for them.
   */
  private slow = false;
  private readonly now: () => number;

  constructor(private readonly options: AccessChecksOptions) {
    this.now = options.now ?? Date.now;
  }

  async verdict(
    key: string,
    target: AccessTarget,
    generation: number | undefined,
    { wait }: { wait: boolean },
  ): Promise<AccessVerdict | undefined> {
    const fingerprint = fingerprintOf(target, generation);
    const entry = this.entries.get(key) ?? {};
    this.entries.set(key, entry);
    if (entry.fingerprint === fingerprint && entry.verdict) {
      if (this.now() - (entry.checkedAt ?? 0) >= this.options.recheckAfterMs)
        this.start(key, entry, target, fingerprint);
      return entry.verdict;
    }
    const run = this.start(key, entry, target, fingerprint);
    if (!wait || this.slow) return undefined;
    run.waiters++;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.options.waitMs);
    });
    const verdict = await Promise.race([run.verdict, gaveUp]);
    clearTimeout(timer);
    run.waiters--;
    if (verdict === undefined) this.slow = true;
    return this.stopped ? undefined : verdict;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  stop(): void {
    this.stopped = true;
    this.entries.clear();
    for (const turn of this.turns.splice(0)) turn();
  }

  private start(key: string, entry: Entry, target: AccessTarget, fingerprint: string): Run {
    if (entry.run?.fingerprint === fingerprint) return entry.run;
    const run: Run = { fingerprint, waiters: 0, verdict: this.checkInTurn(target) };
    entry.run = run;
    void run.verdict.then((verdict) => {
      // Forgotten, stopped, or superseded by a check of a newer target: this verdict says nothing now.
      if (this.stopped || this.entries.get(key) !== entry || entry.run !== run) return;
      const changed = entry.verdict?.status !== verdict.status || entry.verdict?.reason !== verdict.reason;
      Object.assign(entry, { fingerprint, verdict, checkedAt: this.now(), run: undefined });
      if (changed) {
        const [namespace, name] = key.split('/');
        this.options.logger?.info(
          { namespace, name, connectable: verdict.status, reason: verdict.reason },
          'access check',
        );
      }
      if (run.waiters === 0) this.options.onVerdict(key, verdict);
    });
    return run;
  }

  private async checkInTurn(target: AccessTarget): Promise<AccessVerdict> {
    if (this.running >= this.options.concurrency)
      await new Promise<void>((resolve) => this.turns.push(resolve));
    this.running++;
    const started = performance.now();
    try {
      const outcome = this.stopped
        ? ({ connectable: false, reason: 'CheckFailed', detail: 'the controller stopped' } as const)
        : await this.options
            .check(target)
            .catch(
              (error: Error) =>
                ({ connectable: false, reason: 'CheckFailed', detail: error.message }) as const,
            );
      if (performance.now() - started < this.options.waitMs) this.slow = false;
      return verdictOf(target, outcome, this.options.timeoutMs);
    } finally {
      this.running--;
      this.turns.shift()?.();
    }
  }
}

/** Identifies a target without keeping its password in memory in clear. */
function fingerprintOf(target: AccessTarget, generation: number | undefined): string {
  const parts = [target.address, target.port, target.username, target.password, target.databaseName];
  return createHash('sha256')
    .update(JSON.stringify([...parts, target.sslmode, generation ?? null]))
    .digest('base64url');
}

/**
 * How long a reconcile waits for the first check of a resource before writing its status without
 * it: a check of a database the operator can reach (TLS, SCRAM, `select 1`) takes tens of ms.
 */
const FIRST_CHECK_WAIT_MS = 500;
const CONCURRENT_CHECKS = 8;

/** The controller's checks as configured; undefined when the check is turned off. */
export function accessChecksFor(
  config: OperatorConfig,
  resyncPeriodMs: number,
  logger: Logger,
  onVerdict: (key: string, verdict: AccessVerdict) => void,
): AccessChecks | undefined {
  const { enabled, timeoutSeconds, caBundle } = config.accessCheck;
  if (!enabled) return undefined;
  const timeoutMs = timeoutSeconds * 1000;
  return new AccessChecks({
    check: (target) => postgres.checkAccess(target, { timeoutMs, caBundle }),
    timeoutMs,
    // Half the period: every resync (which queues every resource) then finds the verdict due.
    recheckAfterMs: resyncPeriodMs / 2,
    waitMs: FIRST_CHECK_WAIT_MS,
    concurrency: CONCURRENT_CHECKS,
    onVerdict,
    logger,
  });
}
