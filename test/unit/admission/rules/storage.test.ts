// Storage rules of api.md ("Storage rules for PostgreSQL" table and maxSizeGiB), at their boundaries.
import t from 'tap';
import type { StorageSpec } from '../../../../src/api/v1beta1.js';
import { validateCreate } from '../../../../src/admission/rules/index.js';
import { CONFIG, configWith, createErrors, db, formatted } from '../../../support/postgresdb.js';

type Storage = Partial<StorageSpec>;

/** Errors for a CREATE with this storage (every other field valid). */
const errorsFor = (storage: Storage) => createErrors({ storage });

/** [title, storage, undefined = valid | exact formatted error(s)] */
type Case = [string, Storage, undefined | string | string[]];

function check(group: string, cases: Case[]) {
  t.test(group, async (t) => {
    for (const [title, storage, expected] of cases) {
      const errors = errorsFor(storage);
      if (expected === undefined) t.same(errors, [], `${title}: accepted`);
      else
        t.same(
          errors,
          Array.isArray(expected) ? expected : [expected],
          `${title}: refused with exactly this message`,
        );
    }
  });
}

check('gp2', [
  [
    'gp2 19 GiB refused',
    { type: 'gp2', sizeGiB: 19 },
    'spec.storage.sizeGiB: must be at least 20 for storage type gp2 (got 19)',
  ],
  ['gp2 20 GiB accepted', { type: 'gp2', sizeGiB: 20 }, undefined],
  ['gp2 65536 GiB accepted', { type: 'gp2', sizeGiB: 65536 }, undefined],
  [
    'gp2 65537 GiB refused',
    { type: 'gp2', sizeGiB: 65537 },
    'spec.storage.sizeGiB: must be at most 65536 for storage type gp2 (got 65537)',
  ],
  [
    'gp2 iops refused',
    { type: 'gp2', sizeGiB: 1000, iops: 3000 },
    'spec.storage.iops: is not allowed for storage type gp2 (got 3000)',
  ],
  [
    'gp2 throughput refused',
    { type: 'gp2', sizeGiB: 1000, throughputMiBps: 500 },
    'spec.storage.throughputMiBps: is not allowed for storage type gp2 (got 500)',
  ],
]);

check('gp3 size', [
  [
    'gp3 19 GiB refused',
    { type: 'gp3', sizeGiB: 19 },
    'spec.storage.sizeGiB: must be at least 20 for storage type gp3 (got 19)',
  ],
  ['gp3 20 GiB accepted', { type: 'gp3', sizeGiB: 20 }, undefined],
  ['gp3 65536 GiB accepted', { type: 'gp3', sizeGiB: 65536 }, undefined],
  [
    'gp3 65537 GiB refused',
    { type: 'gp3', sizeGiB: 65537 },
    'spec.storage.sizeGiB: must be at most 65536 for storage type gp3 (got 65537)',
  ],
]);

check('gp3 provisioning threshold (400 GiB)', [
  [
    'iops at 399 GiB refused',
    { type: 'gp3', sizeGiB: 399, iops: 12000 },
    'spec.storage.iops: is not allowed for gp3 below 400 GiB (sizeGiB is 399; the volume gets its baseline IOPS) (got 12000)',
  ],
  ['iops at 400 GiB accepted', { type: 'gp3', sizeGiB: 400, iops: 12000 }, undefined],
  [
    'throughput at 399 GiB refused',
    { type: 'gp3', sizeGiB: 399, throughputMiBps: 500 },
    'spec.storage.throughputMiBps: is not allowed for gp3 below 400 GiB (sizeGiB is 399; the volume gets its baseline throughput) (got 500)',
  ],
  ['throughput at 400 GiB accepted', { type: 'gp3', sizeGiB: 400, throughputMiBps: 500 }, undefined],
  ['both at 400 GiB accepted', { type: 'gp3', sizeGiB: 400, iops: 12000, throughputMiBps: 500 }, undefined],
]);

check('gp3 iops range', [
  [
    'gp3 iops 11999 refused',
    { type: 'gp3', sizeGiB: 400, iops: 11999 },
    'spec.storage.iops: must be at least 12000 for storage type gp3 (got 11999)',
  ],
  ['gp3 iops 12000 accepted', { type: 'gp3', sizeGiB: 400, iops: 12000 }, undefined],
  ['gp3 iops 64000 accepted', { type: 'gp3', sizeGiB: 400, iops: 64000 }, undefined],
  [
    'gp3 iops 64001 refused',
    { type: 'gp3', sizeGiB: 400, iops: 64001 },
    'spec.storage.iops: must be at most 64000 for storage type gp3 (got 64001)',
  ],
]);

check('gp3 throughput range and throughput/iops ratio', [
  [
    'gp3 throughput 499 refused',
    { type: 'gp3', sizeGiB: 400, iops: 12000, throughputMiBps: 499 },
    'spec.storage.throughputMiBps: must be at least 500 for storage type gp3 (got 499)',
  ],
  [
    'gp3 throughput 500 accepted',
    { type: 'gp3', sizeGiB: 400, iops: 12000, throughputMiBps: 500 },
    undefined,
  ],
  [
    'gp3 throughput 4000 accepted (ratio exactly 0.25)',
    { type: 'gp3', sizeGiB: 400, iops: 16000, throughputMiBps: 4000 },
    undefined,
  ],
  [
    'gp3 throughput 4001 refused',
    { type: 'gp3', sizeGiB: 400, iops: 64000, throughputMiBps: 4001 },
    'spec.storage.throughputMiBps: must be at most 4000 for storage type gp3 (got 4001)',
  ],
  [
    'ratio exactly 0.25 accepted',
    { type: 'gp3', sizeGiB: 400, iops: 12000, throughputMiBps: 3000 },
    undefined,
  ],
  [
    'ratio above 0.25 refused',
    { type: 'gp3', sizeGiB: 400, iops: 12000, throughputMiBps: 3001 },
    'spec.storage.throughputMiBps: must be at most 0.25 MiB/s per provisioned IOPS (3000 for 12000 IOPS) (got 3001)',
  ],
  [
    'ratio checked against the baseline 12000 IOPS when iops is unset',
    { type: 'gp3', sizeGiB: 400, throughputMiBps: 3001 },
    'spec.storage.throughputMiBps: must be at most 0.25 MiB/s per provisioned IOPS (3000 for 12000 IOPS) (got 3001)',
  ],
  [
    'range and ratio reported together',
    { type: 'gp3', sizeGiB: 400, iops: 12000, throughputMiBps: 4001 },
    [
      'spec.storage.throughputMiBps: must be at most 4000 for storage type gp3 (got 4001)',
      'spec.storage.throughputMiBps: must be at most 0.25 MiB/s per provisioned IOPS (3000 for 12000 IOPS) (got 4001)',
    ],
  ],
]);

check('io1', [
  [
    'io1 99 GiB refused',
    { type: 'io1', sizeGiB: 99, iops: 1000 },
    'spec.storage.sizeGiB: must be at least 100 for storage type io1 (got 99)',
  ],
  ['io1 100 GiB accepted', { type: 'io1', sizeGiB: 100, iops: 1000 }, undefined],
  ['io1 65536 GiB accepted', { type: 'io1', sizeGiB: 65536, iops: 40000 }, undefined],
  [
    'io1 65537 GiB refused',
    { type: 'io1', sizeGiB: 65537, iops: 40000 },
    'spec.storage.sizeGiB: must be at most 65536 for storage type io1 (got 65537)',
  ],
  [
    'io1 without iops refused',
    { type: 'io1', sizeGiB: 100 },
    'spec.storage.iops: is required for storage type io1',
  ],
  [
    'io1 iops 999 refused',
    { type: 'io1', sizeGiB: 100, iops: 999 },
    'spec.storage.iops: must be at least 1000 for storage type io1 (got 999)',
  ],
  ['io1 iops 256000 accepted', { type: 'io1', sizeGiB: 6000, iops: 256000 }, undefined],
  [
    'io1 iops 256001 refused',
    { type: 'io1', sizeGiB: 6000, iops: 256001 },
    'spec.storage.iops: must be at most 256000 for storage type io1 (got 256001)',
  ],
  ['io1 exactly 50 IOPS/GiB accepted', { type: 'io1', sizeGiB: 100, iops: 5000 }, undefined],
  [
    'io1 above 50 IOPS/GiB refused',
    { type: 'io1', sizeGiB: 100, iops: 5001 },
    'spec.storage.iops: must be at most 50 IOPS per GiB for storage type io1 (50.01 IOPS per GiB for 100 GiB) (got 5001)',
  ],
  ['io1 exactly 0.5 IOPS/GiB accepted', { type: 'io1', sizeGiB: 4000, iops: 2000 }, undefined],
  [
    'io1 below 0.5 IOPS/GiB refused (and the ratio is not rounded onto the bound)',
    { type: 'io1', sizeGiB: 4000, iops: 1999 },
    'spec.storage.iops: must be at least 0.5 IOPS per GiB for storage type io1 (0.49975 IOPS per GiB for 4000 GiB) (got 1999)',
  ],
  [
    'io1 throughput refused',
    { type: 'io1', sizeGiB: 100, iops: 1000, throughputMiBps: 500 },
    'spec.storage.throughputMiBps: is not allowed for storage type io1 (got 500)',
  ],
]);

check('io2', [
  [
    'io2 99 GiB refused',
    { type: 'io2', sizeGiB: 99, iops: 1000 },
    'spec.storage.sizeGiB: must be at least 100 for storage type io2 (got 99)',
  ],
  ['io2 100 GiB accepted', { type: 'io2', sizeGiB: 100, iops: 1000 }, undefined],
  [
    'io2 65537 GiB refused',
    { type: 'io2', sizeGiB: 65537, iops: 40000 },
    'spec.storage.sizeGiB: must be at most 65536 for storage type io2 (got 65537)',
  ],
  [
    'io2 without iops refused',
    { type: 'io2', sizeGiB: 100 },
    'spec.storage.iops: is required for storage type io2',
  ],
  ['io2 exactly 1000 IOPS/GiB accepted', { type: 'io2', sizeGiB: 100, iops: 100000 }, undefined],
  [
    'io2 above 1000 IOPS/GiB refused',
    { type: 'io2', sizeGiB: 100, iops: 100001 },
    'spec.storage.iops: must be at most 1000 IOPS per GiB for storage type io2 (1000.01 IOPS per GiB for 100 GiB) (got 100001)',
  ],
  ['io2 256000 IOPS at 256 GiB accepted', { type: 'io2', sizeGiB: 256, iops: 256000 }, undefined],
  [
    'io2 iops 256001 refused',
    { type: 'io2', sizeGiB: 300, iops: 256001 },
    'spec.storage.iops: must be at most 256000 for storage type io2 (got 256001)',
  ],
  ['io2 exactly 0.5 IOPS/GiB accepted', { type: 'io2', sizeGiB: 4000, iops: 2000 }, undefined],
  [
    'io2 below 0.5 IOPS/GiB refused',
    { type: 'io2', sizeGiB: 4000, iops: 1999 },
    'spec.storage.iops: must be at least 0.5 IOPS per GiB for storage type io2 (0.49975 IOPS per GiB for 4000 GiB) (got 1999)',
  ],
  [
    'io2 throughput refused',
    { type: 'io2', sizeGiB: 100, iops: 1000, throughputMiBps: 125 },
    'spec.storage.throughputMiBps: is not allowed for storage type io2 (got 125)',
  ],
]);

check('standard', [
  [
    'standard 4 GiB refused',
    { type: 'standard', sizeGiB: 4 },
    'spec.storage.sizeGiB: must be at least 5 for storage type standard (got 4)',
  ],
  ['standard 5 GiB accepted', { type: 'standard', sizeGiB: 5 }, undefined],
  ['standard 3072 GiB accepted', { type: 'standard', sizeGiB: 3072 }, undefined],
  [
    'standard 3073 GiB refused',
    { type: 'standard', sizeGiB: 3073 },
    'spec.storage.sizeGiB: must be at most 3072 for storage type standard (got 3073)',
  ],
  [
    'standard iops refused',
    { type: 'standard', sizeGiB: 100, iops: 1000 },
    'spec.storage.iops: is not allowed for storage type standard (got 1000)',
  ],
  [
    'standard throughput refused',
    { type: 'standard', sizeGiB: 100, throughputMiBps: 500 },
    'spec.storage.throughputMiBps: is not allowed for storage type standard (got 500)',
  ],
]);

check('maxSizeGiB (autoscaling ceiling)', [
  ['exactly +10% accepted', { sizeGiB: 100, maxSizeGiB: 110 }, undefined],
  [
    'one below +10% refused',
    { sizeGiB: 100, maxSizeGiB: 109 },
    'spec.storage.maxSizeGiB: must be at least 10% above sizeGiB 100, i.e. at least 110 (got 109)',
  ],
  ['+10% of 25 is 27.5: 28 accepted', { sizeGiB: 25, maxSizeGiB: 28 }, undefined],
  [
    '+10% of 25 is 27.5: 27 refused',
    { sizeGiB: 25, maxSizeGiB: 27 },
    'spec.storage.maxSizeGiB: must be at least 10% above sizeGiB 25, i.e. at least 28 (got 27)',
  ],
  [
    'equal to sizeGiB refused',
    { sizeGiB: 20, maxSizeGiB: 20 },
    'spec.storage.maxSizeGiB: must be at least 10% above sizeGiB 20, i.e. at least 22 (got 20)',
  ],
  ['65536 accepted', { sizeGiB: 20, maxSizeGiB: 65536 }, undefined],
  [
    '65537 refused',
    { sizeGiB: 20, maxSizeGiB: 65537 },
    'spec.storage.maxSizeGiB: must be at most 65536 for storage type gp3 (got 65537)',
  ],
  ['standard: 3072 accepted', { type: 'standard', sizeGiB: 100, maxSizeGiB: 3072 }, undefined],
  [
    'standard: 3073 refused (magnetic storage tops out at 3072 GiB)',
    { type: 'standard', sizeGiB: 100, maxSizeGiB: 3073 },
    'spec.storage.maxSizeGiB: must be at most 3072 for storage type standard (got 3073)',
  ],
  ['unset is fine', { sizeGiB: 20 }, undefined],
]);

t.test('the storage type defaults from the configuration before the rules apply', async (t) => {
  const object = db({ storage: { type: undefined, sizeGiB: 100 } });
  delete object.spec.storage.type;
  t.same(formatted(validateCreate(object, CONFIG)), [], 'gp3 by default: 100 GiB without iops is fine');
  t.same(
    formatted(validateCreate(object, configWith({ defaults: { storageType: 'io1' } }))),
    ['spec.storage.iops: is required for storage type io1'],
    'io1 by configuration: iops becomes required',
  );
});

t.test('every storage violation is reported at once', async (t) => {
  t.same(errorsFor({ type: 'gp3', sizeGiB: 10, iops: 100, throughputMiBps: 10, maxSizeGiB: 70000 }), [
    'spec.storage.sizeGiB: must be at least 20 for storage type gp3 (got 10)',
    'spec.storage.iops: is not allowed for gp3 below 400 GiB (sizeGiB is 10; the volume gets its baseline IOPS) (got 100)',
    'spec.storage.throughputMiBps: is not allowed for gp3 below 400 GiB (sizeGiB is 10; the volume gets its baseline throughput) (got 10)',
    'spec.storage.maxSizeGiB: must be at most 65536 for storage type gp3 (got 70000)',
  ]);
  t.same(errorsFor({ type: 'io1', sizeGiB: 50, iops: 10000, throughputMiBps: 200 }), [
    'spec.storage.sizeGiB: must be at least 100 for storage type io1 (got 50)',
    'spec.storage.iops: must be at most 50 IOPS per GiB for storage type io1 (200 IOPS per GiB for 50 GiB) (got 10000)',
    'spec.storage.throughputMiBps: is not allowed for storage type io1 (got 200)',
  ]);
});

t.test('the storage limits come from the configuration (data, not code)', async (t) => {
  const config = structuredClone(CONFIG);
  config.storageRules.gp3.sizeGiB.min = 50;
  t.same(formatted(validateCreate(db({ storage: { sizeGiB: 49 } }), config)), [
    'spec.storage.sizeGiB: must be at least 50 for storage type gp3 (got 49)',
  ]);
  t.same(
    formatted(validateCreate(db({ storage: { sizeGiB: 49 } }), CONFIG)),
    [],
    'the shipped table is untouched',
  );
});
