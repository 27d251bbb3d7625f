// UPDATE rules: immutable fields, storage growth, engine downgrades, the identifier annotation,
// defaulting of the old object, and metadata-only updates.
import t from 'tap';
import { ANNOTATION_IDENTIFIER } from '../../../../src/api/constants.js';
import { applyDefaults } from '../../../../src/admission/rules/defaults.js';
import type { PostgresDB } from '../../../../src/api/v1beta1.js';
import { validateUpdate } from '../../../../src/admission/rules/index.js';
import { apiServerRoundTrip, CONFIG, configWith, db, formatted } from '../../../support/postgresdb.js';

/** The stored object: created through the mutating webhook, so defaulted. */
const stored = (object: PostgresDB = db(), config = CONFIG) => applyDefaults(object, config);

/** `previous` with `change` applied to a copy of its spec. */
function edit(
  previous: PostgresDB,
  change: (spec: PostgresDB['spec'], object: PostgresDB) => void,
): PostgresDB {
  const next = structuredClone(previous);
  change(next.spec, next);
  return next;
}

const update = (next: PostgresDB, previous: PostgresDB, config = CONFIG) =>
  formatted(validateUpdate(next, previous, config));

t.test('immutable fields', async (t) => {
  const previous = stored(db({ encryption: { kmsKeyId: 'alias/orders' } }));
  t.same(
    update(
      edit(previous, (s) => {
        s.masterUsername = 'dba';
      }),
      previous,
    ),
    [
      'spec.masterUsername: is immutable (RDS cannot rename the master user); it was "stow_admin" (got "dba")',
    ],
  );
  t.same(
    update(
      edit(previous, (s) => {
        s.databaseName = 'orders';
      }),
      previous,
    ),
    [
      'spec.databaseName: is immutable (RDS cannot rename the initial database); it was "orders_db" (got "orders")',
    ],
  );
  t.same(
    update(
      edit(previous, (s) => {
        s.encryption = { kmsKeyId: 'alias/other' };
      }),
      previous,
    ),
    [
      'spec.encryption.kmsKeyId: is immutable (RDS cannot re-encrypt storage with another key); it was "alias/orders" (got "alias/other")',
    ],
  );
  t.same(
    update(
      edit(previous, (s) => {
        s.secretName = 'orders-credentials';
      }),
      previous,
    ),
    [
      'spec.secretName: is immutable (the password lives in that Secret); it was "orders-db" (got "orders-credentials")',
    ],
  );
  t.same(
    update(
      edit(previous, (s) => {
        s.serviceName = 'orders';
      }),
      previous,
    ),
    [
      'spec.serviceName: is immutable (clients resolve the database by that name); it was "orders-db" (got "orders")',
    ],
  );
  t.same(
    update(
      edit(previous, (s) => {
        s.instanceClass = 'db.r6g.large';
        s.multiAZ = true;
        s.tags = { team: 'payments' };
        s.backup = { retentionDays: 14, window: '01:00-02:00' };
        s.deletionProtection = true;
      }),
      previous,
    ),
    [],
    'mutable fields can change',
  );
});

t.test('the KMS key: from the AWS managed key to a customer key is a change too', async (t) => {
  const previous = stored(db()); // configuration kmsKeyId "" → AWS managed key
  t.same(previous.spec.encryption, undefined);
  t.same(
    update(
      edit(previous, (s) => {
        s.encryption = { kmsKeyId: 'alias/orders' };
      }),
      previous,
    ),
    [
      'spec.encryption.kmsKeyId: is immutable (RDS cannot re-encrypt storage with another key); it was "" (got "alias/orders")',
    ],
  );
  t.same(
    update(
      edit(previous, (s) => {
        s.encryption = { kmsKeyId: '' };
      }),
      previous,
    ),
    [],
    'empty and absent are the same key',
  );
  const keyed = stored(db({ encryption: { kmsKeyId: 'alias/orders' } }));
  t.same(
    update(
      edit(keyed, (s) => {
        s.encryption = {};
      }),
      keyed,
    ),
    [
      'spec.encryption.kmsKeyId: is immutable (RDS cannot re-encrypt storage with another key); it was "alias/orders" (got "")',
    ],
    'nor can the key be removed',
  );
});

t.test('storage size: no shrinking, growth of at least 10%', async (t) => {
  const at = (sizeGiB: number) => stored(db({ storage: { sizeGiB } }));
  const resize = (from: number, to: number) => update(at(to), at(from));
  t.same(resize(100, 99), [
    'spec.storage.sizeGiB: cannot shrink: RDS storage only grows; it was 100 (got 99)',
  ]);
  t.same(
    resize(1000, 1099),
    ['spec.storage.sizeGiB: must grow by at least 10% (to at least 1100); it was 1000 (got 1099)'],
    '9.9% refused',
  );
  t.same(resize(1000, 1100), [], '10% accepted');
  t.same(resize(20, 21), [
    'spec.storage.sizeGiB: must grow by at least 10% (to at least 22); it was 20 (got 21)',
  ]);
  t.same(resize(20, 22), [], '20 → 22 is 10%');
  t.same(
    resize(25, 27),
    ['spec.storage.sizeGiB: must grow by at least 10% (to at least 28); it was 25 (got 27)'],
    '25 → 27.5 rounds up',
  );
  t.same(resize(25, 28), []);
  t.same(resize(100, 400), [], 'any larger growth');
  t.same(
    resize(60000, 66000),
    ['spec.storage.sizeGiB: must be at most 65536 for storage type gp3 (got 66000)'],
    'the type limits still apply',
  );
});

t.test('engine version: no major downgrade', async (t) => {
  const on = (engineVersion: string) => stored(db({ engineVersion }));
  t.same(update(on('15'), on('16')), [
    'spec.engineVersion: cannot be downgraded (RDS upgrades only); it was "16" (got "15")',
  ]);
  t.same(update(on('15.8'), on('16.4')), [
    'spec.engineVersion: cannot be downgraded (RDS upgrades only); it was "16.4" (got "15.8")',
  ]);
  t.same(update(on('17'), on('16')), [], 'major upgrade');
  t.same(update(on('16.4'), on('16')), [], 'pinning a minor version of the same major');
  t.same(
    update(on('15'), stored(db())),
    ['spec.engineVersion: cannot be downgraded (RDS upgrades only); it was "16" (got "15")'],
    'against the defaulted version of the old object',
  );
  t.same(update(on('sixteen'), on('16')), [
    'spec.engineVersion: must be a PostgreSQL major version ("16") or major.minor ("16.4") (got "sixteen")',
  ]);
});

t.test('the old object is defaulted first', async (t) => {
  const raw = db({ storage: { sizeGiB: 100 } });
  const defaulted = applyDefaults(raw, CONFIG);
  t.same(update(defaulted, raw), [], 'old without defaults, new defaulted: no change');
  t.same(
    update(apiServerRoundTrip(defaulted), apiServerRoundTrip(raw)),
    [],
    'still no change when the API server reorders the keys',
  );
  const grown = edit(defaulted, (s) => {
    s.storage.sizeGiB = 200;
  });
  t.same(
    update(apiServerRoundTrip(grown), raw),
    [],
    'a real change next to the defaults is judged on its own',
  );

  const violating = db({ storage: { type: 'io1', sizeGiB: 50 } }); // stored before the rule existed
  const mutated = apiServerRoundTrip(
    edit(applyDefaults(violating, CONFIG), (_s, o) => {
      o.metadata.finalizers = [];
    }),
  );
  t.same(
    update(mutated, apiServerRoundTrip(violating)),
    [],
    'defaults added in another key order plus a metadata-only change: allowed although the spec breaks a rule',
  );
});

t.test('changing configuration defaults does not make an UPDATE illegal', async (t) => {
  const before = configWith({});
  const after = configWith({
    defaults: {
      engineVersion: '17',
      masterUsername: 'dba',
      backupRetentionDays: 14,
      deletionPolicy: 'Retain',
      storageType: 'gp2',
    },
    kmsKeyId: 'alias/new-default',
  });
  const previous = stored(db(), before);
  const next = applyDefaults(
    edit(previous, (s) => {
      s.tags = { team: 'payments' };
    }),
    after,
  );
  t.same(update(next, previous, after), [], 'fields defaulted under the old configuration keep their values');
  const raw = db({ storage: { type: 'gp3', sizeGiB: 100 } }); // stored while the webhook was down
  t.same(
    update(applyDefaults(raw, after), raw, after),
    [],
    'an old object without defaults takes the new ones',
  );
  const grown = edit(raw, (s) => {
    s.storage.sizeGiB = 200;
  });
  t.same(update(applyDefaults(grown, after), raw, after), [], 'and can still be changed');
});

t.test('ratcheting: on UPDATE only the changed parts of the spec are validated', async (t) => {
  // Legal when the first operator shipped, below today's gp2 minimum of 20, and still accepted by RDS.
  const legacy = stored(db({ storage: { type: 'gp2', sizeGiB: 10 } }));
  const reclassed = edit(legacy, (s) => {
    s.instanceClass = 'db.m6g.large';
  });
  t.same(update(reclassed, legacy), [], 'a new instance class is accepted');
  const regrown = edit(legacy, (s) => {
    s.storage.sizeGiB = 12;
  });
  t.same(
    update(regrown, legacy),
    ['spec.storage.sizeGiB: must be at least 20 for storage type gp2 (got 12)'],
    "a storage change meets today's minimum",
  );
});

t.test('metadata-only updates are allowed even if the spec breaks a rule', async (t) => {
  const broken = stored(
    db({ storage: { type: 'io1', sizeGiB: 50 }, masterUsername: 'user', backup: { retentionDays: 99 } }),
  );
  const relabelled = edit(broken, (_s, o) => {
    o.metadata.labels = { team: 'payments' };
    o.metadata.finalizers = [];
  });
  t.same(update(relabelled, broken), [], 'labels and finalizers');
  const changed = edit(relabelled, (s) => {
    s.multiAZ = true;
  });
  t.same(update(changed, broken), [], 'an unrelated spec change is not blocked by what it leaves alone');
  const storageEdited = edit(changed, (s) => {
    s.storage.sizeGiB = 60;
    s.backup = { retentionDays: 98 };
  });
  t.same(
    update(storageEdited, broken),
    [
      'spec.storage.sizeGiB: must be at least 100 for storage type io1 (got 60)',
      'spec.storage.iops: is required for storage type io1',
      'spec.backup.retentionDays: must be between 0 and 35 (got 98)',
    ],
    'a changed part must meet every rule of today (storage rules as a whole)',
  );

  const misshapen = db();
  (misshapen.spec.storage as { sizeGiB?: number }).sizeGiB = undefined;
  delete (misshapen.spec.storage as { sizeGiB?: number }).sizeGiB;
  const finalizerRemoved = edit(misshapen, (_s, o) => {
    o.metadata.finalizers = [];
  });
  t.same(
    update(finalizerRemoved, misshapen),
    [],
    'even a stored spec of the wrong shape does not block removing a finalizer',
  );
  t.same(
    update(
      edit(misshapen, (s) => {
        s.multiAZ = true;
      }),
      misshapen,
    ),
    ['spec.storage.sizeGiB: is required'],
  );
  t.same(
    update(
      edit(misshapen, (s) => {
        s.storage.sizeGiB = 20;
      }),
      misshapen,
    ),
    [],
    'repairing the shape is judged as a create',
  );
});

t.test('the stow.dev/identifier annotation cannot change', async (t) => {
  const adopted = stored(
    db({}, { name: 'orders-db', annotations: { [ANNOTATION_IDENTIFIER]: 'legacy-orders' } }),
  );
  const retarget = edit(adopted, (_s, o) => {
    o.metadata.annotations = { [ANNOTATION_IDENTIFIER]: 'legacy-billing' };
  });
  t.same(update(retarget, adopted), [
    'metadata.annotations[stow.dev/identifier]: cannot change once the resource is bound to instance "legacy-orders" (got "legacy-billing")',
  ]);
  const retargetAndGrow = edit(retarget, (s) => {
    s.storage.sizeGiB = 40;
  });
  t.same(
    update(retargetAndGrow, adopted),
    [
      'metadata.annotations[stow.dev/identifier]: cannot change once the resource is bound to instance "legacy-orders" (got "legacy-billing")',
    ],
    'also together with a spec change',
  );

  const created = stored(db());
  created.status = { dbInstanceIdentifier: 'stow-local-shop-orders-db-1a2b3c' };
  const adoptLater = edit(created, (_s, o) => {
    o.metadata.annotations = { [ANNOTATION_IDENTIFIER]: 'legacy-orders' };
  });
  t.same(update(adoptLater, created), [
    'metadata.annotations[stow.dev/identifier]: cannot change once the resource is bound to instance "stow-local-shop-orders-db-1a2b3c" (got "legacy-orders")',
  ]);
  const sameAsStatus = edit(created, (_s, o) => {
    o.metadata.annotations = { [ANNOTATION_IDENTIFIER]: 'stow-local-shop-orders-db-1a2b3c' };
  });
  t.same(update(sameAsStatus, created), [], 'naming the instance it is already bound to');
  const fresh = stored(db());
  const adoptBeforeCreate = edit(fresh, (_s, o) => {
    o.metadata.annotations = { [ANNOTATION_IDENTIFIER]: 'legacy-orders' };
  });
  t.same(update(adoptBeforeCreate, fresh), [], 'not bound yet: may be set');
  const malformed = edit(fresh, (_s, o) => {
    o.metadata.annotations = { [ANNOTATION_IDENTIFIER]: 'Legacy_Orders' };
  });
  t.same(update(malformed, fresh), [
    'metadata.annotations[stow.dev/identifier]: must start with a lowercase letter (RDS identifier rules) (got "Legacy_Orders")',
  ]);
});

t.test('all UPDATE violations are reported together, with the CREATE rules and warnings', async (t) => {
  const previous = stored(db({ engineVersion: '16', storage: { sizeGiB: 100 } }));
  const next = edit(previous, (s) => {
    s.engineVersion = '15';
    s.storage.sizeGiB = 90;
    s.masterUsername = 'dba';
    s.instanceClass = 'large';
    s.deletionPolicy = 'Delete';
  });
  const result = validateUpdate(next, previous, CONFIG);
  t.same(formatted(result), [
    'spec.instanceClass: must be an RDS instance class of the form db.<family>.<size>, e.g. db.t3.small (got "large")',
    'spec.masterUsername: is immutable (RDS cannot rename the master user); it was "stow_admin" (got "dba")',
    'spec.storage.sizeGiB: cannot shrink: RDS storage only grows; it was 100 (got 90)',
    'spec.engineVersion: cannot be downgraded (RDS upgrades only); it was "16" (got "15")',
  ]);
  t.same(result.warnings, [
    'spec.deletionPolicy: Delete removes the instance without a final snapshot when this resource is deleted, and its automated backups too (spec.backup.keepAfterDeletion: true keeps them)',
  ]);
});

t.test('shape errors on UPDATE', async (t) => {
  const previous = stored();
  const next = edit(previous, (s) => {
    (s.storage as unknown as { sizeGiB: string }).sizeGiB = 'big';
  });
  t.same(update(next, previous), ['spec.storage.sizeGiB: expected integer (got "big")']);
  const noSpec = { ...previous, spec: undefined } as unknown as PostgresDB;
  t.same(update(noSpec, previous), ['spec: is required and must be an object (got null)']);
  t.same(update(previous, noSpec), [], 'an old object without a spec: the new one is judged as a create');
  t.doesNotThrow(
    () => validateUpdate({ spec: previous.spec } as PostgresDB, { spec: db().spec } as PostgresDB, CONFIG),
    'no metadata',
  );
});
