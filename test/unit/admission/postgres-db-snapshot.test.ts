// PostgresDBSnapshot admission through the webhook server: Retain filled in, the PostgresDB's name
// checked, and the snapshot staying the snapshot of the PostgresDB it was taken of.
import t from 'tap';
import { postgresDBSnapshot } from '../../support/postgresdb-snapshot.js';
import { admissionReviewText, decodePatch, post, webhookApp } from '../../support/webhook-app.js';

const app = webhookApp();
t.teardown(() => app.close());

async function review(
  url: '/mutate/postgresdbsnapshots' | '/validate/postgresdbsnapshots',
  object: unknown,
  old?: unknown,
) {
  const request = old === undefined ? { namespace: 'shop' } : { namespace: 'shop', operation: 'UPDATE' };
  const text = admissionReviewText(
    JSON.stringify(object),
    request,
    old === undefined ? undefined : JSON.stringify(old),
  );
  const res = await post(app, url, text);
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  return res.json().response;
}

t.test('/mutate/postgresdbsnapshots fills deletionPolicy Retain, and only that', async (t) => {
  const response = await review('/mutate/postgresdbsnapshots', postgresDBSnapshot('before', 'orders'));
  t.equal(response.allowed, true);
  const finalizer = { op: 'add', path: '/metadata/finalizers', value: ['stow.dev/finalizer'] };
  t.same(decodePatch(response.patch), [
    { op: 'add', path: '/spec/deletionPolicy', value: 'Retain' },
    finalizer,
  ]);
  const explicit = await review(
    '/mutate/postgresdbsnapshots',
    postgresDBSnapshot('before', 'orders', 'Delete'),
  );
  t.same(decodePatch(explicit.patch), [finalizer], 'a policy written is kept');
});

t.test('/validate/postgresdbsnapshots: the fields named, with their values', async (t) => {
  t.equal(
    (await review('/validate/postgresdbsnapshots', postgresDBSnapshot('before', 'orders'))).allowed,
    true,
  );
  const bad = await review('/validate/postgresdbsnapshots', {
    ...postgresDBSnapshot('before', 'Orders_DB'),
    spec: { postgresDBRef: { name: 'Orders_DB' }, deletionPolicy: 'Keep' },
  });
  t.equal(bad.allowed, false);
  t.match(bad.status.message, /^PostgresDBSnapshot "before" is invalid/);
  t.match(bad.status.message, /spec\.deletionPolicy/);
  const badName = await review('/validate/postgresdbsnapshots', postgresDBSnapshot('before', 'Orders_DB'));
  t.match(
    badName.status.message,
    /spec\.postgresDBRef\.name: must be a Kubernetes object name.*\(got "Orders_DB"\)/,
  );
  const missing = await review('/validate/postgresdbsnapshots', {
    ...postgresDBSnapshot('before', 'x'),
    spec: {},
  });
  t.match(missing.status.message, /spec\.postgresDBRef/);
});

t.test('UPDATE: postgresDBRef is immutable, deletionPolicy is not', async (t) => {
  const stored = postgresDBSnapshot('before', 'orders', 'Retain');
  const moved = await review(
    '/validate/postgresdbsnapshots',
    postgresDBSnapshot('before', 'billing', 'Retain'),
    stored,
  );
  t.equal(moved.allowed, false);
  t.match(
    moved.status.message,
    /spec\.postgresDBRef\.name: is immutable .*it was "orders" \(got "billing"\)/,
  );
  const policy = await review(
    '/validate/postgresdbsnapshots',
    postgresDBSnapshot('before', 'orders', 'Delete'),
    stored,
  );
  t.equal(policy.allowed, true);
});
