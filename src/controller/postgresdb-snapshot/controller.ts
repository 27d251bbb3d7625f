import { kindRunnerOptions } from '../kind-deps.js';
import { POSTGRESDB_SNAPSHOTS, type PostgresDBSnapshot } from '../../api/postgres-db-snapshot.js';
import { needsReconcile, type RuntimeDeps } from '../postgresdb-controller.js';
import { KindRunner } from '../runtime/kind-runner.js';
import { TermTask } from '../runtime/term-task.js';
import type { Controller } from '../runtime/manager.js';
import { boundSnapshotIdentifier } from './identity.js';
import { SnapshotOrphans } from './orphans.js';
import { reconcileSnapshot, type SnapshotContext } from './reconcile.js';

/**
 * PostgresDBSnapshots: a KindRunner watching them, and while this replica leads, reconciling each
 * and reviewing the account's snapshots every resync period for the ones no PostgresDBSnapshot binds.
 */
export class PostgresDBSnapshotController implements Controller {
  private readonly runner: KindRunner<PostgresDBSnapshot>;
  private readonly orphans: SnapshotOrphans;
  private readonly reviews: TermTask<string[] | undefined>;

  constructor(deps: RuntimeDeps) {
    const { settings, config } = deps;
    const context: SnapshotContext = {
      config,
      rds: deps.rds,
      kube: deps.kube,
      events: deps.events,
      logger: deps.logger,
      pollIntervalMs: settings.pollIntervalMs,
      now: () => new Date(),
    };
    this.runner = new KindRunner<PostgresDBSnapshot>({
      ...kindRunnerOptions(deps),
      type: POSTGRESDB_SNAPSHOTS,
      reconciler: {
        needsReconcile,
        reconcile: (object, _key, signal) => reconcileSnapshot(context, object, signal),
      },
    });
    this.orphans = new SnapshotOrphans({
      rds: deps.rds,
      events: deps.events,
      regarding: deps.operatorObject,
      logger: deps.logger,
      scene: () => ({
        clusterName: config.clusterName,
        bound: new Set(this.runner.list().map((object) => boundSnapshotIdentifier(object, config))),
        watchNamespaces: config.watchNamespaces ?? [],
      }),
    });
    this.reviews = new TermTask((term) => this.orphans.review(term), settings.resyncPeriodMs);
  }

  watch(): Promise<void> {
    return this.runner.watch();
  }

  /** Reconciles what is cached; orphans are reviewed at once (the cache is full), then every resync period. */
  async lead(signal: AbortSignal): Promise<void> {
    await this.runner.lead(signal);
    this.reviews.begin(signal);
    void this.reviews.runNow();
    this.reviews.repeat();
  }

  async standDown(): Promise<void> {
    const reviewEnded = this.reviews.end();
    await this.runner.standDown();
    await reviewEnded;
  }

  async stop(): Promise<void> {
    await this.standDown();
    await this.runner.stop();
  }

  waitIdle(): Promise<void> {
    return this.runner.waitIdle();
  }

  /** One review at a time; one already running is joined. */
  reviewNow(): Promise<string[] | undefined> {
    return this.reviews.runNow();
  }
}
