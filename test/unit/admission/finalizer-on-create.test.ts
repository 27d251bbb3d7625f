// The mutating webhook puts the controller's finalizer on each new object of every kind it admits, so
// the controller's first reconcile writes one patch fewer; never on UPDATE, never twice, and a list
// the API server will refuse is left for it to refuse.
import t from 'tap';
import { FINALIZER } from '../../../src/api/constants.js';
import { postgresDBSnapshot } from '../../support/postgresdb-snapshot.js';
import { db } from '../../support/postgresdb.js';
import { admissionReviewText, decodePatch, post, type Route, webhookApp } from '../../support/webhook-app.js';

const app = webhookApp();
t.teardown(() => app.close());

async function finalizerOps(url: Route, object: unknown, operation: 'CREATE' | 'UPDATE' = 'CREATE') {
  const old = operation === 'UPDATE' ? JSON.stringify(object) : undefined;
  const text = admissionReviewText(JSON.stringify(object), { namespace: 'shop', operation }, old);
  const res = await post(app, url, text);
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const response = res.json().response;
  t.equal(response.allowed, true, JSON.stringify(response.status));
  return (response.patch ? decodePatch(response.patch) : []).filter((op: { path: string }) =>
    op.path.startsWith('/metadata/finalizers'),
  );
}

const withFinalizers = <T extends { metadata: object }>(object: T, finalizers: unknown): T => ({
  ...object,
  metadata: { ...object.metadata, finalizers },
});

const KINDS = [
  { url: '/mutate' as Route, object: db({}, { name: 'orders' }) },
  { url: '/mutate/postgresdbsnapshots' as Route, object: postgresDBSnapshot('before', 'orders') },
];

for (const { url, object } of KINDS) {
  t.test(`${url}: the finalizer on CREATE only`, async (t) => {
    t.same(await finalizerOps(url, object), [
      { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
    ]);
    t.same(
      await finalizerOps(url, withFinalizers(object, ['example.com/keep'])),
      [{ op: 'add', path: '/metadata/finalizers/-', value: FINALIZER }],
      "appended to the user's",
    );
    t.same(await finalizerOps(url, withFinalizers(object, [FINALIZER])), [], 'never twice');
    t.same(await finalizerOps(url, object, 'UPDATE'), [], 'not on UPDATE');
  });
}

t.test('a finalizers field that is not a list is left to the API server', async (t) => {
  const text = admissionReviewText(
    JSON.stringify(withFinalizers(db({}, { name: 'orders' }), 'stow.dev/finalizer')),
    { namespace: 'shop' },
  );
  const res = await post(app, '/mutate', text);
  t.equal(res.statusCode, 200);
  const patch = res.json().response.patch;
  const ops = patch ? decodePatch(patch) : [];
  t.notOk(
    ops.some((op: { path: string }) => op.path.startsWith('/metadata/finalizers')),
    'no finalizer operation',
  );
});
