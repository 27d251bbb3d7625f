import { Registry } from 'prom-client';
import t from 'tap';
import { type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';

// Issue 15: the controller's log lines as a log collector reads them, from a real reconcile that fails
// once (RDS throttles CreateDBInstance) and then succeeds: string levels, ISO times, the object's
// namespace and name apart, one reconcile id on every line of a reconcile, and the error's stack.

type Line = Record<string, unknown>;

let h: Harness;
t.before(async () => {
  h = await startHarness();
});
t.teardown(() => h?.stop());

const parsed = (): Line[] => h.logs.lines.map((line) => JSON.parse(line) as Line);

t.test('a failing, then succeeding reconcile, as its log lines tell it', async (t) => {
  h.emulator.setFaults({ throttleRate: 1, actions: ['CreateDBInstance'] });
  const registry = new Registry();
  const controller = await h.start({ registry });
  await h.apply([postgresDB('logged')]);
  const failedLine = await h.waitFor('a failed reconcile logged', async () =>
    parsed().find((line) => line.msg === 'reconcile failed' && line.name === 'logged'),
  );
  h.emulator.setFaults({ throttleRate: 0, actions: null });
  await h.waitFor('Ready', async () => isReady(await h.get('logged')));
  await controller.waitIdle();
  const lines = parsed();

  t.same(
    lines.filter(
      (line) => !['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(line.level as string),
    ),
    [],
    'every level is a name',
  );
  t.same(
    lines.filter((line) => !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(line.time as string)),
    [],
    'every time is ISO 8601',
  );
  t.same(
    lines.filter((line) => 'object' in line || 'key' in line || /\//.test(String(line.name ?? ''))),
    [],
    'no combined namespace/name field',
  );

  const ofObject = lines.filter((line) => line.reconcileID && line.name === 'logged');
  const ids = new Set(ofObject.map((line) => line.reconcileID));
  t.ok(ids.size >= 2, `${ids.size} reconciles: the failed one and those after it`);
  t.same(
    ofObject.filter((line) => line.namespace !== h.namespace || line.controller !== 'postgresdb'),
    [],
    'each with the controller, the namespace and the name',
  );
  t.match(String(failedLine.reconcileID), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const sameReconcile = lines.filter((line) => line.reconcileID === failedLine.reconcileID);
  t.ok(
    sameReconcile.some((line) => line.msg === 'event' && line.reason === 'RdsThrottled'),
    'the Event line written during the reconcile carries its id',
  );
  t.ok(
    sameReconcile.some((line) => line.msg === 'reconciled' && line.result === 'error'),
    'and so does the line that closes it',
  );
  const err = failedLine.err as Record<string, unknown>;
  t.equal(err.type, 'RdsError', 'the error is logged as an error');
  t.match(err.message, /Rate exceeded/);
  t.match(err.stack, /\n\s+at /, 'with its stack');
  t.equal(err.kind, 'Throttled');

  const retried = lines.find((line) => line.msg === 'reconcile will be retried' && line.name === 'logged');
  t.match(
    retried,
    { controller: 'postgresdb', namespace: h.namespace, failures: 1 },
    'the retry, outside the reconcile',
  );
  t.ok(
    lines
      .filter((line) => line.reconcileID && line.name !== 'logged')
      .every((line) => line.msg !== 'reconcile failed'),
    'nothing else failed',
  );

  const throttled = (await registry.getSingleMetric('stow_aws_calls_total')!.get()).values.find(
    (v) => v.labels.action === 'CreateDBInstance' && v.labels.outcome === 'Throttling',
  );
  t.ok((throttled?.value ?? 0) >= 1, `throttled calls counted as outcome "Throttling" (${throttled?.value})`);
  const errors = (await registry.getSingleMetric('controller_runtime_reconcile_errors_total')!.get()).values;
  t.ok(
    (errors.find((v) => v.labels.controller === 'postgresdb')?.value ?? 0) >= 1,
    'and the failed reconcile',
  );
});
