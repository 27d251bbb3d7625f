import t from 'tap';
import { ANNOTATION_CONVERSION_DATA } from '../../../src/api/constants.js';
import type * as v1alpha1 from '../../../src/api/v1alpha1.js';
import type * as v1beta1 from '../../../src/api/v1beta1.js';
import { ConversionError } from '../../../src/conversion/conversion-error.js';
import {
  assertEveryServedVersionConverts,
  converters,
  convertObject,
} from '../../../src/conversion/converters.js';
import { fieldPathFromHub, fromHub, toHub } from '../../../src/conversion/v1alpha1.js';

const metadata = { name: 'orders', namespace: 'shop' };

function spoke(
  spec: Partial<v1alpha1.PostgresDBSpec>,
  extra: Partial<v1alpha1.PostgresDB> = {},
): v1alpha1.PostgresDB {
  return {
    apiVersion: 'stow.dev/v1alpha1',
    kind: 'PostgresDB',
    metadata,
    spec: { size: 'db.t3.small', storage: '10', ...spec },
    ...extra,
  };
}

const fullHub: v1beta1.PostgresDB = {
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDB',
  metadata: {
    ...metadata,
    labels: { team: 'payments' },
    annotations: { 'example.com/owner': 'alice' },
  },
  spec: {
    instanceClass: 'db.m6g.large',
    engineVersion: '16',
    storage: { type: 'gp3', sizeGiB: 500, iops: 12000, throughputMiBps: 500, maxSizeGiB: 1000 },
    multiAZ: true,
    backup: { retentionDays: 7, window: '03:00-04:00', keepAfterDeletion: true },
    deletionPolicy: 'Retain',
    tags: { team: 'payments' },
  },
  status: {
    phase: 'Available',
    rdsStatus: 'available',
    arn: 'arn:aws:rds:eu-west-1:123456789012:db:orders',
    endpoint: { address: 'orders.abc.eu-west-1.rds.amazonaws.com', port: 5432 },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        lastTransitionTime: '2024-05-01T10:00:00Z',
        reason: 'Available',
        message: '',
      },
    ],
  },
};

t.test('v1alpha1 fields map onto v1beta1 per the API contract', async (t) => {
  const hub = toHub(
    spoke({ storage: 20, storageType: 'io1', iops: 1000 }, { status: { arn: 'arn:x', ready: 'creating' } }),
  );
  t.same(hub, {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata,
    spec: { instanceClass: 'db.t3.small', storage: { type: 'io1', sizeGiB: 20, iops: 1000 } },
    status: { rdsStatus: 'creating', arn: 'arn:x' },
  });
});

t.test('storage keeps its spelling: "10" stays a string, 10 a number, "010" keeps its zero', async (t) => {
  for (const storage of ['10', 10, '010', '0']) {
    const hub = toHub(spoke({ storage }));
    t.equal(
      hub.spec.storage.sizeGiB,
      Number(storage),
      `${JSON.stringify(storage)} is ${Number(storage)} GiB`,
    );
    t.strictSame(
      fromHub(hub).spec.storage,
      storage,
      `${JSON.stringify(storage)} reads back as it was written`,
    );
  }
  t.notOk(toHub(spoke({ storage: 10 })).metadata.annotations, 'a number needs no annotation');
});

t.test('a v1beta1 resize keeps v1alpha1 storage a string if it was one', async (t) => {
  const hub = toHub(spoke({ storage: '010' }));
  const resized = { ...hub, spec: { ...hub.spec, storage: { ...hub.spec.storage, sizeGiB: 30 } } };
  const read = fromHub(resized);
  t.equal(read.spec.storage, '30');
  t.same(toHub(read), resized, 'and the round trip stays exact');
});

t.test('non-numeric v1alpha1 storage fails with the field and the value', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['10Gi', /^spec\.storage: must be a whole number of GiB without a unit, e\.g\. "10" \(got "10Gi"\)$/],
    ['abc', /^spec\.storage: must be a whole number of GiB, e\.g\. 10 or "10" \(got "abc"\)$/],
    ['', /got ""/],
    [' 10', /got " 10"/],
    [10.5, /got 10\.5/],
    [true, /got true/],
    ['99999999999999999999', /got "99999999999999999999"/],
  ];
  for (const [storage, message] of cases) {
    t.throws(() => toHub(spoke({ storage: storage as string })), {
      name: 'ConversionError',
      field: 'spec.storage',
      message,
    });
  }
});

t.test('v1beta1-only data rides in the annotation and comes back without it', async (t) => {
  const read = fromHub(fullHub);
  t.same(read.spec, { size: 'db.m6g.large', storage: 500, storageType: 'gp3', iops: 12000 });
  t.same(read.status, { arn: fullHub.status!.arn, ready: 'available' });
  t.same(read.metadata.labels, { team: 'payments' }, 'labels untouched');
  t.equal(read.metadata.annotations?.['example.com/owner'], 'alice', 'other annotations untouched');
  t.same(JSON.parse(read.metadata.annotations![ANNOTATION_CONVERSION_DATA]!), {
    v1beta1: {
      spec: {
        engineVersion: '16',
        storage: { throughputMiBps: 500, maxSizeGiB: 1000 },
        multiAZ: true,
        backup: { retentionDays: 7, window: '03:00-04:00', keepAfterDeletion: true },
        deletionPolicy: 'Retain',
        tags: { team: 'payments' },
      },
      status: {
        phase: 'Available',
        endpoint: fullHub.status!.endpoint,
        conditions: fullHub.status!.conditions,
      },
    },
  });
  t.same(toHub(read), fullHub);
});

t.test('a v1alpha1 edit of size wins over the kept data; everything else is restored', async (t) => {
  const read = fromHub(fullHub);
  const edited = { ...read, spec: { ...read.spec, size: 'db.r6g.xlarge' } };
  t.same(toHub(edited), { ...fullHub, spec: { ...fullHub.spec, instanceClass: 'db.r6g.xlarge' } });
});

t.test('removing a mapped field through v1alpha1 removes it from v1beta1', async (t) => {
  const read = fromHub(fullHub);
  const { iops: _iops, ...spec } = read.spec;
  const hub = toHub({ ...read, spec });
  t.equal(hub.spec.storage.iops, undefined);
  t.equal(hub.spec.storage.throughputMiBps, 500, 'the kept storage fields stay');
});

t.test('mapped fields inside the annotation never override the v1alpha1 fields', async (t) => {
  const crafted = spoke(
    { storage: 10 },
    {
      metadata: {
        ...metadata,
        annotations: {
          [ANNOTATION_CONVERSION_DATA]: JSON.stringify({
            v1beta1: {
              spec: { instanceClass: 'db.x', storage: { sizeGiB: 99, maxSizeGiB: 50 } },
              status: { arn: 'old' },
            },
          }),
        },
      },
    },
  );
  const hub = toHub(crafted);
  t.same(hub.spec, { instanceClass: 'db.t3.small', storage: { sizeGiB: 10, maxSizeGiB: 50 } });
  t.same(hub.status, {}, 'a kept status without its mapped fields');
});

t.test('an empty annotation map is dropped; an object without annotations gains none', async (t) => {
  const hub: v1beta1.PostgresDB = { ...fullHub, metadata: { name: 'a', namespace: 'b' } };
  const read = fromHub(hub);
  t.ok(read.metadata.annotations?.[ANNOTATION_CONVERSION_DATA]);
  t.strictSame(toHub(read).metadata, { name: 'a', namespace: 'b' });
});

t.test('status is present on one side exactly when it is on the other', async (t) => {
  const { status: _status, ...withoutStatus } = fullHub;
  t.notOk('status' in fromHub(withoutStatus), 'no status stays no status');
  t.same(fromHub({ ...withoutStatus, status: {} }).status, {}, 'an empty status stays');
  t.notOk('status' in toHub(spoke({})));
  t.same(toHub(spoke({}, { status: {} })).status, {});
});

t.test('a damaged conversion annotation fails with a message saying what to do', async (t) => {
  const withAnnotation = (value: string) =>
    spoke({}, { metadata: { ...metadata, annotations: { [ANNOTATION_CONVERSION_DATA]: value } } });
  const field = `metadata.annotations[${ANNOTATION_CONVERSION_DATA}]`;
  const cases: Array<[string, RegExp]> = [
    ['{not json', /is not valid JSON/],
    ['[]', /must be a JSON object/],
    ['{"v1gamma1":{}}', /unexpected key "v1gamma1"/],
    ['{"v1beta1":{"color":"red"}}', /v1beta1 holds an unexpected key "color"/],
    ['{"v1beta1":{"spec":[]}}', /v1beta1\.spec must be a JSON object/],
    ['{"v1beta1":{"spec":{"storage":1}}}', /v1beta1\.spec\.storage must be a JSON object/],
    ['{"v1beta1":{"storageSpelling":"ten"}}', /storageSpelling must be a string of digits/],
  ];
  for (const [value, message] of cases) {
    t.throws(() => toHub(withAnnotation(value)), { field, message });
    t.throws(() => toHub(withAnnotation(value)), {
      message: /restore its previous value, or remove it to drop the data it held/,
    });
  }
  const hub = {
    ...fullHub,
    metadata: { ...metadata, annotations: { [ANNOTATION_CONVERSION_DATA]: '{"v1alpha1":{"storage":10}}' } },
  };
  t.throws(() => fromHub(hub), { field, message: /v1alpha1\.storage must be a string of digits \(got 10\)/ });
});

t.test('convertObject: same version unchanged, other groups and versions refused', async (t) => {
  t.equal(convertObject(fullHub, 'stow.dev/v1beta1'), fullHub, 'the very same object');
  const alpha = spoke({});
  t.equal(convertObject(alpha, 'stow.dev/v1alpha1'), alpha);
  t.throws(() => convertObject(alpha, 'stow.dev/v2'), {
    field: 'desiredAPIVersion',
    message:
      /"stow\.dev\/v2" is not a version Stow converts \(known: stow\.dev\/v1alpha1, stow\.dev\/v1beta1\)/,
  });
  t.throws(() => convertObject({ ...alpha, apiVersion: 'other.io/v1' }, 'stow.dev/v1beta1'), {
    name: 'ConversionError',
    field: 'apiVersion',
  });
  t.throws(
    () => convertObject({ ...alpha, spec: 'x' }, 'stow.dev/v1beta1'),
    new ConversionError('spec', 'must be an object'),
  );
  t.throws(() => convertObject({ ...alpha, metadata: 3 }, 'stow.dev/v1beta1'), {
    name: 'ConversionError',
    field: 'metadata',
  });
});

t.test('every served version has a converter; a missing one stops start-up', async (t) => {
  t.doesNotThrow(() => assertEveryServedVersionConverts(['v1alpha1', 'v1beta1']));
  t.throws(() => assertEveryServedVersionConverts(['v1alpha1', 'v1beta1', 'v1']), {
    message: /no converter for served version\(s\) v1 of stow\.dev/,
  });
  t.throws(() => assertEveryServedVersionConverts(['toString']), 'inherited keys are not converters');
  t.same(Object.keys(converters).sort(), ['v1alpha1', 'v1beta1']);
});

t.test('v1beta1 field paths translate to the v1alpha1 field the user wrote', async (t) => {
  t.equal(fieldPathFromHub('spec.instanceClass'), 'spec.size');
  t.equal(fieldPathFromHub('spec.storage.sizeGiB'), 'spec.storage');
  t.equal(fieldPathFromHub('spec.storage.type'), 'spec.storageType');
  t.equal(fieldPathFromHub('spec.storage.iops'), 'spec.iops');
  t.equal(fieldPathFromHub('status.rdsStatus'), 'status.ready');
  t.equal(fieldPathFromHub('spec.storage'), 'spec.storage');
  t.equal(fieldPathFromHub('spec.storage.typeX'), 'spec.storage.typeX', 'only whole path segments');
  t.equal(fieldPathFromHub('spec.engineVersion'), 'spec.engineVersion');
  t.equal(converters.v1beta1!.fieldPathFromHub('spec.instanceClass'), 'spec.instanceClass');
  t.equal(converters.v1alpha1!.fieldPathFromHub('spec.instanceClass'), 'spec.size');
});
