import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import tap from 'tap';
import { ANNOTATION_CONVERSION_DATA } from '../../../src/api/constants.js';
import type * as v1alpha1 from '../../../src/api/v1alpha1.js';
import type * as v1beta1 from '../../../src/api/v1beta1.js';
import { convertObject } from '../../../src/conversion/converters.js';
import type { JsonObject } from '../../../src/util/json-object.js';
import { fromHub, toHub } from '../../../src/conversion/v1alpha1.js';

const RUNS = 10_000;
const HUB = 'stow.dev/v1beta1';
const SPOKE = 'stow.dev/v1alpha1';

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }));
const dnsName = fc.stringMatching(/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/);
const qualifiedKey = fc.stringMatching(/^([a-z][a-z0-9.-]{0,10}\/)?[a-zA-Z][a-zA-Z0-9_.-]{0,14}$/);
const nonEmptyMap = (keys: fc.Arbitrary<string>, values: fc.Arbitrary<string>) =>
  fc.dictionary(keys, values, { minKeys: 1, maxKeys: 4, noNullPrototype: true });
const sizeGiB = fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.maxSafeNat());
const storageType = fc.constantFrom(
  'gp2',
  'gp3',
  'io1',
  'io2',
  'standard',
) as fc.Arbitrary<v1beta1.StorageType>;

const otherAnnotations = nonEmptyMap(
  fc.oneof(
    fc.constantFrom(
      'kubectl.kubernetes.io/last-applied-configuration',
      'stow.dev/reconcile',
      'stow.dev/identifier',
    ),
    qualifiedKey,
  ),
  text,
).map((annotations) => {
  const { [ANNOTATION_CONVERSION_DATA]: _ours, ...others } = annotations;
  return others;
});

const metadata = fc.record(
  {
    name: dnsName,
    generateName: dnsName,
    namespace: dnsName,
    uid: fc.uuid(),
    resourceVersion: fc.nat().map(String),
    generation: fc.nat(),
    creationTimestamp: fc.constant('2024-05-01T10:00:00Z'),
    deletionTimestamp: fc.constant('2024-05-02T10:00:00Z'),
    labels: nonEmptyMap(qualifiedKey, text),
    annotations: otherAnnotations,
    finalizers: fc.array(fc.constantFrom('stow.dev/finalizer', 'example.com/keep'), { maxLength: 2 }),
    ownerReferences: fc.array(
      fc.record({ kind: text, name: dnsName, uid: fc.uuid() }, { noNullPrototype: true }),
      { maxLength: 1 },
    ),
    managedFields: fc.array(
      fc.record({ manager: text, operation: fc.constantFrom('Update', 'Apply') }, { noNullPrototype: true }),
      {
        maxLength: 2,
      },
    ),
  },
  { noNullPrototype: true, requiredKeys: ['name', 'namespace'] },
);

const hubSpec = fc.record(
  {
    instanceClass: text,
    engineVersion: text,
    storage: fc.record(
      { type: storageType, sizeGiB, iops: fc.nat(), throughputMiBps: fc.nat(), maxSizeGiB: fc.nat() },
      { noNullPrototype: true, requiredKeys: ['sizeGiB'] },
    ),
    multiAZ: fc.boolean(),
    databaseName: text,
    masterUsername: text,
    backup: fc.record(
      { retentionDays: fc.nat(35), window: text, keepAfterDeletion: fc.boolean() },
      { noNullPrototype: true, requiredKeys: [] },
    ),
    maintenanceWindow: text,
    deletionPolicy: fc.constantFrom('Delete', 'Snapshot', 'Retain') as fc.Arbitrary<v1beta1.DeletionPolicy>,
    deletionProtection: fc.boolean(),
    publiclyAccessible: fc.boolean(),
    encryption: fc.record({ kmsKeyId: text }, { noNullPrototype: true, requiredKeys: [] }),
    subnetGroupName: text,
    securityGroupIds: fc.array(text, { maxLength: 3 }),
    parameterGroupName: text,
    tags: fc.dictionary(text, text, { maxKeys: 3, noNullPrototype: true }),
    secretName: text,
    serviceName: text,
    restoreFrom: fc.oneof(
      fc.record(
        { snapshot: fc.record({ name: dnsName, namespace: dnsName }, { requiredKeys: ['name'] }) },
        { noNullPrototype: true },
      ),
      fc.record({ rdsSnapshotIdentifier: text }, { noNullPrototype: true }),
      fc.record(
        {
          pointInTime: fc.record(
            { postgresDBRef: fc.record({ name: dnsName }), time: text, latest: fc.boolean() },
            { noNullPrototype: true, requiredKeys: ['postgresDBRef'] },
          ),
        },
        { noNullPrototype: true },
      ),
    ),
  },
  { noNullPrototype: true, requiredKeys: ['instanceClass', 'storage'] },
);

const condition = fc.record(
  {
    type: fc.constantFrom('Ready', 'Synced'),
    status: fc.constantFrom('True', 'False', 'Unknown') as fc.Arbitrary<'True' | 'False' | 'Unknown'>,
    observedGeneration: fc.nat(),
    lastTransitionTime: fc.constant('2024-05-01T10:00:00Z'),
    reason: text,
    message: text,
  },
  { noNullPrototype: true, requiredKeys: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

const hubStatus = fc.record(
  {
    phase: fc.constantFrom('Pending', 'Provisioning', 'Available', 'Modifying', 'Deleting', 'Failed'),
    rdsStatus: text,
    dbInstanceIdentifier: text,
    arn: text,
    endpoint: fc.record({ address: text, port: fc.nat(65535) }, { noNullPrototype: true, requiredKeys: [] }),
    secretName: text,
    serviceName: text,
    observedGeneration: fc.nat(),
    tagKeys: fc.array(text, { maxLength: 3 }),
    conditions: fc.array(condition, { maxLength: 2 }),
  },
  { noNullPrototype: true, requiredKeys: [] },
) as fc.Arbitrary<v1beta1.PostgresDBStatus>;

/**
 * How the hub remembers a v1alpha1 string spelling of storage: none, the same number, the number with
 * leading zeros, or any digits (usually stale: a v1beta1 edit changed sizeGiB afterwards).
 */
const spelling = fc.oneof(
  fc.constant(undefined),
  fc.constant((size: number) => String(size)),
  fc.integer({ min: 1, max: 3 }).map((zeros) => (size: number) => '0'.repeat(zeros) + size),
  fc.stringMatching(/^[0-9]{1,6}$/).map((digits) => () => digits),
);

function withStatus<T extends JsonObject>(object: T, status: unknown): T {
  return status === undefined ? object : { ...object, status };
}

/** The same data with object keys in another order (the API server, for one, sends them sorted). */
function reorderKeys<T>(value: T, seed: number): T {
  if (Array.isArray(value)) return value.map((item) => reorderKeys(item, seed)) as T;
  if (value === null || typeof value !== 'object') return value;
  let state = seed >>> 0;
  const entries = Object.entries(value)
    .map(([key, item]) => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return { key, item, rank: state };
    })
    .sort((a, b) => a.rank - b.rank);
  return Object.fromEntries(entries.map(({ key, item }) => [key, reorderKeys(item, seed + 1)])) as T;
}

const hubObject: fc.Arbitrary<v1beta1.PostgresDB> = fc
  .record({
    metadata,
    spec: hubSpec,
    status: fc.option(hubStatus, { nil: undefined }),
    spelling,
    order: fc.nat(),
  })
  .map(({ metadata, spec, status, spelling, order }) => {
    const annotations = spelling
      ? {
          ...metadata.annotations,
          [ANNOTATION_CONVERSION_DATA]: JSON.stringify({
            v1alpha1: { storage: spelling(spec.storage.sizeGiB) },
          }),
        }
      : metadata.annotations;
    const meta = annotations ? { ...metadata, annotations } : metadata;
    return reorderKeys(
      withStatus({ apiVersion: HUB, kind: 'PostgresDB', metadata: meta, spec }, status),
      order,
    );
  });

const spokeStorage = fc.oneof(
  sizeGiB,
  sizeGiB.map(String),
  fc.tuple(fc.integer({ min: 1, max: 3 }), sizeGiB).map(([zeros, size]) => '0'.repeat(zeros) + size),
);

/** v1alpha1 objects as users wrote them before the upgrade: no conversion annotation. */
const writtenSpoke: fc.Arbitrary<v1alpha1.PostgresDB> = fc
  .record({
    metadata,
    spec: fc.record(
      { size: text, storage: spokeStorage, storageType, iops: fc.nat() },
      { noNullPrototype: true, requiredKeys: ['size', 'storage'] },
    ),
    status: fc.option(fc.record({ arn: text, ready: text }, { noNullPrototype: true, requiredKeys: [] }), {
      nil: undefined,
    }),
  })
  .map(({ metadata, spec, status }) =>
    withStatus({ apiVersion: SPOKE, kind: 'PostgresDB', metadata, spec } as v1alpha1.PostgresDB, status),
  );

/** Every v1alpha1 object a client can read: written in v1alpha1, or stored as v1beta1 and converted down. */
const spokeObject = fc.oneof(writtenSpoke, hubObject.map(fromHub));

function isJsonIdentity(value: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(value)), value);
}

function checkProperty<T>(
  t: Pick<typeof tap, 'notOk' | 'equal'>,
  name: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => boolean,
) {
  const details = fc.check(fc.property(arbitrary, predicate), { numRuns: RUNS });
  t.notOk(details.failed, `${name}\n${fc.defaultReportMessage(details) ?? ''}`);
  t.equal(details.numRuns, RUNS, `${name}: ${RUNS} random objects`);
}

tap.test('v1beta1 → v1alpha1 → v1beta1 is the identity', async (t) => {
  checkProperty(t, 'hub round trip', hubObject, (hub) => {
    const spoke = fromHub(hub);
    const back = toHub(spoke);
    return spoke.apiVersion === SPOKE && isJsonIdentity(spoke) && isDeepStrictEqual(back, hub);
  });
});

tap.test('v1alpha1 → v1beta1 → v1alpha1 is the identity', async (t) => {
  checkProperty(t, 'spoke round trip', spokeObject, (spoke) => {
    const hub = toHub(spoke);
    const back = fromHub(hub);
    return hub.apiVersion === HUB && isJsonIdentity(hub) && isDeepStrictEqual(back, spoke);
  });
});

tap.test('the same round trips through convertObject, with inputs left untouched', async (t) => {
  checkProperty(t, 'convertObject', fc.tuple(hubObject, spokeObject), ([hub, spoke]) => {
    const hubBefore = structuredClone(hub);
    const spokeBefore = structuredClone(spoke);
    const hubBack = convertObject(convertObject(hub, SPOKE), HUB);
    const spokeBack = convertObject(convertObject(spoke, HUB), SPOKE);
    return (
      isDeepStrictEqual(hubBack, hub) &&
      isDeepStrictEqual(spokeBack, spoke) &&
      isDeepStrictEqual(hub, hubBefore) &&
      isDeepStrictEqual(spoke, spokeBefore)
    );
  });
});

/** The hub without the fields v1alpha1 maps, and without the conversion annotation. */
function hubOnlyPart(hub: v1beta1.PostgresDB): JsonObject {
  const { [ANNOTATION_CONVERSION_DATA]: _ours, ...annotations } = hub.metadata.annotations ?? {};
  const { instanceClass: _class, storage, ...spec } = hub.spec;
  const { sizeGiB: _size, type: _type, iops: _iops, ...storageRest } = storage;
  const { rdsStatus: _rdsStatus, arn: _arn, ...status } = hub.status ?? {};
  return {
    metadata: { ...hub.metadata, annotations },
    spec: { ...spec, storage: storageRest },
    status: hub.status ? status : undefined,
  };
}

const spokeEdit = fc.record(
  {
    size: text,
    storage: spokeStorage,
    storageType: fc.option(storageType, { nil: undefined }),
    iops: fc.option(fc.nat(), { nil: undefined }),
    ready: fc.option(text, { nil: undefined }),
  },
  { noNullPrototype: true, requiredKeys: [] },
);

tap.test('an edit through v1alpha1 wins and every v1beta1-only field survives it', async (t) => {
  checkProperty(t, 'edit through v1alpha1', fc.tuple(hubObject, spokeEdit), ([hub, edit]) => {
    const { spec: readSpec, status: readStatus, ...read } = fromHub(hub);
    const spec: JsonObject = { ...readSpec };
    for (const key of ['size', 'storage', 'storageType', 'iops'] as const) {
      if (!(key in edit)) continue;
      if (edit[key] === undefined) delete spec[key];
      else spec[key] = edit[key];
    }
    let status = readStatus;
    if (status && 'ready' in edit) {
      const { ready: _ready, ...rest } = status;
      status = edit.ready === undefined ? rest : { ...rest, ready: edit.ready };
    }
    const edited: v1alpha1.PostgresDB = withStatus(
      { ...read, spec: spec as v1alpha1.PostgresDBSpec },
      status,
    );

    const stored = toHub(edited);
    const readBack = fromHub(stored);
    const expectedSize = typeof spec.storage === 'string' ? Number(spec.storage) : spec.storage;
    return (
      stored.spec.instanceClass === spec.size &&
      stored.spec.storage.sizeGiB === expectedSize &&
      stored.spec.storage.type === spec.storageType &&
      stored.spec.storage.iops === spec.iops &&
      stored.status?.rdsStatus === status?.ready &&
      isDeepStrictEqual(hubOnlyPart(stored), hubOnlyPart(hub)) &&
      isDeepStrictEqual(readBack.spec, edited.spec) &&
      isDeepStrictEqual(readBack.status, edited.status)
    );
  });
});

tap.test('the annotation text depends on the data only, not on key order', async (t) => {
  const details = fc.check(
    fc.property(hubObject, fc.nat(), (hub, order) => {
      const annotation = (object: v1beta1.PostgresDB) =>
        fromHub(object).metadata.annotations?.[ANNOTATION_CONVERSION_DATA];
      return annotation(hub) === annotation(reorderKeys(hub, order));
    }),
    { numRuns: 2_000 },
  );
  t.notOk(details.failed, fc.defaultReportMessage(details) ?? 'stable annotation text');
});
