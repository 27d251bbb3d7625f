import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { type LeaderElectionOptions, LeaderElector } from '../../kube/leader-election.js';
import type { ObjectReference } from '../../kube/types.js';
import type { KubeResources } from '../../kube/resources.js';

/**
 * A kind's controller: its informers run for the life of the replica, so that a new leader starts
 * from full caches; its work queue and reconciles run only while the replica leads.
 */
export interface Controller {
  /** Starts the informers; resolves once every first list is cached. */
  watch(): Promise<void>;
  /** A term of leadership: reconciles until `signal` aborts; resolves once it is reconciling. */
  lead(signal: AbortSignal): Promise<void>;
  /** The term ended (its signal aborted): stops reconciling and waits for the reconciles in flight. */
  standDown(): Promise<void>;
  /** Stops reconciling and watching. */
  stop(): Promise<void>;
  /** Resolves when nothing is queued or running. */
  waitIdle(): Promise<void>;
}

/** What every controller is made with. */
export interface Leadership {
  /** The Lease, for Events about what belongs to no object of a kind. */
  operatorObject(): ObjectReference | undefined;
}

export interface ManagerOptions {
  kube: KubeResources;
  leaderElection: LeaderElectionOptions;
  logger: Logger;
  /** The registered kinds' controllers, made once: they watch from the start, and reconcile while leading. */
  controllers: ReadonlyArray<(leadership: Leadership) => Controller>;
  onLeadership?(leading: boolean): void;
}

/**
 * Runs every registered controller under one leader election, as controller-runtime's manager does:
 * every replica fills its caches from the start; while this replica holds the Lease all controllers
 * reconcile, and losing it stops all of them at once. A standby that becomes leader therefore starts
 * reconciling at once, whatever the number of objects, instead of listing them first.
 */
export class Manager {
  private readonly elector: LeaderElector;
  private readonly all: readonly Controller[];
  private watching: Promise<unknown> | undefined;
  private leading = false;

  constructor(private readonly options: ManagerOptions) {
    this.elector = new LeaderElector(
      options.kube,
      options.leaderElection,
      {
        onStartedLeading: (signal) => this.lead(signal),
        onStoppedLeading: async () => options.onLeadership?.(false),
      },
      options.logger,
    );
    const leadership = { operatorObject: () => this.elector.leaseReference() };
    this.all = options.controllers.map((create) => create(leadership));
  }

  start(): void {
    const started = performance.now();
    this.watching = Promise.all(this.all.map((controller) => controller.watch())).then(() =>
      this.options.logger.info(
        { seconds: Number(((performance.now() - started) / 1000).toFixed(3)) },
        'caches filled',
      ),
    );
    this.elector.start();
  }

  /** Stops the controllers' reconciles, releases the Lease, then stops watching. */
  async stop(): Promise<void> {
    await this.elector.stop();
    await Promise.all(this.all.map((controller) => controller.stop()));
  }

  isLeader(): boolean {
    return this.elector.isLeader();
  }

  /** The controllers, reconciling (none when not leading). */
  controllers(): readonly Controller[] {
    return this.leading ? this.all : [];
  }

  /** Resolves when every running controller is idle (at once when not leading). */
  async waitIdle(): Promise<void> {
    await Promise.all(this.controllers().map((controller) => controller.waitIdle()));
  }

  private async lead(signal: AbortSignal): Promise<void> {
    this.options.onLeadership?.(true);
    const stopped = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    try {
      await Promise.race([this.watching, stopped]);
      if (signal.aborted) return;
      this.leading = true;
      await Promise.race([Promise.all(this.all.map((controller) => controller.lead(signal))), stopped]);
      await stopped;
    } finally {
      this.leading = false;
      await Promise.all(this.all.map((controller) => controller.standDown()));
    }
  }
}
