import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { FINALIZER } from '../api/constants.js';
import { type PostgresDB, POSTGRESDBS } from '../api/v1beta1.js';
import type { RdsInstance } from '../aws/types.js';
import { type AccessChecks, accessChecksFor, showsVerdict } from './access-check.js';
import { cachedService, secretMetadata } from './cached-objects.js';
import { kubeOps, postgresDBEvents, type ReconcilerContext } from './context.js';
import { boundIdentifier, isPaused } from './resource.js';
import { reconcileDeletion } from './deletion.js';
import { keyOf } from '../kube/informer.js';
import { informerFor, type ObjectInformer } from '../kube/informer-group.js';
import { pathOf } from '../kube/paths.js';
import { type KubeObject, type ObjectReference, SECRETS, type Service, SERVICES } from '../kube/types.js';
import { type KindDeps, kindRunnerOptions } from './kind-deps.js';
import { MANAGED_SELECTOR } from './labels.js';
import { OrphanHandler } from './orphan-handler.js';
import { orphanScene } from './orphans.js';
import { OwnedSecrets, rememberingSecrets } from './owned-secrets.js';
import { controllerKey } from './owner.js';
import { StaleObservation } from './reconcile-error.js';
import { reconcileLive } from './reconciler.js';
import { TermTask } from './runtime/term-task.js';
import { KindRunner } from './runtime/kind-runner.js';
import type { Controller } from './runtime/manager.js';
import type { WorkResult } from '../kube/work-queue.js';

/** Pages of labelled Secrets and Services: a list of them holds at most this many at once, whoever filled them. */
const OWNED_PAGE_SIZE = 100;

export interface RuntimeDeps extends KindDeps {
  /** What Events about orphaned instances are about: the Lease, in the operator's own namespace. */
  operatorObject: () => ObjectReference | undefined;
}

export interface ResyncReport {
  pages: number;
  instances: number;
  resources: number;
  orphans: string[];
}

/**
 * Only changes a reconcile acts on. Our own writes are not queued again: status updates, and the
 * finalizer the first reconcile adds (that would cost every new resource a second reconcile); the
 * finalizer taken away by someone else is put back.
 */
export function needsReconcile<T extends Reconciled>(previous: T, next: T): boolean {
  const a = previous.metadata;
  const b = next.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    a.uid !== b.uid ||
    !isDeepStrictEqual(a.annotations ?? {}, b.annotations ?? {}) ||
    (hasFinalizer(previous) && !hasFinalizer(next))
  );
}

/** New, changed since its last reconcile, or being deleted: not in a steady state. */
export function awaitsReconcile(object: PostgresDB): boolean {
  const { status, metadata } = object;
  return (
    status?.observedGeneration === undefined ||
    status.observedGeneration !== metadata.generation ||
    metadata.deletionTimestamp !== undefined
  );
}

/** What needsReconcile reads of an object of any kind the controller reconciles. */
type Reconciled = Pick<PostgresDB, 'metadata'>;

function hasFinalizer(object: Reconciled): boolean {
  return object.metadata.finalizers?.includes(FINALIZER) ?? false;
}

/**
 * PostgresDB's controller: informers for PostgresDBs and for the Secrets and Services it owns, which
 * run for the life of the replica; while it leads, the work queue and the periodic resync against RDS.
 */
export class PostgresDBController implements Controller {
  private readonly postgres: KindRunner<PostgresDB>;
  private readonly secrets: ObjectInformer<KubeObject>;
  private readonly ownedSecrets: OwnedSecrets;
  private readonly services: ObjectInformer<Service>;
  private readonly context: ReconcilerContext;
  private readonly orphans: OrphanHandler;
  private readonly access: AccessChecks | undefined;
  private readonly listed = new Map<string, { instance: RdsInstance; at: number }>();
  /** Begun only once the caches are full: a resync before would find every instance orphaned. */
  private readonly resyncs: TermTask<ResyncReport | undefined>;

  constructor(private readonly deps: RuntimeDeps) {
    const { client, logger, settings } = deps;
    const kube = kubeOps(deps.kube);
    const informerTiming = { watchdogMs: settings.watchdogMs, relistPeriodMs: settings.relistPeriodMs };
    const enqueueOwner = (child: KubeObject) => {
      const key = controllerKey(child);
      if (key) this.postgres.enqueue(key);
    };
    const namespaces = deps.config.watchNamespaces ?? [];
    this.secrets = informerFor<KubeObject>(namespaces, (namespace) => pathOf(SECRETS, namespace), {
      client,
      labelSelector: MANAGED_SELECTOR,
      metadataOnly: true,
      transform: secretMetadata,
      pageSize: OWNED_PAGE_SIZE,
      logger,
      handlers: {
        onUpdate: (_previous, object) => this.ownedSecrets.changed(object),
        onDelete: (object) => {
          this.ownedSecrets.deleted(object);
          enqueueOwner(object);
        },
      },
      ...informerTiming,
    });
    this.ownedSecrets = new OwnedSecrets(this.secrets, kube, (key) => this.postgres.get(key)?.metadata.uid);
    this.services = informerFor<Service>(namespaces, (namespace) => pathOf(SERVICES, namespace), {
      client,
      labelSelector: MANAGED_SELECTOR,
      transform: cachedService,
      pageSize: OWNED_PAGE_SIZE,
      logger,
      handlers: { onDelete: enqueueOwner },
      ...informerTiming,
    });
    this.postgres = new KindRunner<PostgresDB>({
      ...kindRunnerOptions(deps),
      type: POSTGRESDBS,
      reconciler: {
        needsReconcile,
        reconcile: (object, key, signal) => this.reconcile(object, this.takeListed(key), signal),
        forget: (object) => {
          this.listed.delete(keyOf(object));
          this.access?.forget(keyOf(object));
          if (object.metadata.uid) this.ownedSecrets.ownerDeleted(object.metadata.uid);
        },
      },
    });
    // A verdict that came after its reconcile stopped waiting queues the resource only if status differs.
    this.access = accessChecksFor(deps.config, settings.resyncPeriodMs, logger, (key, verdict) => {
      if (!showsVerdict(this.postgres.get(key), verdict)) this.postgres.enqueue(key);
    });
    this.context = {
      config: deps.config,
      rds: deps.rds,
      kube: rememberingSecrets(kube, this.ownedSecrets),
      secrets: this.ownedSecrets,
      services: this.services,
      events: postgresDBEvents(deps.events),
      policies: deps.policies,
      logger,
      pollIntervalMs: settings.pollIntervalMs,
      access: this.access,
      now: () => new Date(),
    };
    this.orphans = new OrphanHandler({
      rds: deps.rds,
      events: deps.events,
      regarding: deps.operatorObject,
      logger,
      scene: () => orphanScene(this.postgres.list(), deps.config, new Date()),
    });
    this.resyncs = new TermTask((term) => this.resync(term), settings.resyncPeriodMs);
  }

  /** The informers, all three listing at once, for the life of the replica. */
  async watch(): Promise<void> {
    await Promise.all([this.secrets.start(), this.services.start(), this.postgres.watch()]);
  }

  /**
   * A term of leadership, from full caches: what awaits a reconcile (new, changed, being deleted) is
   * queued at once; the steady rest waits for the first RDS listing, which hands each its instance
   * (one RDS call a page rather than one a resource). Then a resync every period.
   */
  async lead(signal: AbortSignal): Promise<void> {
    this.postgres.begin(signal);
    this.postgres.accept(false);
    this.resyncs.begin(signal);
    for (const object of this.postgres.list())
      if (awaitsReconcile(object)) this.postgres.enqueue(keyOf(object));
    const first = await this.resyncs.runNow();
    if (signal.aborted) return;
    if (!first) this.postgres.accept(true);
    this.resyncs.repeat();
  }

  async standDown(): Promise<void> {
    const resyncEnded = this.resyncs.end();
    await this.postgres.standDown();
    await resyncEnded;
    this.listed.clear();
  }

  async stop(): Promise<void> {
    await this.standDown();
    this.access?.stop();
    await Promise.all([this.postgres.stop(), this.secrets.stop(), this.services.stop()]);
  }

  /** Resolves when nothing is queued or running. */
  waitIdle(): Promise<void> {
    return this.postgres.waitIdle();
  }

  informerStats() {
    return { postgres: this.postgres.stats, secrets: this.secrets.stats, services: this.services.stats };
  }

  /**
   * One at a time; a resync already running is joined rather than doubled. None outside a term: with
   * caches not yet full, every instance would look orphaned.
   */
  resyncNow(): Promise<ResyncReport | undefined> {
    return this.resyncs.runNow();
  }

  /**
   * Lists RDS instances in pages (100 a page) and hands each resource its instance, so a resync of
   * N resources costs N/100 RDS calls, not N; resources in the steady state then write nothing.
   * Then the instances no resource binds are judged (orphan-handler.ts).
   */
  private async resync(signal: AbortSignal): Promise<ResyncReport | undefined> {
    const started = performance.now();
    const listedAt = Date.now();
    const instances = new Map<string, RdsInstance>();
    let pages = 0;
    try {
      let marker: string | undefined;
      do {
        const page = await this.deps.rds.listInstancesPage(marker, signal);
        pages++;
        for (const instance of page.instances) instances.set(instance.identifier, instance);
        marker = page.marker;
      } while (marker);
    } catch (error) {
      if (!signal.aborted) this.deps.logger.warn({ err: error }, 'resync could not list RDS instances');
      return undefined;
    }
    const objects = this.postgres.list();
    for (const object of objects) {
      const key = keyOf(object);
      const instance = instances.get(boundIdentifier(object, this.deps.config));
      if (instance) this.listed.set(key, { instance, at: listedAt });
      this.postgres.enqueue(key);
    }
    if (signal.aborted) return undefined;
    const orphans = await this.orphans.review([...instances.values()], signal).catch(() => undefined);
    if (!orphans) return undefined;
    if (orphans.length)
      this.deps.logger.warn({ orphans }, 'RDS instances tagged for this cluster have no PostgresDB');
    this.deps.metrics.orphans(orphans.length);
    this.deps.metrics.resync((performance.now() - started) / 1000, instances.size);
    return { pages, instances: instances.size, resources: objects.length, orphans };
  }

  private takeListed(key: string): RdsInstance | undefined {
    const entry = this.listed.get(key);
    this.listed.delete(key);
    if (!entry || Date.now() - entry.at > this.deps.settings.resyncPeriodMs) return undefined;
    return entry.instance;
  }

  /** A paused resource is skipped (deletion included); a deleted one is finalized; else reconcileLive. */
  private async reconcile(
    object: PostgresDB,
    listed: RdsInstance | undefined,
    signal: AbortSignal,
  ): Promise<WorkResult & { skipped?: boolean }> {
    if (isPaused(object)) return { skipped: true };
    if (object.metadata.deletionTimestamp) return reconcileDeletion(this.context, object, { signal });
    try {
      return await reconcileLive(this.context, object, listed ? { signal, listed } : { signal });
    } catch (error) {
      if (!(error instanceof StaleObservation)) throw error;
      return reconcileLive(this.context, object, { signal });
    }
  }
}
