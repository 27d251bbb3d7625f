import type { Logger } from 'pino';
import { isKubeError, type KubeClient } from './client.js';
import type { List, Status, WatchEvent } from './types.js';
import { sleep } from '../util/sleep.js';

/** What the informer needs of an object. */
export interface Keyed {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface InformerHandlers<T> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, object: T): void;
  onDelete?(object: T): void;
}

export interface InformerOptions<T> {
  client: KubeClient;
  /** Cluster-wide collection path, e.g. `/api/v1/secrets`. */
  path: string;
  labelSelector?: string;
  logger: Logger;
  /** Callbacks must only enqueue: they run synchronously on the watch stream. */
  handlers: InformerHandlers<T>;
  /** Reconnect when the watch has been silent this long (bookmarks count as traffic). */
  watchdogMs?: number;
  /** List again this often, to catch anything a watch missed. */
  relistPeriodMs?: number;
  pageSize?: number;
  /**
   * Ask for PartialObjectMetadata: objects come without their body (a Secret's data), so what
   * others put in them never reaches this process.
   */
  metadataOnly?: boolean;
  /**
   * What is kept of each object (e.g. only the fields that are read), applied as each list page or
   * watch event arrives: the cache and the handlers see only the result.
   */
  transform?: (object: T) => T;
}

export function keyOf(object: Keyed): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

class WatchGone extends Error {}

const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const METADATA_WATCH = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * List, then watch from the list's resourceVersion; on 410 Gone list again; a watchdog reconnects a
 * watch that went silent; a periodic re-list repairs anything missed. The cache holds the last
 * version of every object.
 */
export class Informer<T extends Keyed> {
  private readonly cache = new Map<string, T>();
  private readonly stopper = new AbortController();
  private running: Promise<void> | undefined;
  private synced = false;
  private readonly watchdogMs: number;
  private readonly relistPeriodMs: number;
  private readonly pageSize: number;
  private readonly transform: (object: T) => T;
  /** How many watches were (re)started and lists done; tests and metrics read these. */
  readonly stats = { lists: 0, watches: 0, watchdogFired: 0, gone: 0 };

  constructor(private readonly options: InformerOptions<T>) {
    this.watchdogMs = options.watchdogMs ?? 5 * 60_000;
    this.relistPeriodMs = options.relistPeriodMs ?? 30 * 60_000;
    this.pageSize = options.pageSize ?? 500;
    this.transform = options.transform ?? ((object) => object);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache. */
  async start(): Promise<void> {
    let markSynced!: () => void;
    const synced = new Promise<void>((resolve) => {
      markSynced = resolve;
    });
    this.running = this.run(markSynced);
    await Promise.race([synced, this.running]);
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  private async run(markSynced: () => void): Promise<void> {
    const signal = this.stopper.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        let resourceVersion = await this.relist(signal);
        if (!this.synced) {
          this.synced = true;
          markSynced();
        }
        failures = 0;
        const relistAt = Date.now() + this.relistPeriodMs;
        while (!signal.aborted && Date.now() < relistAt) {
          try {
            resourceVersion = await this.watchOnce(resourceVersion, relistAt, signal);
            failures = 0;
          } catch (error) {
            if (error instanceof WatchGone) break;
            failures++;
            this.options.logger.warn({ path: this.options.path, err: error }, 'watch failed; reconnecting');
            await sleep(this.retryDelay(failures), signal);
          }
        }
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        this.options.logger.warn({ path: this.options.path, err: error }, 'list failed; retrying');
        await sleep(this.retryDelay(failures), signal);
      }
    }
  }

  private retryDelay(failures: number): number {
    const base = Math.min(MAX_RETRY_DELAY_MS, 200 * 2 ** Math.min(failures, 10));
    return base / 2 + Math.random() * (base / 2);
  }

  private async relist(signal: AbortSignal): Promise<string> {
    this.stats.lists++;
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.options.client.request<List<T>>('GET', this.options.path, {
        query: { labelSelector: this.options.labelSelector, limit: this.pageSize, continue: continueToken },
        signal,
        ...(this.options.metadataOnly ? { accept: METADATA_LIST } : {}),
      });
      // A PartialObjectMetadataList without items has `items: null`.
      for (const item of page.items ?? []) items.push(this.transform(item));
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (continueToken);
    this.replace(items);
    return resourceVersion;
  }

  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      this.upsert(key, item);
    }
    for (const [key, object] of this.cache) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.options.handlers.onDelete?.(object);
    }
  }

  private upsert(key: string, object: T): void {
    const previous = this.cache.get(key);
    this.cache.set(key, object);
    if (!previous) this.options.handlers.onAdd?.(object);
    else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion) {
      this.options.handlers.onUpdate?.(previous, object);
    }
  }

  /** One watch connection; returns the last resourceVersion seen when it ends without error. */
  private async watchOnce(fromVersion: string, relistAt: number, stop: AbortSignal): Promise<string> {
    this.stats.watches++;
    const connection = new AbortController();
    const abortConnection = () => connection.abort();
    stop.addEventListener('abort', abortConnection, { once: true });
    let resourceVersion = fromVersion;
    let gone = false;
    let watchdog: NodeJS.Timeout | undefined;
    const feedWatchdog = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        this.stats.watchdogFired++;
        this.options.logger.warn(
          { path: this.options.path, silentMs: this.watchdogMs },
          'watch silent; reconnecting',
        );
        connection.abort();
      }, this.watchdogMs);
    };
    const relistTimer = setTimeout(abortConnection, Math.max(0, relistAt - Date.now()));
    feedWatchdog();
    try {
      const serverTimeout = Math.max(
        1,
        Math.min(Math.ceil((relistAt - Date.now()) / 1000), 300 + Math.floor(Math.random() * 300)),
      );
      await this.options.client.watch(
        this.options.path,
        {
          labelSelector: this.options.labelSelector,
          resourceVersion: fromVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: serverTimeout,
        },
        (raw) => {
          feedWatchdog();
          const event = raw as WatchEvent<T>;
          if (event.type === 'ERROR') {
            const status = event.object as unknown as Status;
            if (status.code === 410) gone = true;
            else this.options.logger.warn({ path: this.options.path, status }, 'watch error event');
            connection.abort();
            return;
          }
          resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
          if (event.type === 'BOOKMARK') return;
          const object = this.transform(event.object);
          const key = keyOf(object);
          if (event.type === 'DELETED') {
            this.cache.delete(key);
            this.options.handlers.onDelete?.(object);
          } else {
            this.upsert(key, object);
          }
        },
        connection.signal,
        this.options.metadataOnly ? { accept: METADATA_WATCH } : {},
      );
    } catch (error) {
      if (isKubeError(error, 410)) gone = true;
      else throw error;
    } finally {
      clearTimeout(watchdog);
      clearTimeout(relistTimer);
      stop.removeEventListener('abort', abortConnection);
    }
    if (gone) {
      this.stats.gone++;
      throw new WatchGone('resourceVersion too old');
    }
    return resourceVersion;
  }
}
