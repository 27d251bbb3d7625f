// Issue 11 acceptance: at least 20,000 hostile requests across /mutate, /validate and /convert, and the
// contract checked for every answer (ADR 0014). Under CI, fast-check replays one fixed seed
// (test/support/fast-check-seed.ts); FC_SEED=<n> replays the seed a failure printed.
//
// Requests are built as JSON text, not serialised objects: a key such as `__proto__` (spelled out or
// escaped), a duplicate key, an array nested 100,000 levels deep or a string of megabytes reaches the
// server exactly as written.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import jsonPatch, { type Operation } from 'fast-json-patch';
import t from 'tap';
import { MAX_REVIEW_BYTES } from '../../../src/server/server.js';
import { post, type Route, webhookApp } from '../../support/webhook-app.js';

const RUNS_PER_ROUTE = 7_000;
/** Long enough for a body of megabytes on a busy machine; only a hang reaches it. */
const ANSWER_TIMEOUT_MS = 20_000;

// ---- JSON as a tree of raw texts, so that anything JSON can spell can be generated -----------------

type Node = { raw: string } | { items: Node[] } | { entries: Array<[string, Node]> };

const raw = (text: string): Node => ({ raw: text });

/** A plain value as a Node; keys become JSON string literals. */
function fromPlain(value: unknown): Node {
  if (Array.isArray(value)) return { items: value.map(fromPlain) };
  if (value !== null && typeof value === 'object') {
    return { entries: Object.entries(value).map(([key, item]) => [JSON.stringify(key), fromPlain(item)]) };
  }
  return raw(JSON.stringify(value));
}

function render(node: Node): string {
  if ('raw' in node) return node.raw;
  if ('items' in node) return `[${node.items.map(render).join(',')}]`;
  return `{${node.entries.map(([key, value]) => `${key}:${render(value)}`).join(',')}}`;
}

/** Where a mutation can act: a member's value, an array item, or an object to add a member to. */
type Slot =
  | { kind: 'member'; owner: Array<[string, Node]>; index: number }
  | { kind: 'item'; owner: Node[]; index: number }
  | { kind: 'object'; owner: Array<[string, Node]> };

function slots(node: Node, found: Slot[] = []): Slot[] {
  if ('items' in node) {
    node.items.forEach((item, index) => {
      found.push({ kind: 'item', owner: node.items, index });
      slots(item, found);
    });
  } else if ('entries' in node) {
    found.push({ kind: 'object', owner: node.entries });
    node.entries.forEach(([, value], index) => {
      found.push({ kind: 'member', owner: node.entries, index });
      slots(value, found);
    });
  }
  return found;
}

/** Keys a mutation prefers: the fields Stow reads, and the envelope's. */
const READ_KEYS = new Set(
  [
    'apiVersion',
    'kind',
    'request',
    'uid',
    'operation',
    'dryRun',
    'name',
    'namespace',
    'requestKind',
    'version',
    'object',
    'oldObject',
    'desiredAPIVersion',
    'objects',
    'metadata',
    'generateName',
    'deletionTimestamp',
    'annotations',
    'labels',
    'stow.dev/identifier',
    'stow.dev/conversion-data',
    'spec',
    'instanceClass',
    'size',
    'storage',
    'storageType',
    'sizeGiB',
    'type',
    'iops',
    'backup',
    'retentionDays',
    'encryption',
    'kmsKeyId',
    'tags',
    'status',
    'securityGroupIds',
    'engineVersion',
  ].map((key) => JSON.stringify(key)),
);

interface Mutation {
  pick: number;
  targeted: boolean;
  action: 'replace' | 'delete' | 'add';
  key: string;
  value: Node;
}

function mutate(tree: Node, mutation: Mutation): Node {
  const all = slots(tree);
  const targeted = all.filter((slot) => slot.kind === 'member' && READ_KEYS.has(slot.owner[slot.index]![0]));
  const pool = mutation.targeted && targeted.length ? targeted : all;
  if (pool.length === 0) return mutation.action === 'replace' ? mutation.value : tree;
  const slot = pool[mutation.pick % pool.length]!;
  if (slot.kind === 'object') {
    slot.owner.push([mutation.key, mutation.value]);
  } else if (slot.kind === 'member') {
    if (mutation.action === 'delete') slot.owner.splice(slot.index, 1);
    else if (mutation.action === 'add') slot.owner.splice(slot.index, 0, [mutation.key, mutation.value]);
    else slot.owner[slot.index] = [slot.owner[slot.index]![0], mutation.value];
  } else if (mutation.action === 'delete') {
    slot.owner.splice(slot.index, 1);
  } else {
    slot.owner[slot.index] = mutation.value;
  }
  return tree;
}

// ---- hostile values --------------------------------------------------------------------------------

const hostileKey = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '"__proto__"',
      '"constructor"',
      '"prototype"',
      '"\\u005f_proto__"',
      '"\\u005F\\u005Fproto\\u005f\\u005f"',
      '"constru\\u0063tor"',
      '"toString"',
      '"hasOwnProperty"',
      '"valueOf"',
      '"__defineSetter__"',
      '"toJSON"',
      '"length"',
      '""',
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom(...READ_KEYS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map((key) => JSON.stringify(key)) },
);

const scalar = fc.oneof(
  fc.constantFrom(
    'null',
    'true',
    'false',
    '0',
    '-0',
    '-1',
    '1e308',
    '5e-324',
    '1.5',
    '9007199254740993',
    '20',
    '"20"',
    '"20Gi"',
    '""',
    '" "',
    '"db.t3.small"',
    '"gp3"',
    '"io1"',
    '"CREATE"',
    '"UPDATE"',
    '"stow.dev/v1alpha1"',
    '"stow.dev/v1beta1"',
    '"admission.k8s.io/v1"',
    '"{\\"v1beta1\\":{}}"',
    '"{\\"v1alpha1\\":{\\"storage\\":\\"020\\"}}"',
    '"{\\"__proto__\\":{\\"polluted\\":true}}"',
  ),
  fc.double().map((value) => JSON.stringify(value)),
  fc.integer().map(String),
  fc.string({ unit: 'binary', maxLength: 40 }).map((text) => JSON.stringify(text)),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((text) => JSON.stringify(text)),
);

const nesting = (depth: fc.Arbitrary<number>) =>
  fc
    .tuple(
      depth,
      fc.constantFrom(['[', ']'], ['{"a":', '}'], ['{"__proto__":', '}'], ['[{"constructor":', '}]']),
    )
    .map(([levels, [open, close]]) => raw(`${open.repeat(levels)}1${close.repeat(levels)}`));

/**
 * Values that cost the server real work: up to ~1.2 MB of JSON text in characters of 1 to 4 bytes, or
 * nesting deep enough to overflow any recursive walk. At most one per request, in a few requests, so
 * the run stays short.
 */
const big = fc.oneof(
  fc
    .tuple(fc.integer({ min: 10_000, max: 300_000 }), fc.constantFrom('x', 'é', '😀', '\\"', '\\u0000'))
    .map(([count, unit]) => raw(`"${unit.repeat(count)}"`)),
  nesting(fc.oneof(fc.integer({ min: 500, max: 5_000 }), fc.integer({ min: 5_000, max: 30_000 }))),
);

const { hostile } = fc.letrec((tie) => ({
  hostile: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 8, arbitrary: scalar.map(raw) },
    { weight: 1, arbitrary: nesting(fc.integer({ min: 2, max: 64 })) },
    {
      weight: 2,
      arbitrary: fc.array(tie('hostile') as fc.Arbitrary<Node>, { maxLength: 3 }).map((items) => ({ items })),
    },
    {
      weight: 3,
      arbitrary: fc
        .array(fc.tuple(hostileKey, tie('hostile') as fc.Arbitrary<Node>), { maxLength: 3 })
        .map((entries) => ({ entries })),
    },
  ),
})) as { hostile: fc.Arbitrary<Node> };

const mutationOf = (value: fc.Arbitrary<Node>): fc.Arbitrary<Mutation> =>
  fc.record({
    pick: fc.nat(),
    targeted: fc.boolean(),
    action: fc.constantFrom('replace', 'replace', 'delete', 'add'),
    key: hostileKey,
    value,
  });

/** Mostly a few mutations; sometimes none, so valid reviews are part of the mix; rarely a big value. */
const mutations: fc.Arbitrary<Mutation[]> = fc
  .tuple(
    fc.oneof(
      { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
      { weight: 6, arbitrary: fc.array(mutationOf(hostile), { minLength: 1, maxLength: 4 }) },
    ),
    fc.oneof(
      { weight: 24, arbitrary: fc.constant<Mutation[]>([]) },
      { weight: 1, arbitrary: mutationOf(big).map((one) => [one]) },
    ),
  )
  .map(([small, large]) => [...small, ...large]);

// ---- well-formed starting points -------------------------------------------------------------------

const captured = JSON.parse(
  readFileSync(new URL('../../../../bench/fixtures/admission-review-create.json', import.meta.url), 'utf8'),
) as { request: { object: object } };

const HUB_OBJECTS: object[] = [
  {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata: { name: 'orders', namespace: 'shop' },
    spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 } },
  },
  {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata: {
      name: 'billing',
      namespace: 'shop',
      labels: { team: 'a' },
      annotations: {
        'stow.dev/identifier': 'billing-db',
        'stow.dev/conversion-data': '{"v1alpha1":{"storage":"0100"}}',
      },
    },
    spec: {
      instanceClass: 'db.m6g.large',
      engineVersion: '16',
      storage: { type: 'io1', sizeGiB: 100, iops: 3000, maxSizeGiB: 200 },
      multiAZ: true,
      backup: { retentionDays: 14, window: '03:00-04:00' },
      maintenanceWindow: 'sun:05:00-sun:06:00',
      deletionPolicy: 'Retain',
      encryption: { kmsKeyId: 'alias/stow' },
      securityGroupIds: ['sg-0123456789abcdef0'],
      tags: { team: 'a', __proto__: 'b' },
    },
    status: { phase: 'Available', rdsStatus: 'available', dbInstanceIdentifier: 'billing-db' },
  },
  captured.request.object,
];

const SPOKE_OBJECTS: object[] = [
  {
    apiVersion: 'stow.dev/v1alpha1',
    kind: 'PostgresDB',
    metadata: { name: 'legacy', namespace: 'shop' },
    spec: { size: 'db.t3.small', storage: '20', storageType: 'gp2' },
  },
  {
    apiVersion: 'stow.dev/v1alpha1',
    kind: 'PostgresDB',
    metadata: {
      name: 'kept',
      namespace: 'shop',
      annotations: { 'stow.dev/conversion-data': '{"v1beta1":{"spec":{"multiAZ":true,"tags":{"a":"b"}}}}' },
    },
    spec: { size: 'db.t3.small', storage: 30, iops: 1000 },
    status: { ready: 'available', arn: 'arn:aws:rds:eu-west-1:123456789012:db:kept' },
  },
];

// `__proto__` in an object literal sets the prototype: the tag is made an own key here, as JSON.parse makes it.
Object.defineProperty((HUB_OBJECTS[1] as { spec: { tags: object } }).spec.tags, '__proto__', {
  value: 'b',
  enumerable: true,
  writable: true,
  configurable: true,
});

const uid = fc.oneof(fc.uuid(), fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }));

const admissionRequest = fc.record({
  apiVersion: fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1', 'admission.k8s.io/v1beta1'),
  uid,
  operation: fc.constantFrom('CREATE', 'CREATE', 'UPDATE', 'UPDATE', 'DELETE', 'CONNECT'),
  object: fc.constantFrom(...HUB_OBJECTS, SPOKE_OBJECTS[0]!),
  oldObject: fc.constantFrom(...HUB_OBJECTS),
  requestVersion: fc.constantFrom('v1beta1', 'v1alpha1', undefined),
  dryRun: fc.constantFrom(true, false, undefined),
  mutations,
});

type AdmissionCase = {
  apiVersion: string;
  uid: string;
  operation: string;
  object: object;
  oldObject: object;
  requestVersion: string | undefined;
  dryRun: boolean | undefined;
  mutations: Mutation[];
};

function admissionText(input: AdmissionCase): string {
  const { name, namespace } = (input.object as { metadata: { name?: string; namespace?: string } }).metadata;
  const review = fromPlain({
    apiVersion: input.apiVersion,
    kind: 'AdmissionReview',
    request: {
      uid: input.uid,
      kind: { group: 'stow.dev', version: 'v1beta1', kind: 'PostgresDB' },
      ...(input.requestVersion
        ? { requestKind: { group: 'stow.dev', version: input.requestVersion, kind: 'PostgresDB' } }
        : {}),
      name,
      namespace,
      operation: input.operation,
      userInfo: { username: 'tenant', groups: ['system:authenticated'] },
      object: input.operation === 'DELETE' ? null : input.object,
      ...(input.operation === 'UPDATE' || input.operation === 'DELETE' ? { oldObject: input.oldObject } : {}),
      ...(input.dryRun === undefined ? {} : { dryRun: input.dryRun }),
    },
  });
  return render(input.mutations.reduce(mutate, review));
}

const conversionRequest = fc.record({
  uid,
  desiredAPIVersion: fc.constantFrom('stow.dev/v1alpha1', 'stow.dev/v1beta1'),
  objects: fc.array(fc.constantFrom(...HUB_OBJECTS, ...SPOKE_OBJECTS), { maxLength: 3 }),
  mutations,
});

type ConversionCase = { uid: string; desiredAPIVersion: string; objects: object[]; mutations: Mutation[] };

function conversionText(input: ConversionCase): string {
  const review = fromPlain({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: { uid: input.uid, desiredAPIVersion: input.desiredAPIVersion, objects: input.objects },
  });
  return render(input.mutations.reduce(mutate, review));
}

/** Bodies that are not JSON at all, or not whole. */
const garbage = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '{',
    '[',
    '{"apiVersion":',
    'null',
    'true',
    '"AdmissionReview"',
    '{}',
    '[]',
    '\uFEFF',
    'undefined',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc
    .tuple(fc.oneof(admissionRequest.map(admissionText)), fc.nat())
    .map(([text, cut]) => text.slice(0, cut % (text.length + 1))),
);

// ---- the contract ----------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isGvk = (value: unknown) =>
  isObject(value) && ['group', 'version', 'kind'].every((key) => typeof value[key] === 'string');
const optional = (value: unknown, check: (value: unknown) => boolean) => value === undefined || check(value);

/** What the API server sends: the only reviews the webhooks must answer with a review. */
function wellFormedAdmissionReview(body: unknown): body is Json & { request: Json } {
  if (!isObject(body) || !isObject(body.request)) return false;
  const request = body.request;
  return (
    (body.apiVersion === 'admission.k8s.io/v1' || body.apiVersion === 'admission.k8s.io/v1beta1') &&
    body.kind === 'AdmissionReview' &&
    typeof request.uid === 'string' &&
    request.uid !== '' &&
    ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'].includes(request.operation as string) &&
    optional(request.name, (value) => typeof value === 'string') &&
    optional(request.namespace, (value) => typeof value === 'string') &&
    optional(request.dryRun, (value) => typeof value === 'boolean') &&
    optional(request.kind, isGvk) &&
    optional(request.requestKind, isGvk)
  );
}

function wellFormedConversionReview(body: unknown): body is Json & { request: Json } {
  if (!isObject(body) || !isObject(body.request)) return false;
  const request = body.request;
  return (
    body.apiVersion === 'apiextensions.k8s.io/v1' &&
    body.kind === 'ConversionReview' &&
    typeof request.uid === 'string' &&
    request.uid !== '' &&
    typeof request.desiredAPIVersion === 'string' &&
    Array.isArray(request.objects)
  );
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Tallies of the answers, printed at the end: the mix shows the fuzzing reached every kind of answer. */
const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

/** Checks one answer; returns a description of the breach, or undefined. */
async function breach(app: FastifyInstance, url: Route, text: string): Promise<string | undefined> {
  const res = await post(app, url, text);
  const body = parsed(text);
  const review = (url === '/convert' ? wellFormedConversionReview(body) : wellFormedAdmissionReview(body))
    ? (body as Json & { request: Json })
    : undefined;
  const limit = url === '/convert' ? Number.POSITIVE_INFINITY : MAX_REVIEW_BYTES;
  if (res.statusCode >= 500) return `HTTP ${res.statusCode}: ${res.body.slice(0, 300)}`;
  if (Buffer.byteLength(text) > limit)
    return res.statusCode === 413 ? undefined : `HTTP ${res.statusCode} over the limit`;
  if (res.statusCode === 400) {
    count(`${url} 400`);
    if (review) return `HTTP 400 for a well-formed review: ${res.body.slice(0, 300)}`;
    const answer = parsed(res.body);
    return isObject(answer) && typeof answer.message === 'string'
      ? undefined
      : `400 without a message: ${res.body}`;
  }
  if (res.statusCode !== 200) return `HTTP ${res.statusCode}: ${res.body.slice(0, 300)}`;
  if (!review) return `HTTP 200 for a malformed review: ${res.body.slice(0, 300)}`;
  const answer = parsed(res.body);
  if (!isObject(answer) || !isObject(answer.response)) return `not a review: ${res.body.slice(0, 300)}`;
  const response = answer.response;
  if (response.uid !== review.request.uid)
    return `uid ${JSON.stringify(response.uid)} answers ${JSON.stringify(review.request.uid)}`;
  return url === '/convert'
    ? conversionBreach(answer, review.request)
    : admissionBreach(url, answer, review, text);
}

function admissionBreach(
  url: Route,
  answer: Json,
  review: Json & { request: Json },
  text: string,
): string | undefined {
  const response = answer.response as Json;
  if (answer.apiVersion !== review.apiVersion || answer.kind !== 'AdmissionReview')
    return 'apiVersion or kind not echoed';
  if (typeof response.allowed !== 'boolean') return 'allowed is not a boolean';
  if (
    !optional(response.warnings, (value) => Array.isArray(value) && value.every((w) => typeof w === 'string'))
  )
    return 'warnings not strings';
  if (!response.allowed) {
    const status = response.status;
    if (!isObject(status) || typeof status.message !== 'string' || status.message === '')
      return 'a denial without a message';
    if (status.code !== 400 && status.code !== 422)
      return `denied with code ${String(status.code)}: ${status.message}`;
    if (response.patch !== undefined) return 'a denial with a patch';
    count(`${url} denied ${status.code}`);
    return undefined;
  }
  if (response.status !== undefined) return 'allowed with a status';
  if (response.patch === undefined) {
    count(`${url} allowed`);
    return response.patchType === undefined ? undefined : 'patchType without a patch';
  }
  if (url !== '/mutate') return `a patch from ${url}`;
  if (
    response.patchType !== 'JSONPatch' ||
    typeof response.patch !== 'string' ||
    !BASE64.test(response.patch)
  )
    return 'a patch that is not base64 JSONPatch';
  count(`${url} patched`);
  return patchBreach(response.patch, text);
}

/** The patch applies cleanly to the very object sent, and only fills: it adds, or replaces a null. */
function patchBreach(patch: string, text: string): string | undefined {
  let operations: Operation[];
  try {
    operations = JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
  } catch {
    return 'the patch is not JSON';
  }
  if (!Array.isArray(operations) || operations.length === 0) return 'the patch is not a list of operations';
  const object = (JSON.parse(text) as { request: { object: unknown } }).request.object;
  for (const operation of operations) {
    if (operation.op === 'replace') {
      const before = jsonPatch.getValueByPointer(object, operation.path);
      if (before !== null)
        return `the patch replaces ${operation.path}, which held ${JSON.stringify(before)}`;
    } else if (operation.op !== 'add') {
      return `the patch does more than fill: ${JSON.stringify(operation)}`;
    }
  }
  try {
    jsonPatch.applyPatch(object, operations, true, true);
  } catch (error) {
    return `the patch does not apply: ${(error as Error).message}`;
  }
  return undefined;
}

function conversionBreach(answer: Json, request: Json): string | undefined {
  const response = answer.response as Json;
  if (answer.apiVersion !== 'apiextensions.k8s.io/v1' || answer.kind !== 'ConversionReview')
    return 'apiVersion or kind wrong';
  const result = response.result;
  if (!isObject(result)) return 'no result';
  if (result.status === 'Failure') {
    count('/convert Failure');
    if (typeof result.message !== 'string' || result.message === '') return 'a Failure without a message';
    return response.convertedObjects === undefined ? undefined : 'a Failure with objects';
  }
  if (result.status !== 'Success') return `result.status ${JSON.stringify(result.status)}`;
  count('/convert Success');
  const objects = response.convertedObjects;
  const sent = request.objects as unknown[];
  if (!Array.isArray(objects) || objects.length !== sent.length)
    return 'not one converted object per object sent';
  const wrong = objects.find(
    (object) => !isObject(object) || object.apiVersion !== request.desiredAPIVersion,
  );
  return wrong === undefined ? undefined : `an object not in ${String(request.desiredAPIVersion)}`;
}

// ---- the run ---------------------------------------------------------------------------------------

t.test(
  `${3 * RUNS_PER_ROUTE} hostile requests across /mutate, /validate and /convert keep the contract`,
  async (t) => {
    const app = webhookApp();
    t.teardown(() => app.close());
    const prototypeBefore = Object.getOwnPropertyDescriptors(Object.prototype);
    const arrayPrototypeBefore = Object.getOwnPropertyNames(Array.prototype).sort();
    const started = Date.now();
    let sent = 0;

    const check = async (url: Route, text: string) => {
      sent++;
      const found = await breach(app, url, text);
      if (found !== undefined) throw new Error(`${url}: ${found}\nbody: ${text.slice(0, 2000)}`);
    };
    const cases: Array<[Route, fc.Arbitrary<string>]> = [
      [
        '/mutate',
        fc.oneof(
          { weight: 12, arbitrary: admissionRequest.map(admissionText) },
          { weight: 1, arbitrary: garbage },
        ),
      ],
      [
        '/validate',
        fc.oneof(
          { weight: 12, arbitrary: admissionRequest.map(admissionText) },
          { weight: 1, arbitrary: garbage },
        ),
      ],
      [
        '/convert',
        fc.oneof(
          { weight: 12, arbitrary: conversionRequest.map(conversionText) },
          { weight: 1, arbitrary: garbage },
        ),
      ],
    ];
    for (const [url, body] of cases) {
      await fc.assert(
        fc.asyncProperty(body, (text) => check(url, text)),
        { numRuns: RUNS_PER_ROUTE, timeout: ANSWER_TIMEOUT_MS },
      );
    }

    const seconds = (Date.now() - started) / 1000;
    t.comment(
      `${sent} requests in ${seconds.toFixed(1)} s (seed ${String(fc.readConfigureGlobal().seed ?? 'random')})`,
    );
    t.comment(
      [...tally]
        .sort()
        .map(([key, value]) => `${key}: ${value}`)
        .join(', '),
    );
    t.ok(sent >= 20_000, `${sent} requests`);
    // The mix reaches every kind of answer, not only refusals of malformed envelopes.
    for (const kind of [
      '/mutate patched',
      '/mutate allowed',
      '/validate allowed',
      '/validate denied 422',
      '/convert Success',
      '/convert Failure',
    ]) {
      t.ok((tally.get(kind) ?? 0) >= 100, `${kind}: ${tally.get(kind) ?? 0}`);
    }
    for (const url of ['/mutate', '/validate', '/convert'])
      t.ok((tally.get(`${url} 400`) ?? 0) >= 100, `${url} 400`);

    t.equal(({} as { polluted?: unknown }).polluted, undefined, 'nothing inherited from a request');
    const after = Object.getOwnPropertyDescriptors(Object.prototype);
    t.same(
      Object.keys(after).sort(),
      Object.keys(prototypeBefore).sort(),
      'Object.prototype has the same members',
    );
    t.ok(
      Object.entries(prototypeBefore).every(
        ([key, before]) =>
          after[key]?.value === before.value &&
          after[key]?.get === before.get &&
          after[key]?.set === before.set,
      ),
      'and each is the same',
    );
    t.same(
      Object.getOwnPropertyNames(Array.prototype).sort(),
      arrayPrototypeBefore,
      'Array.prototype untouched',
    );
  },
);
