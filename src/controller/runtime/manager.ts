import type { Logger } from 'pino';
import { type LeaderElectionOptions, LeaderElector } from '../../kube/leader-election.js';
import type { ObjectReference } from '../../kube/types.js';
import type { KubeResources } from '../../kube/resources.js';

/** A kind's controller while this replica leads: its informers, its work queue, its reconciles. */
export interface Controller {
  /** Resolves once the controller is watching and reconciling. */
  start(): Promise<void>;
  /** Stops reconciling (reconciles in flight are aborted) and watching. */
  stop(): Promise<void>;
  /** Resolves when nothing is queued or running. */
  waitIdle(): Promise<void>;
}

/** What every controller is made with each time this replica starts leading. */
export interface Leadership {
  /** Aborts when leadership is lost or given up. */
  signal: AbortSignal;
  /** The Lease, for Events about what belongs to no object of a kind. */
  operatorObject(): ObjectReference | undefined;
}

export interface ManagerOptions {
  kube: KubeResources;
  leaderElection: LeaderElectionOptions;
  logger: Logger;
  /** The registered kinds' controllers, made anew for every term of leadership. */
  controllers: ReadonlyArray<(leadership: Leadership) => Controller>;
  onLeadership?(leading: boolean): void;
}

/**
 * Runs every registered controller under one leader election, as controller-runtime's manager does:
 * while this replica holds the Lease all of them run, and losing it stops all of them at once.
 */
export class Manager {
  private readonly elector: LeaderElector;
  private running: readonly Controller[] = [];

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
  }

  start(): void {
    this.elector.start();
  }

  /** Stops the controllers, then releases the Lease. */
  stop(): Promise<void> {
    return this.elector.stop();
  }

  isLeader(): boolean {
    return this.elector.isLeader();
  }

  /** The controllers of the current term (none when not leading). */
  controllers(): readonly Controller[] {
    return this.running;
  }

  /** Resolves when every running controller is idle (at once when not leading). */
  async waitIdle(): Promise<void> {
    await Promise.all(this.running.map((controller) => controller.waitIdle()));
  }

  private async lead(signal: AbortSignal): Promise<void> {
    this.options.onLeadership?.(true);
    const leadership = { signal, operatorObject: () => this.elector.leaseReference() };
    const controllers = this.options.controllers.map((create) => create(leadership));
    this.running = controllers;
    const stopped = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    try {
      await Promise.race([Promise.all(controllers.map((controller) => controller.start())), stopped]);
      await stopped;
    } finally {
      this.running = [];
      await Promise.all(controllers.map((controller) => controller.stop()));
    }
  }
}
