import t from 'tap';
import { FINALIZER } from '../../../src/api/constants.js';
import type { PostgresDB } from '../../../src/api/v1beta1.js';
import { awaitsReconcile, needsReconcile } from '../../../src/controller/postgresdb-controller.js';

const base: PostgresDB = {
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDB',
  metadata: { name: 'orders', namespace: 'shop', uid: 'u1', generation: 1, resourceVersion: '1' },
  spec: { instanceClass: 'db.t3.micro', storage: { sizeGiB: 20 } },
};
const changed = (metadata: Partial<PostgresDB['metadata']>, rest: Partial<PostgresDB> = {}): PostgresDB => ({
  ...base,
  ...rest,
  metadata: { ...base.metadata, ...metadata },
});

t.test('changes that matter queue a reconcile', async (t) => {
  t.ok(needsReconcile(base, changed({ generation: 2 })), 'a spec change (generation)');
  t.ok(needsReconcile(base, changed({ deletionTimestamp: '2026-12-01T00:00:00Z' })), 'deletion');
  t.ok(needsReconcile(base, changed({ uid: 'u2' })), 'a new object of the same name');
  t.ok(needsReconcile(base, changed({ annotations: { 'stow.dev/reconcile': 'now' } })), 'an annotation');
  const withOurs = changed({ finalizers: [FINALIZER] });
  t.ok(needsReconcile(withOurs, changed({ finalizers: [] })), 'our finalizer taken away');
});

t.test("the controller's own writes do not", async (t) => {
  t.notOk(
    needsReconcile(base, changed({ resourceVersion: '2' }, { status: { phase: 'Available' } })),
    'status',
  );
  t.notOk(
    needsReconcile(base, changed({ finalizers: [FINALIZER], resourceVersion: '2' })),
    'the finalizer the first reconcile adds (a second reconcile of every new resource, before)',
  );
  t.notOk(
    needsReconcile(changed({ finalizers: [FINALIZER] }), changed({ finalizers: [FINALIZER, 'other/x'] })),
    "another controller's finalizer",
  );
});

t.test(
  'a new leader queues at once what is not steady, and leaves the rest to the first listing',
  async (t) => {
    const steady = changed({ generation: 3 }, { status: { observedGeneration: 3 } });
    t.notOk(awaitsReconcile(steady), 'reconciled at its generation');
    t.ok(awaitsReconcile(base), 'never reconciled');
    t.ok(awaitsReconcile(changed({ generation: 4 }, { status: { observedGeneration: 3 } })), 'changed since');
    t.ok(
      awaitsReconcile(
        changed({ generation: 3, deletionTimestamp: 'x' }, { status: { observedGeneration: 3 } }),
      ),
      'being deleted',
    );
  },
);
