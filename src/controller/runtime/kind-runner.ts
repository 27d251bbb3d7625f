import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { withLogFields } from '../../util/logger.js';
import type { KubeClient } from '../../kube/client.js';
import { type Keyed, keyOf } from '../../kube/informer.js';
import { informerFor, type ObjectInformer } from '../../kube/informer-group.js';
import type { ResourceType } from '../../api/resource-type.js';
import { pathOf } from '../../kube/paths.js';
import type { BackoffPolicy } from '../../kube/backoff.js';
import { type WorkResult, WorkQueue } from '../../kube/work-queue.js';
import type { Controller } from './manager.js';
import type { KindMetrics, ReconcileResult, RuntimeMetrics } from './metrics.js';

export type { ReconcileResult } from './metrics.js';

/** What a kind brings to the runtime: which changes matter, and one reconcile. */
export interface KindReconciler<T extends Keyed> {
  /** Changes to act on; others (such as the controller's own status writes) are not queued again. */
  needsReconcile(previous: T, next: T): boolean;
  /** One level-based reconcile of the object as cached; `skipped` when it was left alone by design. */
  reconcile(object: T, key: string, signal: AbortSignal): Promise<WorkResult & { skipped?: boolean }>;
  /** The object is gone from the cache: drop whatever was kept for it. */
  forget?(object: T): void;
}

export interface KindRunnerOptions<T extends Keyed> {
  client: KubeClient;
  logger: Logger;
  /** Watched namespaces; empty: the whole cluster. */
  namespaces: readonly string[];
  /** The kind's group, version and plural: where its objects are listed and watched. */
  type: ResourceType<T>;
  /** Applied to every object before it is cached. */
  transform?: (object: T) => T;
  watchdogMs: number;
  relistPeriodMs: number;
  concurrency: number;
  backoff?: BackoffPolicy;
  metrics: RuntimeMetrics;
  reconciler: KindReconciler<T>;
}

/**
 * The generic part of a controller for one kind: an informer whose events queue keys, and, while
 * this replica leads, a work queue that reconciles one key at a time (with backoff on failure and
 * requeue on request), counted in the metrics. The informer runs whether or not the replica leads,
 * so a new leader starts from a full cache. The kind's reconciler is all a new kind has to write.
 */
export class KindRunner<T extends Keyed> implements Controller {
  /** In metrics and logs: the kind in lower case, as controller-runtime's builder names a controller. */
  readonly name: string;
  private readonly informer: ObjectInformer<T>;
  private readonly metrics: KindMetrics;
  /** The current term of leadership: its queue, and the signal that aborts its reconciles. */
  private term: { queue: WorkQueue; signal: AbortSignal } | undefined;
  private accepting = false;

  constructor(private readonly options: KindRunnerOptions<T>) {
    const { reconciler } = options;
    this.name = options.type.kind.toLowerCase();
    this.metrics = options.metrics.controller(this.name, options.concurrency);
    this.informer = informerFor<T>(options.namespaces, (namespace) => pathOf(options.type, namespace), {
      client: options.client,
      logger: options.logger,
      ...(options.transform ? { transform: options.transform } : {}),
      watchdogMs: options.watchdogMs,
      relistPeriodMs: options.relistPeriodMs,
      handlers: {
        onAdd: (object) => this.enqueue(keyOf(object)),
        onUpdate: (previous, object) => {
          if (reconciler.needsReconcile(previous, object)) this.enqueue(keyOf(object));
        },
        onDelete: (object) => {
          this.term?.queue.forget(keyOf(object));
          reconciler.forget?.(object);
        },
      },
    });
  }

  /** Resolves once the first list is cached; events queue nothing until `lead` and `accept`. */
  watch(): Promise<void> {
    return this.informer.start();
  }

  /** Reconciles every cached object, and every change after, until `signal` aborts. */
  async lead(signal: AbortSignal): Promise<void> {
    this.begin(signal);
    this.accept(true);
  }

  /** A term of leadership starts: a new queue, whose reconciles `signal` aborts; nothing queued yet. */
  begin(signal: AbortSignal): void {
    const { logger } = this.options;
    const queue = new WorkQueue({
      concurrency: this.options.concurrency,
      handler: (key) => this.handle(key),
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
      observer: this.metrics.queue,
      onError: (key, error, failures) =>
        logger.debug(
          { controller: this.name, ...keyFields(key), failures, err: error },
          'reconcile will be retried',
        ),
    });
    this.term = { queue, signal };
  }

  /** From now on events queue keys; `all` queues every cached object at once. */
  accept(all: boolean): void {
    this.accepting = true;
    if (all) for (const object of this.informer.list()) this.enqueue(keyOf(object));
  }

  /** The term ended: nothing more is queued, and the reconciles in flight (aborted) are waited for. */
  async standDown(): Promise<void> {
    this.accepting = false;
    const term = this.term;
    this.term = undefined;
    await term?.queue.stop();
  }

  async stop(): Promise<void> {
    await this.standDown();
    await this.informer.stop();
  }

  enqueue(key: string): void {
    if (this.accepting) this.term?.queue.add(key);
  }

  get(key: string): T | undefined {
    return this.informer.get(key);
  }

  list(): T[] {
    return this.informer.list();
  }

  get stats() {
    return this.informer.stats;
  }

  /** Resolves when nothing is queued or running (at once when not leading). */
  async waitIdle(): Promise<void> {
    await this.term?.queue.waitIdle();
  }

  /**
   * One reconcile, under an id of its own: every line logged while it runs carries the id, the
   * controller and the object's namespace and name, as controller-runtime's reconcile logger does.
   */
  private handle(key: string): Promise<WorkResult | undefined> {
    const object = this.informer.get(key);
    const signal = this.term?.signal;
    if (!object || !signal || signal.aborted) return Promise.resolve(undefined);
    const fields = { controller: this.name, ...keyFields(key), reconcileID: randomUUID() };
    return withLogFields(fields, () => this.reconcile(object, key, signal));
  }

  private async reconcile(object: T, key: string, signal: AbortSignal): Promise<WorkResult> {
    const finished = this.metrics.reconcileStarted();
    let result: ReconcileResult = 'success';
    let skipped = false;
    try {
      const { skipped: leftAlone, ...outcome } = await this.options.reconciler.reconcile(object, key, signal);
      skipped = leftAlone === true;
      if (outcome.requeueAfterMs !== undefined) result = 'requeue_after';
      return outcome;
    } catch (error) {
      result = 'error';
      throw error;
    } finally {
      finished(result);
      this.options.logger.debug({ result, ...(skipped ? { skipped } : {}) }, 'reconciled');
    }
  }
}

/** A key (`namespace/name`, `/name` when cluster-scoped) as the separate log fields. */
function keyFields(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  const namespace = key.slice(0, Math.max(slash, 0));
  const name = key.slice(slash + 1);
  return namespace ? { namespace, name } : { name };
}
