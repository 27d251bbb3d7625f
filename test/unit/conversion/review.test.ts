import fc from 'fast-check';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import t from 'tap';
import { conversionPlugin } from '../../../src/conversion/plugin.js';
import { convertReview } from '../../../src/conversion/review.js';

const alpha = (name: string, storage: unknown = '10') => ({
  apiVersion: 'stow.dev/v1alpha1',
  kind: 'PostgresDB',
  metadata: { name, namespace: 'shop', uid: `uid-${name}` },
  spec: { size: 'db.t3.small', storage },
});

const beta = (name: string) => ({
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDB',
  metadata: { name, namespace: 'shop' },
  spec: { instanceClass: 'db.t3.small', engineVersion: '16', storage: { sizeGiB: 20 } },
});

function review(
  objects: unknown[],
  desiredAPIVersion = 'stow.dev/v1beta1',
  uid = 'a7d3e1c2-0000-4000-8000-000000000001',
) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: { uid, desiredAPIVersion, objects },
  };
}

t.test('converts every object, in order, and echoes the uid', async (t) => {
  const outcome = convertReview(review([alpha('a', 10), beta('b'), alpha('c', '30')]));
  t.equal(outcome.statusCode, 200);
  if (outcome.statusCode !== 200) return;
  const { response } = outcome.body;
  t.equal(outcome.body.apiVersion, 'apiextensions.k8s.io/v1');
  t.equal(outcome.body.kind, 'ConversionReview');
  t.equal(response.uid, 'a7d3e1c2-0000-4000-8000-000000000001');
  t.same(response.result, { status: 'Success' });
  t.same(
    response.convertedObjects?.map((object) => [
      object.apiVersion,
      (object.metadata as { name: string }).name,
    ]),
    [
      ['stow.dev/v1beta1', 'a'],
      ['stow.dev/v1beta1', 'b'],
      ['stow.dev/v1beta1', 'c'],
    ],
  );
  t.same(outcome.counts, [
    { from: 'v1alpha1', to: 'v1beta1', result: 'success', count: 2 },
    { from: 'v1beta1', to: 'v1beta1', result: 'success', count: 1 },
  ]);
});

t.test('an object already in the desired version comes back unchanged', async (t) => {
  const objects = [
    alpha('a'),
    { ...alpha('b'), metadata: { name: 'b', annotations: { 'stow.dev/conversion-data': '{}' } } },
  ];
  const outcome = convertReview(review(objects, 'stow.dev/v1alpha1'));
  t.equal(outcome.statusCode, 200);
  if (outcome.statusCode === 200) t.strictSame(outcome.body.response.convertedObjects, objects);
});

t.test('one failing object fails the whole review and names it', async (t) => {
  const outcome = convertReview(review([alpha('good'), alpha('bad', '10Gi'), alpha('never-reached', 'abc')]));
  t.equal(outcome.statusCode, 200);
  if (outcome.statusCode !== 200) return;
  t.same(outcome.body.response, {
    uid: 'a7d3e1c2-0000-4000-8000-000000000001',
    result: {
      status: 'Failure',
      message: 'shop/bad: spec.storage: must be a whole number of GiB without a unit, e.g. "10" (got "10Gi")',
    },
  });
  t.notOk('convertedObjects' in outcome.body.response, 'no objects at all');
  t.same(outcome.counts, [{ from: 'v1alpha1', to: 'v1beta1', result: 'failure', count: 1 }]);
});

t.test('failures name the object even when its name is not known yet', async (t) => {
  const generated = { ...alpha('x', 'abc'), metadata: { generateName: 'orders-', namespace: 'shop' } };
  const outcome = convertReview(review([generated]));
  if (outcome.statusCode === 200 && outcome.body.response.result.status === 'Failure') {
    t.match(outcome.body.response.result.message, /^shop\/orders-<generated>: spec\.storage/);
  } else t.fail('expected a Failure');
  const notAnObject = convertReview(review([42]));
  t.match(notAnObject.statusCode === 200 && notAnObject.body.response.result, {
    status: 'Failure',
    message: 'objects[0]: must be a JSON object',
  });
});

t.test('a desired version Stow does not have fails every object with a clear message', async (t) => {
  const outcome = convertReview(review([alpha('a')], 'stow.dev/v2'));
  t.match(outcome.statusCode === 200 && outcome.body.response.result, {
    status: 'Failure',
    message: /desiredAPIVersion: "stow\.dev\/v2" is not a version Stow converts/,
  });
  t.match(outcome.statusCode === 200 && outcome.counts, [
    { from: 'unknown', to: 'unknown', result: 'failure' },
  ]);
});

t.test('a malformed review is a 400 with a message saying what is wrong', async (t) => {
  const good = review([]);
  const cases: Array<[unknown, RegExp]> = [
    [null, /expected a JSON object/],
    [[], /expected a JSON object/],
    [
      { ...good, apiVersion: 'apiextensions.k8s.io/v1beta1' },
      /expected apiVersion apiextensions\.k8s\.io\/v1 and kind ConversionReview/,
    ],
    [{ ...good, kind: 'AdmissionReview' }, /expected apiVersion/],
    [{ ...good, request: undefined }, /request must be an object/],
    [{ ...good, request: { ...good.request, uid: '' } }, /request\.uid must be a non-empty string/],
    [
      { ...good, request: { ...good.request, desiredAPIVersion: 1 } },
      /request\.desiredAPIVersion must be a string/,
    ],
    [{ ...good, request: { ...good.request, objects: {} } }, /request\.objects must be an array/],
  ];
  for (const [body, message] of cases) {
    const outcome = convertReview(body);
    t.equal(outcome.statusCode, 400, JSON.stringify(body)?.slice(0, 80));
    t.match(outcome.body, { message: /^malformed ConversionReview: / });
    t.match(outcome.body, { message });
  }
});

t.test('no input makes convertReview throw', async (t) => {
  const details = fc.check(
    fc.property(
      fc.oneof(
        fc.anything(),
        fc.record({
          apiVersion: fc.constant('apiextensions.k8s.io/v1'),
          kind: fc.constant('ConversionReview'),
          request: fc.anything(),
        }),
        fc.anything().map((object) => review([object])),
      ),
      (body) => {
        const outcome = convertReview(body);
        return outcome.statusCode === 200 || outcome.statusCode === 400;
      },
    ),
    { numRuns: 2000 },
  );
  t.notOk(details.failed, fc.defaultReportMessage(details) ?? 'never throws');
});

async function server(registry = new Registry()) {
  const app = Fastify();
  await app.register(conversionPlugin, { registry, bodyLimit: 256 * 1024 });
  return { app, registry };
}

t.test('POST /convert answers a ConversionReview and counts conversions', async (t) => {
  const { app, registry } = await server();
  t.teardown(() => app.close());
  const ok = await app.inject({ method: 'POST', url: '/convert', payload: review([alpha('a'), alpha('b')]) });
  t.equal(ok.statusCode, 200);
  t.equal(ok.json().response.convertedObjects.length, 2);
  const failed = await app.inject({ method: 'POST', url: '/convert', payload: review([alpha('c', 'abc')]) });
  t.equal(failed.statusCode, 200);
  t.equal(failed.json().response.result.status, 'Failure');

  const metrics = await registry.metrics();
  t.match(metrics, /stow_conversions_total\{from="v1alpha1",to="v1beta1",result="success"\} 2/);
  t.match(metrics, /stow_conversions_total\{from="v1alpha1",to="v1beta1",result="failure"\} 1/);
  t.match(metrics, /stow_conversion_review_duration_seconds_count\{result="200"\} 2/);
});

t.test('POST /convert never answers 500 to bad input', async (t) => {
  const { app } = await server();
  t.teardown(() => app.close());
  const json = { 'content-type': 'application/json' };
  const cases = [
    { payload: '{"apiVersion":', headers: json, status: 400 },
    { payload: '', headers: json, status: 400 },
    { payload: '"just a string"', headers: json, status: 400 },
    { payload: '{"__proto__":{"x":1}}', headers: json, status: 400 },
    { payload: JSON.stringify({ kind: 'ConversionReview' }), headers: json, status: 400 },
    { payload: 'apiVersion: v1', headers: { 'content-type': 'application/yaml' }, status: 415 },
    { payload: JSON.stringify(review([alpha('x'.repeat(300 * 1024))])), headers: json, status: 413 },
  ];
  for (const { payload, headers, status } of cases) {
    const reply = await app.inject({ method: 'POST', url: '/convert', payload, headers });
    t.equal(reply.statusCode, status, `${headers['content-type']} ${payload.slice(0, 40)}`);
    t.type(reply.json().message, 'string', 'a JSON message');
  }
});

t.test('registering the plugin fails when a served version has no converter', async (t) => {
  const app = Fastify();
  app.register(conversionPlugin, { servedVersions: ['v1alpha1', 'v1beta1', 'v1'] });
  await t.rejects(async () => app.ready(), { message: /no converter for served version\(s\) v1/ });
});

t.test('two servers can share one registry', async (t) => {
  const registry = new Registry();
  const first = await server(registry);
  const second = await server(registry);
  t.teardown(() => Promise.all([first.app.close(), second.app.close()]));
  await second.app.inject({ method: 'POST', url: '/convert', payload: review([alpha('a')]) });
  t.match(await registry.metrics(), /result="success"\} 1/);
});
