import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { KubeApiError, type KubeClient, type RequestOptions } from '../../../src/kube/client.js';
import { Informer } from '../../../src/kube/informer.js';
import { informerFor } from '../../../src/kube/informer-group.js';
import { silentLogger } from '../../../src/util/logger.js';

/** Periodic work runs on timers, which only promise "not before": wait for it, however late. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

interface Obj {
  metadata: { name: string; namespace: string; resourceVersion: string };
}

const obj = (name: string, rv: string): Obj => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });

type WatchScript = (emit: (event: unknown) => void, signal: AbortSignal) => Promise<void>;

/** A scripted API server: lists answer from `items`, each watch runs the next script. */
function fakeClient(state: {
  items: Obj[];
  rv: string;
  watches: WatchScript[];
  watchCalls: Array<Record<string, unknown>>;
  lists: number;
}) {
  const client: KubeClient = {
    async request<T>() {
      state.lists++;
      return { metadata: { resourceVersion: state.rv }, items: structuredClone(state.items) } as T;
    },
    async watch(_path, query, onEvent, signal) {
      state.watchCalls.push(query);
      const script =
        state.watches.shift() ??
        ((_e, s) => new Promise<void>((resolve) => s.addEventListener('abort', () => resolve())));
      await script(onEvent, signal);
    },
    close() {},
  };
  return client;
}

function record() {
  const seen: string[] = [];
  return {
    seen,
    handlers: {
      onAdd: (o: Obj) => seen.push(`add ${o.metadata.name}`),
      onUpdate: (_p: Obj, o: Obj) => seen.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`),
      onDelete: (o: Obj) => seen.push(`delete ${o.metadata.name}`),
    },
  };
}

t.test('list, then watch from the list version; events update the cache', async (t) => {
  const state = {
    items: [obj('a', '1')],
    rv: '10',
    lists: 0,
    watchCalls: [] as Array<Record<string, unknown>>,
    watches: [
      async (emit: (e: unknown) => void) => {
        emit({ type: 'ADDED', object: obj('b', '11') });
        emit({ type: 'MODIFIED', object: obj('a', '12') });
        emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '13' } } });
        emit({ type: 'DELETED', object: obj('b', '14') });
      },
    ] as WatchScript[],
  };
  const { seen, handlers } = record();
  const informer = new Informer<Obj>({
    client: fakeClient(state),
    path: '/x',
    logger: silentLogger(),
    handlers,
  });
  await informer.start();
  await sleep(20);
  t.same(seen, ['add a', 'add b', 'update a@12', 'delete b']);
  t.equal(state.watchCalls[0]?.resourceVersion, '10');
  t.equal(state.watchCalls[1]?.resourceVersion, '14', 'the next watch resumes from the last version seen');
  t.same(
    informer.list().map((o) => o.metadata.name),
    ['a'],
  );
  await informer.stop();
});

t.test('410 Gone (as an event or as an answer): list again', async (t) => {
  const state = {
    items: [obj('a', '1')],
    rv: '10',
    lists: 0,
    watchCalls: [] as Array<Record<string, unknown>>,
    watches: [
      async (emit: (e: unknown) => void) =>
        emit({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }),
      async () => {
        throw new KubeApiError(410, 'Gone', 'too old');
      },
    ] as WatchScript[],
  };
  const { seen, handlers } = record();
  const informer = new Informer<Obj>({
    client: fakeClient(state),
    path: '/x',
    logger: silentLogger(),
    handlers,
  });
  await informer.start();
  state.items = [obj('c', '20')];
  state.rv = '20';
  await sleep(50);
  t.equal(state.lists, 3, 'listed at start and after each 410');
  t.equal(informer.stats.gone, 2);
  t.same(seen, ['add a', 'add c', 'delete a'], 'the re-list repairs the cache, deletions included');
  await informer.stop();
});

t.test('the watchdog reconnects a silent watch', async (t) => {
  const state = {
    items: [],
    rv: '10',
    lists: 0,
    watchCalls: [] as Array<Record<string, unknown>>,
    watches: [] as WatchScript[],
  };
  const informer = new Informer<Obj>({
    client: fakeClient(state),
    path: '/x',
    logger: silentLogger(),
    handlers: {},
    watchdogMs: 50,
  });
  await informer.start();
  await until(() => informer.stats.watchdogFired >= 2 && state.watchCalls.length >= 3);
  t.pass(`watchdog fired ${informer.stats.watchdogFired} times, ${state.watchCalls.length} watches`);
  t.equal(state.lists, 1, 'a reconnect resumes the watch; no re-list needed');
  await informer.stop();
});

t.test('a failed watch connection is retried from the same version', async (t) => {
  const state = {
    items: [],
    rv: '10',
    lists: 0,
    watchCalls: [] as Array<Record<string, unknown>>,
    watches: [
      async () => {
        throw new Error('ECONNRESET');
      },
    ] as WatchScript[],
  };
  const informer = new Informer<Obj>({
    client: fakeClient(state),
    path: '/x',
    logger: silentLogger(),
    handlers: {},
  });
  await informer.start();
  await until(() => state.watchCalls.length >= 2);
  await sleep(50);
  t.same(
    state.watchCalls.map((q) => q.resourceVersion),
    ['10', '10'],
  );
  await informer.stop();
});

t.test('periodic re-list', async (t) => {
  const state = {
    items: [obj('a', '1')],
    rv: '10',
    lists: 0,
    watchCalls: [] as Array<Record<string, unknown>>,
    watches: [] as WatchScript[],
  };
  const { seen, handlers } = record();
  const informer = new Informer<Obj>({
    client: fakeClient(state),
    path: '/x',
    logger: silentLogger(),
    handlers,
    relistPeriodMs: 60,
  });
  await informer.start();
  state.items = [obj('a', '2')];
  await until(() => state.lists >= 2 && seen.length >= 2);
  t.same(seen.slice(0, 2), ['add a', 'update a@2'], 'a change missed by the watch is caught');
  await informer.stop();
});

t.test('watchNamespaces: one informer per namespace, one cache view', async (t) => {
  const paths: string[] = [];
  const client: KubeClient = {
    async request<T>(_method: string, path: string) {
      paths.push(path);
      const namespace = path.split('/')[4]!;
      return {
        metadata: { resourceVersion: '1' },
        items: [obj(`db-in-${namespace}`, '1')].map((o) => ({
          ...o,
          metadata: { ...o.metadata, namespace },
        })),
      } as T;
    },
    async watch(_path, _query, _onEvent, signal) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    },
    close() {},
  };
  const informer = informerFor<Obj>(
    ['team-a', 'team-b'],
    (ns) => (ns ? `/api/v1/namespaces/${ns}/secrets` : '/api/v1/secrets'),
    {
      client,
      logger: silentLogger(),
      handlers: {},
    },
  );
  await informer.start();
  t.same(paths.sort(), ['/api/v1/namespaces/team-a/secrets', '/api/v1/namespaces/team-b/secrets']);
  t.equal(informer.get('team-b/db-in-team-b')?.metadata.name, 'db-in-team-b');
  t.equal(informer.get('team-c/x'), undefined);
  t.equal(informer.list().length, 2);
  await informer.stop();
});

t.test(
  'metadataOnly asks for PartialObjectMetadata; transform shapes what is cached and handed on',
  async (t) => {
    const accepts: Array<string | undefined> = [];
    const bulky = (name: string, rv: string) => ({
      metadata: { name, namespace: 'ns', resourceVersion: rv, annotations: { big: 'x'.repeat(1000) } },
    });
    const client: KubeClient = {
      async request<T>(_method: string, _path: string, options?: RequestOptions) {
        accepts.push(options?.accept);
        // What the API server answers for an empty PartialObjectMetadataList.
        const items = accepts.length === 1 ? [bulky('a', '1')] : null;
        return { metadata: { resourceVersion: '10' }, items } as T;
      },
      async watch(_path, _query, onEvent, signal, options) {
        accepts.push(options?.accept);
        if (accepts.length === 2) {
          onEvent({ type: 'ADDED', object: bulky('b', '11') });
          onEvent({ type: 'DELETED', object: bulky('a', '12') });
          return;
        }
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      },
      close() {},
    };
    const deleted: unknown[] = [];
    const informer = new Informer<Obj>({
      client,
      path: '/api/v1/secrets',
      metadataOnly: true,
      transform: (o) => ({
        metadata: {
          name: o.metadata.name,
          namespace: o.metadata.namespace,
          resourceVersion: o.metadata.resourceVersion,
        },
      }),
      logger: silentLogger(),
      handlers: { onDelete: (o) => deleted.push(o) },
    });
    await informer.start();
    await sleep(20);
    t.same(accepts.slice(0, 3), [
      'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
      'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
      'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
    ]);
    t.same(informer.list(), [{ metadata: { name: 'b', namespace: 'ns', resourceVersion: '11' } }]);
    t.same(deleted, [{ metadata: { name: 'a', namespace: 'ns', resourceVersion: '12' } }]);
    await informer.stop();

    const plain = new Informer<Obj>({ client, path: '/x', logger: silentLogger(), handlers: {} });
    await plain.start();
    t.equal(accepts.at(-2), undefined, 'a plain list asks for whole objects');
    t.same(plain.list(), [], 'a list with items: null is empty');
    await plain.stop();
  },
);
