// Issue 11, webhook hardening: what fuzzing the three routes found, one test per finding (ADR 0014).
import jsonPatch, { type Operation } from 'fast-json-patch';
import t from 'tap';
import { canonicalJson } from '../../../src/util/canonical-json.js';
import {
  ADMISSION_UID,
  admissionReviewText,
  CONVERSION_UID,
  conversionReviewText,
  decodePatch,
  post,
  type Route,
  webhookApp,
} from '../../support/webhook-app.js';

const app = webhookApp();
t.teardown(() => app.close());

const prototypeBefore = Object.getOwnPropertyDescriptors(Object.prototype);

/** A valid v1beta1 PostgresDB as JSON text, with `tags` and `extraSpec` spliced in as raw JSON. */
function hubJson({
  tags = '{"team":"a"}',
  extraSpec = '',
  metadata = '{"name":"orders","namespace":"shop"}',
} = {}) {
  return (
    `{"apiVersion":"stow.dev/v1beta1","kind":"PostgresDB","metadata":${metadata},` +
    `"spec":{"instanceClass":"db.t3.small","storage":{"sizeGiB":20},"tags":${tags}${extraSpec}}}`
  );
}

const HOSTILE_KEYS = [
  ['a __proto__ tag', hubJson({ tags: '{"__proto__":"team-a"}' })],
  ['an escaped __proto__ tag', hubJson({ tags: '{"\\u005f_proto__":"team-a"}' })],
  ['constructor and prototype tags', hubJson({ tags: '{"constructor":"x","prototype":"y"}' })],
  ['a __proto__ object in spec', hubJson({ extraSpec: ',"__proto__":{"polluted":"yes"}' })],
  [
    'constructor.prototype in spec',
    hubJson({ extraSpec: ',"constructor":{"prototype":{"polluted":"yes"}}' }),
  ],
  ['a __proto__ tag holding an object', hubJson({ tags: '{"__proto__":{"polluted":"yes"}}' })],
  [
    'a __proto__ annotation and label',
    hubJson({ metadata: '{"name":"orders","annotations":{"__proto__":"x"},"labels":{"constructor":"y"}}' }),
  ],
] as const;

t.test(
  'objects holding __proto__ or constructor.prototype keys get a review on all three routes',
  async (t) => {
    for (const [title, object] of HOSTILE_KEYS) {
      for (const url of ['/mutate', '/validate'] as const) {
        const res = await post(app, url, admissionReviewText(object));
        t.equal(res.statusCode, 200, `${url} ${title}: ${res.body.slice(0, 200)}`);
        t.equal(res.json().response.uid, ADMISSION_UID, `${url} ${title}: a review`);
        t.not(res.json().response.status?.code, 500, `${url} ${title}: no internal error`);
      }
      const res = await post(app, '/convert', conversionReviewText([object], 'stow.dev/v1alpha1'));
      t.equal(res.statusCode, 200, `/convert ${title}: ${res.body.slice(0, 200)}`);
      t.match(
        res.json().response,
        { uid: CONVERSION_UID, result: { status: 'Success' } },
        `/convert ${title}`,
      );
    }
    const denied = (await post(app, '/validate', admissionReviewText(HOSTILE_KEYS[5][1]))).json().response;
    t.match(denied, {
      allowed: false,
      status: { code: 422, message: /spec\.tags\.__proto__: expected string/ },
    });
  },
);

t.test('a __proto__ tag survives /mutate: the patch neither removes nor touches it', async (t) => {
  const object = hubJson({ tags: '{"__proto__":"team-a","constructor":"b"}' });
  const { response } = (await post(app, '/mutate', admissionReviewText(object))).json();
  t.equal(response.allowed, true);
  const patch = decodePatch(response.patch);
  t.ok(patch.length > 0, 'defaults were filled');
  t.notOk(
    patch.some((op) => op.path.startsWith('/spec/tags') || op.op !== 'add'),
    'only additions, none under spec.tags',
  );
  const patched = jsonPatch.applyPatch(JSON.parse(object), patch as Operation[], true, false).newDocument;
  t.ok(Object.hasOwn(patched.spec.tags, '__proto__'), '__proto__ is still an own key');
  t.equal(patched.spec.tags.__proto__, 'team-a');
  t.equal(patched.spec.tags.constructor, 'b');
  const validated = (await post(app, '/validate', admissionReviewText(JSON.stringify(patched)))).json();
  t.equal(validated.response.allowed, true, '__proto__ is a valid AWS tag key');
});

t.test('a __proto__ tag survives a v1beta1 -> v1alpha1 -> v1beta1 round trip through /convert', async (t) => {
  const object = hubJson({
    tags: '{"__proto__":"team-a","constructor":"b"}',
    extraSpec: ',"multiAZ":true',
  });
  const down = (await post(app, '/convert', conversionReviewText([object], 'stow.dev/v1alpha1'))).json();
  t.equal(down.response.result.status, 'Success');
  const [alpha] = down.response.convertedObjects;
  t.equal(alpha.apiVersion, 'stow.dev/v1alpha1');
  t.match(
    alpha.metadata.annotations['stow.dev/conversion-data'],
    /"__proto__":"team-a"/,
    'kept in the annotation',
  );
  const up = (
    await post(app, '/convert', conversionReviewText([JSON.stringify(alpha)], 'stow.dev/v1beta1'))
  ).json();
  t.equal(up.response.result.status, 'Success');
  const [back] = up.response.convertedObjects;
  t.equal(canonicalJson(back), canonicalJson(JSON.parse(object)), 'the very same object');
  t.ok(Object.hasOwn(back.spec.tags, '__proto__'));
});

t.test(
  'a non-string uid, or any other mistyped review field, gets a 400 instead of being coerced',
  async (t) => {
    const object = hubJson();
    const admission: Array<[string, Record<string, unknown>, RegExp]> = [
      ['uid: 123', { uid: 123 }, /request\/uid must be string/],
      ['uid: true', { uid: true }, /request\/uid must be string/],
      ['uid: ["abc"]', { uid: ['abc'] }, /request\/uid must be string/],
      ['uid: null', { uid: null }, /request\/uid must be string/],
      ['dryRun: "true"', { dryRun: 'true' }, /request\/dryRun must be boolean/],
      ['dryRun: 1', { dryRun: 1 }, /request\/dryRun must be boolean/],
      ['name: 5', { name: 5 }, /request\/name must be string/],
      ['namespace: ["a"]', { namespace: ['a'] }, /request\/namespace must be string/],
      ['operation: ["CREATE"]', { operation: ['CREATE'] }, /request\/operation/],
      [
        'requestKind.version: 1',
        { requestKind: { group: 'stow.dev', version: 1, kind: 'PostgresDB' } },
        /request\/requestKind\/version must be string/,
      ],
    ];
    for (const [title, fields, message] of admission) {
      for (const url of ['/mutate', '/validate'] as const) {
        const res = await post(app, url, admissionReviewText(object, fields));
        t.equal(res.statusCode, 400, `${url} ${title}`);
        t.match(res.json().message, message, `${url} ${title}`);
      }
    }
    const conversion: Array<[string, unknown, RegExp]> = [
      ['uid: 123', 123, /request\.uid must be a non-empty string/],
      ['uid: ["abc"]', ['abc'], /request\.uid must be a non-empty string/],
    ];
    for (const [title, uid, message] of conversion) {
      const body = JSON.parse(conversionReviewText([object], 'stow.dev/v1alpha1'));
      body.request.uid = uid;
      const res = await post(app, '/convert', body);
      t.equal(res.statusCode, 400, `/convert ${title}`);
      t.match(res.json().message, message, `/convert ${title}`);
    }
  },
);

/** Damaged objects: [title, object JSON, the field the answer must name]. */
const DAMAGED: Array<[string, string, string]> = [
  ['metadata: null', hubJson({ metadata: 'null' }), 'metadata'],
  ['metadata: a string', hubJson({ metadata: '"orders"' }), 'metadata'],
  ['metadata: an array', hubJson({ metadata: '[]' }), 'metadata'],
  ['a numeric name', hubJson({ metadata: '{"name":5}' }), 'metadata.name'],
  ['a null name', hubJson({ metadata: '{"name":null}' }), 'metadata.name'],
  ['an object generateName', hubJson({ metadata: '{"generateName":{}}' }), 'metadata.generateName'],
  ['a numeric namespace', hubJson({ metadata: '{"name":"a","namespace":1}' }), 'metadata.namespace'],
  ['null annotations', hubJson({ metadata: '{"name":"a","annotations":null}' }), 'metadata.annotations'],
  ['string annotations', hubJson({ metadata: '{"name":"a","annotations":"x"}' }), 'metadata.annotations'],
  ['array annotations', hubJson({ metadata: '{"name":"a","annotations":[]}' }), 'metadata.annotations'],
  [
    'a numeric identifier annotation',
    hubJson({ metadata: '{"name":"a","annotations":{"stow.dev/identifier":5}}' }),
    'metadata.annotations[stow.dev/identifier]',
  ],
  [
    'a label holding an object',
    hubJson({ metadata: '{"name":"a","labels":{"team":{}}}' }),
    'metadata.labels[team]',
  ],
  ['null labels', hubJson({ metadata: '{"name":"a","labels":null}' }), 'metadata.labels'],
  [
    'spec: null',
    '{"apiVersion":"stow.dev/v1beta1","kind":"PostgresDB","metadata":{"name":"a"},"spec":null}',
    'spec',
  ],
  [
    'status: a string',
    `${hubJson().slice(0, -1)},"status":"Available"}`,
    'status', // /validate does not read status: it is allowed there
  ],
];

t.test('damaged objects get a denial naming the field, never an internal error', async (t) => {
  for (const [title, object, field] of DAMAGED) {
    const mutated = (await post(app, '/mutate', admissionReviewText(object))).json();
    t.equal(mutated.response.uid, ADMISSION_UID, `/mutate ${title}`);
    t.not(mutated.response.status?.code, 500, `/mutate ${title}: ${mutated.response.status?.message}`);
    if (field === 'status') continue;
    const { response } = (await post(app, '/validate', admissionReviewText(object))).json();
    t.equal(response.allowed, false, `/validate ${title}`);
    t.equal(response.status.code, 422, `/validate ${title}`);
    t.ok(
      response.status.message.includes(`${field}: `),
      `/validate ${title} names ${field}: ${response.status.message}`,
    );
  }
});

t.test('a damaged request.object or request.oldObject gets a 400 review naming it', async (t) => {
  for (const object of ['[1,2]', '"orders"', '42', 'null']) {
    for (const url of ['/mutate', '/validate'] as const) {
      const { response } = (await post(app, url, admissionReviewText(object))).json();
      t.match(response, {
        uid: ADMISSION_UID,
        allowed: false,
        status: { code: 400, message: /^request\.object/ },
      });
    }
  }
  const update = { operation: 'UPDATE' };
  for (const [old, message] of [
    ['[]', /^request\.oldObject must be the stored Kubernetes object/],
    [hubJson({ metadata: 'null' }), /^request\.oldObject: metadata: must be an object/],
    [
      hubJson({ metadata: '{"name":"a","annotations":{"a":1}}' }),
      /^request\.oldObject: metadata\.annotations\[a\]/,
    ],
  ] as const) {
    const { response } = (await post(app, '/validate', admissionReviewText(hubJson(), update, old))).json();
    t.match(response, { allowed: false, status: { code: 400, message } }, old);
  }
});

t.test('/convert: a damaged object fails the review, naming the object and the field', async (t) => {
  for (const [title, object, field] of DAMAGED) {
    for (const desired of ['stow.dev/v1alpha1']) {
      const res = await post(
        app,
        '/convert',
        conversionReviewText([hubJson({ metadata: '{"name":"fine"}' }), object], desired),
      );
      t.equal(res.statusCode, 200, `${title}: ${res.body.slice(0, 200)}`);
      const { response } = res.json();
      t.equal(response.uid, CONVERSION_UID);
      t.equal(response.result.status, 'Failure', title);
      t.notOk(response.convertedObjects, `${title}: no object converted`);
      t.ok(
        response.result.message.includes(`${field}: `),
        `${title} names ${field}: ${response.result.message}`,
      );
    }
  }
  const alphaStatus =
    '{"apiVersion":"stow.dev/v1alpha1","kind":"PostgresDB","metadata":{"name":"a","namespace":"shop"},"spec":{"size":"db.t3.small","storage":20},"status":null}';
  const { response } = (
    await post(app, '/convert', conversionReviewText([alphaStatus], 'stow.dev/v1beta1'))
  ).json();
  t.match(response.result, { status: 'Failure', message: 'shop/a: status: must be an object (got null)' });
  const storage = hubJson({ extraSpec: ',"storage":"20Gi"' });
  const failed = (await post(app, '/convert', conversionReviewText([storage], 'stow.dev/v1alpha1'))).json();
  t.match(failed.response.result, {
    status: 'Failure',
    message: /spec\.storage: must be an object \(got "20Gi"\)/,
  });
});

t.test('a request made in a version named like an Object member still gets its denial', async (t) => {
  for (const version of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const requestKind = { group: 'stow.dev', version, kind: 'PostgresDB' };
    const invalid = hubJson({ extraSpec: ',"instanceClass":"big"' });
    const { response } = (await post(app, '/validate', admissionReviewText(invalid, { requestKind }))).json();
    t.match(
      response,
      { allowed: false, status: { code: 422, message: /spec\.instanceClass: must be an RDS/ } },
      version,
    );
  }
});

t.test('values nested thousands of levels deep get a review, never an internal error', async (t) => {
  const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const future = hubJson({ extraSpec: `,"future":${deep(50_000)}` });
  // [route, review, whether it is denied]: a field no rule reads is not read at all.
  const cases: Array<[Route, string, boolean]> = [
    ['/validate', admissionReviewText(hubJson({ extraSpec: `,"storage":${deep(50_000)}` })), true],
    ['/validate', admissionReviewText(hubJson({ metadata: `{"name":${deep(50_000)}}` })), true],
    ['/validate', admissionReviewText(future, { operation: 'UPDATE' }, hubJson()), true],
    ['/validate', admissionReviewText(future), false],
    ['/mutate', admissionReviewText(future), false],
    // The CRD schema would refuse it before /validate sees it, so /mutate denies it (ADR 0019).
    ['/mutate', admissionReviewText(hubJson({ extraSpec: `,"storage":${deep(50_000)}` })), true],
  ];
  for (const [url, body, denied] of cases) {
    const res = await post(app, url, body);
    t.equal(res.statusCode, 200, url);
    const { response } = res.json();
    t.equal(response.uid, ADMISSION_UID);
    t.equal(response.allowed, !denied, `${url}: ${response.status?.message}`);
    if (denied) t.ok([400, 422].includes(response.status.code), `${url}: ${response.status.message}`);
  }
  for (const desired of ['stow.dev/v1alpha1', 'stow.dev/v1beta1']) {
    const object = hubJson({ extraSpec: `,"future":${deep(50_000)}` });
    const res = await post(app, '/convert', conversionReviewText([object], desired));
    t.equal(res.statusCode, 200, desired);
    t.match(
      res.json().response.result,
      { status: 'Failure', message: /^shop\/orders: nested too deeply/ },
      desired,
    );
  }
  const badEnvelope = `{"apiVersion":${deep(50_000)},"kind":"ConversionReview"}`;
  const res = await post(app, '/convert', badEnvelope);
  t.equal(res.statusCode, 400);
  t.match(res.json().message, /got a value nested too deeply to show/);
});

t.test('a value of megabytes is quoted in a few hundred characters', async (t) => {
  const huge = 'x'.repeat(5 * 1024 * 1024);
  const object = hubJson({ extraSpec: `,"instanceClass":"${huge}"` });
  const { response } = (await post(app, '/validate', admissionReviewText(object))).json();
  t.equal(response.allowed, false);
  t.ok(response.status.message.length < 1000, `${response.status.message.length} characters`);
  t.match(response.status.message, /spec\.instanceClass: .*\(got "x+… \(5242882 characters\)\)/);
});

t.test('Object.prototype is untouched after all of the above', async (t) => {
  t.equal(({} as { polluted?: unknown }).polluted, undefined);
  const after = Object.getOwnPropertyDescriptors(Object.prototype);
  t.same(Object.keys(after).sort(), Object.keys(prototypeBefore).sort());
  for (const [key, descriptor] of Object.entries(prototypeBefore)) {
    const now = after[key];
    t.ok(now?.value === descriptor.value && now?.get === descriptor.get && now?.set === descriptor.set, key);
  }
});
