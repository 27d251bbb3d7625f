import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import t from 'tap';
import { KindRunner } from '../../src/controller/kind-runner.js';
import type { ReconcileResult } from '../../src/controller/metrics.js';
import { type Harness, startHarness } from './support/harness.js';

// The runtime is not PostgresDB's: a second, trivial kind (a Widget whose status echoes its spec) is
// reconciled by the same KindRunner against the real API server, with nothing but its reconciler.

interface Widget {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; generation?: number };
  spec: { size: number };
  status?: { observedSize?: number };
}

const GROUP = 'widgets.test.stow.dev';
const path = (namespace?: string, name?: string) =>
  `/apis/${GROUP}/v1/${namespace ? `namespaces/${namespace}/` : ''}widgets${name ? `/${name}` : ''}`;

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' } } },
              status: { type: 'object', properties: { observedSize: { type: 'integer' } } },
            },
          },
        },
      },
    ],
  },
};

let h: Harness;
t.before(async () => {
  h = await startHarness();
  const applied = await h.cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(widgetCrd) });
  if (applied.code !== 0) throw new Error(applied.stderr);
  const ready = await h.cp.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    `crd/widgets.${GROUP}`,
  ]);
  if (ready.code !== 0) throw new Error(ready.stderr);
});
t.teardown(() => h?.stop());

t.test('a second kind, reconciled by the same runtime', async (t) => {
  const stopper = new AbortController();
  const results: ReconcileResult[] = [];
  const reconciled: string[] = [];
  const runner = new KindRunner<Widget>({
    client: h.client,
    logger: pino({ level: 'silent' }),
    namespaces: [],
    path: (namespace) => path(namespace),
    watchdogMs: 60_000,
    relistPeriodMs: 600_000,
    concurrency: 2,
    backoff: { baseMs: 50, maxMs: 500 },
    signal: stopper.signal,
    metrics: { reconciled: (result) => results.push(result), queueDepth: () => {} },
    reconciler: {
      // The status write below changes no generation: it must not queue the widget again.
      needsReconcile: (previous, next) => previous.metadata.generation !== next.metadata.generation,
      async reconcile(widget, key, signal) {
        reconciled.push(key);
        if (widget.status?.observedSize === widget.spec.size) return {};
        await h.client.request('PATCH', `${path(widget.metadata.namespace, widget.metadata.name)}/status`, {
          body: { status: { observedSize: widget.spec.size } },
          contentType: 'application/merge-patch+json',
          signal,
        });
        return {};
      },
    },
  });
  await runner.watch();
  runner.accept(true);
  t.teardown(() => {
    stopper.abort();
    return runner.stop();
  });

  const widget = (name: string, size: number) => ({
    apiVersion: `${GROUP}/v1`,
    kind: 'Widget',
    metadata: { name, namespace: h.namespace },
    spec: { size },
  });
  await h.apply([widget('small', 1), widget('large', 9)]);
  const observed = (name: string) =>
    h.client.request<Widget>('GET', path(h.namespace, name)).then((w) => w.status?.observedSize);
  await h.waitFor(
    'both reconciled',
    async () => (await observed('small')) === 1 && (await observed('large')) === 9,
  );
  t.pass('the reconciler wrote both statuses');

  await h.client.request('PATCH', path(h.namespace, 'small'), {
    body: { spec: { size: 4 } },
    contentType: 'application/merge-patch+json',
  });
  await h.waitFor('the change reconciled', async () => (await observed('small')) === 4);
  t.pass('a spec change is reconciled');

  await runner.waitIdle();
  await sleep(500);
  t.same(
    reconciled.filter((key) => key.endsWith('/small')).length,
    2,
    `once at creation and once for the change, not for its own status writes (${reconciled.join(', ')})`,
  );
  t.ok(
    results.length >= 3 && results.every((result) => result === 'success'),
    `metrics: ${results.join(', ')}`,
  );
});
