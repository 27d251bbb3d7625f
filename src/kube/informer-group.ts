import { Informer, type InformerOptions, type Keyed } from './informer.js';

export interface InformerStats {
  lists: number;
  watches: number;
  watchdogFired: number;
  gone: number;
}

/** What the controller uses of an informer: the cache, start and stop. */
export interface ObjectInformer<T> {
  get(key: string): T | undefined;
  list(): T[];
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly stats: InformerStats;
}

/**
 * One informer for the whole cluster, or one per namespace when the operator is limited to some
 * namespaces (its RBAC is then Roles in those namespaces only, so a cluster-wide list would be refused).
 */
export function informerFor<T extends Keyed>(
  namespaces: readonly string[],
  pathIn: (namespace?: string) => string,
  options: Omit<InformerOptions<T>, 'path'>,
): ObjectInformer<T> {
  if (namespaces.length === 0) return new Informer<T>({ ...options, path: pathIn() });
  const members = new Map(
    namespaces.map((namespace) => [namespace, new Informer<T>({ ...options, path: pathIn(namespace) })]),
  );
  return {
    get: (key) => members.get(key.slice(0, key.indexOf('/')))?.get(key),
    list: () => [...members.values()].flatMap((member) => member.list()),
    start: async () => {
      await Promise.all([...members.values()].map((member) => member.start()));
    },
    stop: async () => {
      await Promise.all([...members.values()].map((member) => member.stop()));
    },
    get stats() {
      const total: InformerStats = { lists: 0, watches: 0, watchdogFired: 0, gone: 0 };
      for (const member of members.values()) {
        for (const key of Object.keys(total) as Array<keyof InformerStats>) total[key] += member.stats[key];
      }
      return total;
    },
  };
}
