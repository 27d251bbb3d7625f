import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { ResourceType } from '../../src/api/resource-type.js';
import type { KindRegistration } from '../../src/controller/index.js';
import { Registry } from 'prom-client';
import { KindRunner } from '../../src/controller/runtime/kind-runner.js';
import { RECONCILED_KINDS } from '../../src/operator.js';
import { type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';
import { applyObjects, kubectlOrThrow } from '../support/kubectl.js';

// The runtime is not PostgresDB's: a second, trivial kind (a Widget whose status echoes its spec) is
// registered beside PostgresDB with one line, and reconciled by the same runtime under the same
// leader election against the real API server, with nothing of its own but its reconciler.

interface Widget {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; generation?: number };
  spec: { size: number };
  status?: { observedSize?: number };
}

const GROUP = 'widgets.test.stow.dev';
const WIDGETS: ResourceType<Widget> = {
  group: GROUP,
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
};

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
  await applyObjects(h.cp, [widgetCrd]);
  await kubectlOrThrow(h.cp, [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    `crd/widgets.${GROUP}`,
  ]);
});
t.teardown(() => h?.stop());

const reconciled: string[] = [];

/** The Widget kind: its reconciler, and the settings every kind gets. */
const widgetKind: KindRegistration = (deps) =>
  new KindRunner<Widget>({
    client: deps.client,
    logger: deps.logger,
    namespaces: [],
    type: WIDGETS,
    watchdogMs: deps.settings.watchdogMs,
    relistPeriodMs: deps.settings.relistPeriodMs,
    concurrency: 2,
    metrics: deps.metrics.runtime,
    reconciler: {
      // The status write below changes no generation: it must not queue the widget again.
      needsReconcile: (previous, next) => previous.metadata.generation !== next.metadata.generation,
      async reconcile(widget, key, signal) {
        reconciled.push(key);
        if (widget.status?.observedSize === widget.spec.size) return {};
        await deps.kube.patch(
          WIDGETS,
          { namespace: widget.metadata.namespace, name: widget.metadata.name ?? '' },
          { status: { observedSize: widget.spec.size } },
          { signal, subresource: 'status' },
        );
        return {};
      },
    },
  });

t.test('a second kind, registered beside PostgresDB, reconciled by the same runtime', async (t) => {
  const registry = new Registry();
  const controller = await h.start({ kinds: [...RECONCILED_KINDS, widgetKind], registry });
  await h.waitFor('the Lease', async () => controller.isLeader());

  const widget = (name: string, size: number) => ({
    apiVersion: `${GROUP}/v1`,
    kind: 'Widget',
    metadata: { name, namespace: h.namespace },
    spec: { size },
  });
  await h.apply([widget('small', 1), widget('large', 9), postgresDB('beside-widgets')]);
  const observed = (name: string) =>
    h.kube.get(WIDGETS, { namespace: h.namespace, name }).then((w) => w?.status?.observedSize);
  await h.waitFor(
    'both reconciled',
    async () => (await observed('small')) === 1 && (await observed('large')) === 9,
  );
  t.pass('the reconciler wrote both statuses');
  await h.waitFor('the PostgresDB Ready', async () => isReady(await h.get('beside-widgets')));
  t.pass('PostgresDB is reconciled by its own controller under the same Lease');

  await h.kube.patch(WIDGETS, { namespace: h.namespace, name: 'small' }, { spec: { size: 4 } });
  await h.waitFor('the change reconciled', async () => (await observed('small')) === 4);
  t.pass('a spec change is reconciled');

  await controller.waitIdle();
  await sleep(500);
  t.same(
    reconciled.filter((key) => key.endsWith('/small')).length,
    2,
    `once at creation and once for the change, not for its own status writes (${reconciled.join(', ')})`,
  );
  const reconciles = await registry.getSingleMetric('controller_runtime_reconcile_total')!.get();
  const count = (controller: string, result: string) =>
    reconciles.values.find((v) => v.labels.controller === controller && v.labels.result === result)?.value;
  t.ok(
    (count('widget', 'success') ?? 0) >= 3,
    `widget reconciles counted apart: ${count('widget', 'success')}`,
  );
  t.equal(count('widget', 'error'), 0, 'no widget reconcile failed');
  t.ok(
    (count('postgresdb', 'success') ?? 0) + (count('postgresdb', 'requeue_after') ?? 0) >= 1,
    "and PostgresDB's",
  );

  await controller.stop();
  t.notOk(controller.isLeader(), 'stopping the manager stops every kind');
  await h.kube.patch(WIDGETS, { namespace: h.namespace, name: 'large' }, { spec: { size: 2 } });
  await sleep(500);
  t.equal(await observed('large'), 9, 'no widget is reconciled once the Lease is given up');
});
