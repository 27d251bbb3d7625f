import t from 'tap';
import { type LocalEnvironment, startLocalEnvironment } from '../../src/dev/local/environment.js';

// Issue 2 acceptance: kubectl apply against a real kube-apiserver with the webhooks in URL mode.

const NS = 'default';

function db(name: string, spec: Record<string, unknown>, apiVersion = 'stow.dev/v1beta1') {
  return { apiVersion, kind: 'PostgresDB', metadata: { name, namespace: NS }, spec };
}

/** Each manifest must be refused at once, and the message must name every listed field. */
const INVALID: Array<{ title: string; manifest: object; fields: string[] }> = [
  {
    title: 'gp2 below its minimum size',
    manifest: db('gp2-small', { instanceClass: 'db.t3.small', storage: { type: 'gp2', sizeGiB: 10 } }),
    fields: ['spec.storage.sizeGiB: must be at least 20 for storage type gp2 (got 10)'],
  },
  {
    title: 'gp2 with iops and throughput',
    manifest: db('gp2-iops', {
      instanceClass: 'db.t3.small',
      storage: { type: 'gp2', sizeGiB: 100, iops: 3000, throughputMiBps: 200 },
    }),
    fields: [
      'spec.storage.iops: is not allowed for storage type gp2 (got 3000)',
      'spec.storage.throughputMiBps: is not allowed for storage type gp2',
    ],
  },
  {
    title: 'gp3 iops and throughput below 400 GiB',
    manifest: db('gp3-small-iops', {
      instanceClass: 'db.t3.small',
      storage: { type: 'gp3', sizeGiB: 100, iops: 12000, throughputMiBps: 500 },
    }),
    fields: [
      'spec.storage.iops: is not allowed for gp3 below 400 GiB',
      'spec.storage.throughputMiBps: is not allowed for gp3 below 400 GiB',
    ],
  },
  {
    title: 'gp3 iops and throughput above their maxima',
    manifest: db('gp3-max', {
      instanceClass: 'db.m6g.large',
      storage: { type: 'gp3', sizeGiB: 400, iops: 64001, throughputMiBps: 4001 },
    }),
    fields: [
      'spec.storage.iops: must be at most 64000 for storage type gp3 (got 64001)',
      'spec.storage.throughputMiBps: must be at most 4000 for storage type gp3 (got 4001)',
    ],
  },
  {
    title: 'gp3 throughput per iops above 0.25',
    manifest: db('gp3-ratio', {
      instanceClass: 'db.m6g.large',
      storage: { type: 'gp3', sizeGiB: 500, iops: 12000, throughputMiBps: 3001 },
    }),
    fields: ['spec.storage.throughputMiBps: must be at most 0.25 MiB/s per provisioned IOPS'],
  },
  {
    title: 'gp3 size above 65536',
    manifest: db('gp3-huge', { instanceClass: 'db.m6g.large', storage: { type: 'gp3', sizeGiB: 65537 } }),
    fields: ['spec.storage.sizeGiB: must be at most 65536 for storage type gp3 (got 65537)'],
  },
  {
    title: 'io1 too small and without iops',
    manifest: db('io1-small', { instanceClass: 'db.m6g.large', storage: { type: 'io1', sizeGiB: 50 } }),
    fields: [
      'spec.storage.sizeGiB: must be at least 100 for storage type io1 (got 50)',
      'spec.storage.iops: is required for storage type io1',
    ],
  },
  {
    title: 'io1 iops per GiB above 50',
    manifest: db('io1-ratio', {
      instanceClass: 'db.m6g.large',
      storage: { type: 'io1', sizeGiB: 100, iops: 6000 },
    }),
    fields: ['spec.storage.iops: must be at most 50 IOPS per GiB for storage type io1'],
  },
  {
    title: 'io1 iops per GiB below 0.5',
    manifest: db('io1-low', {
      instanceClass: 'db.m6g.large',
      storage: { type: 'io1', sizeGiB: 4000, iops: 1000 },
    }),
    fields: ['spec.storage.iops: must be at least 0.5 IOPS per GiB for storage type io1'],
  },
  {
    title: 'io2 iops below 1000 and above 256000',
    manifest: db('io2-range', {
      instanceClass: 'db.m6g.large',
      storage: { type: 'io2', sizeGiB: 100, iops: 999 },
    }),
    fields: ['spec.storage.iops: must be at least 1000 for storage type io2 (got 999)'],
  },
  {
    title: 'standard above 3072 GiB with iops',
    manifest: db('magnetic', {
      instanceClass: 'db.m5.large',
      storage: { type: 'standard', sizeGiB: 3073, iops: 1000 },
    }),
    fields: [
      'spec.storage.sizeGiB: must be at most 3072 for storage type standard (got 3073)',
      'spec.storage.iops: is not allowed for storage type standard',
    ],
  },
  {
    title: 'maxSizeGiB less than 10% above sizeGiB',
    manifest: db('autoscale', { instanceClass: 'db.t3.small', storage: { sizeGiB: 100, maxSizeGiB: 109 } }),
    fields: ['spec.storage.maxSizeGiB: must be at least 10% above sizeGiB 100, i.e. at least 110 (got 109)'],
  },
  {
    title: 'bad instance class and names',
    manifest: db('names', {
      instanceClass: 't3.small',
      storage: { sizeGiB: 20 },
      databaseName: '1orders',
      masterUsername: 'user',
      serviceName: 'Bad_Name',
    }),
    fields: [
      'spec.instanceClass: must be an RDS instance class of the form db.<family>.<size>',
      'spec.databaseName: must start with a letter',
      'spec.masterUsername: is a reserved word',
      'spec.serviceName: must be a DNS label',
    ],
  },
  {
    title: 'overlapping windows',
    manifest: db('windows', {
      instanceClass: 'db.t3.small',
      storage: { sizeGiB: 20 },
      backup: { window: '05:30-06:30' },
      maintenanceWindow: 'sun:05:00-sun:06:00',
    }),
    fields: ['spec.backup.window: must not overlap spec.maintenanceWindow'],
  },
];

t.test('admission webhooks against a real API server', async (t) => {
  const env: LocalEnvironment = await startLocalEnvironment({
    crdVersions: ['v1beta1'],
    operatorFlags: { controller: false },
    controllerManager: false,
  });
  t.teardown(() => env.stop());

  for (const { title, manifest, fields } of INVALID) {
    t.test(`denied: ${title}`, async (t) => {
      const result = await env.apply(manifest);
      t.not(result.code, 0, 'kubectl apply fails');
      t.match(result.stderr, /denied the request/, 'the validating webhook denied it');
      for (const field of fields)
        t.ok(result.stderr.includes(field), `message names: ${field}\n${result.stderr}`);
    });
  }

  t.test('a valid minimal manifest is stored with defaults; re-applying changes nothing', async (t) => {
    const minimal = db('minimal', { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 } });
    const created = await env.apply(minimal);
    t.equal(created.code, 0, created.stderr);
    const stored = JSON.parse(
      (await env.kubectl(['get', 'postgresdb', 'minimal', '-n', NS, '-o', 'json'])).stdout,
    );
    t.match(stored.spec, {
      instanceClass: 'db.t3.small',
      engineVersion: '16',
      storage: { type: 'gp3', sizeGiB: 20 },
      multiAZ: false,
      databaseName: 'minimal',
      masterUsername: 'stow_admin',
      backup: { retentionDays: 7 },
      deletionPolicy: 'Snapshot',
      deletionProtection: false,
      publiclyAccessible: false,
      secretName: 'minimal',
      serviceName: 'minimal',
    });
    const again = await env.apply(minimal);
    t.equal(again.code, 0, again.stderr);
    t.match(again.stdout, /unchanged/, 'kubectl reports the object unchanged');
    const after = JSON.parse(
      (await env.kubectl(['get', 'postgresdb', 'minimal', '-n', NS, '-o', 'json'])).stdout,
    );
    t.equal(after.metadata.resourceVersion, stored.metadata.resourceVersion, 'no write happened');
    t.equal(after.metadata.generation, stored.metadata.generation);
  });

  t.test('UPDATE rules: immutable field, shrink, growth under 10%', async (t) => {
    const base = { instanceClass: 'db.t3.small', storage: { sizeGiB: 100 } };
    t.equal((await env.apply(db('updates', base))).code, 0);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [
        'immutable masterUsername',
        { ...base, masterUsername: 'someone_else' },
        'spec.masterUsername: is immutable',
      ],
      [
        'storage shrink',
        { ...base, storage: { sizeGiB: 90 } },
        'spec.storage.sizeGiB: cannot shrink: RDS storage only grows; it was 100 (got 90)',
      ],
      [
        'growth under 10%',
        { ...base, storage: { sizeGiB: 109 } },
        'spec.storage.sizeGiB: must grow by at least 10% (to at least 110); it was 100 (got 109)',
      ],
    ];
    for (const [title, spec, message] of cases) {
      const result = await env.apply(db('updates', spec));
      t.not(result.code, 0, `${title} is refused`);
      t.ok(result.stderr.includes(message), `${title}: ${result.stderr}`);
    }
    const grown = await env.apply(db('updates', { ...base, storage: { sizeGiB: 110 } }));
    t.equal(grown.code, 0, `a 10% growth is accepted: ${grown.stderr}`);
  });

  t.test('warnings reach kubectl without denying', async (t) => {
    const result = await env.apply(
      db('magnetic-ok', {
        instanceClass: 'db.m5.large',
        storage: { type: 'standard', sizeGiB: 100 },
        deletionPolicy: 'Delete',
      }),
    );
    t.equal(result.code, 0, result.stderr);
    t.match(result.stderr, /legacy magnetic storage/);
    t.match(result.stderr, /without a final snapshot/);
  });

  // Issue 11: such keys got a bare 400 from the webhooks, so the API server refused the write.
  t.test('a __proto__ tag is admitted, defaulted and stored as written', async (t) => {
    const manifest = `{"apiVersion":"stow.dev/v1beta1","kind":"PostgresDB","metadata":{"name":"proto-tag","namespace":"${NS}"},"spec":{"instanceClass":"db.t3.small","storage":{"sizeGiB":20},"tags":{"__proto__":"team-a","constructor":"b"}}}`;
    const result = await env.apply(manifest);
    t.equal(result.code, 0, result.stderr);
    const stored = JSON.parse(
      (await env.kubectl(['get', 'postgresdb', 'proto-tag', '-n', NS, '-o', 'json'])).stdout,
    );
    t.ok(Object.hasOwn(stored.spec.tags, '__proto__'), 'kept as an own key');
    t.equal(stored.spec.tags.__proto__, 'team-a');
    t.equal(stored.spec.tags.constructor, 'b');
    t.equal(stored.spec.multiAZ, false, 'defaults filled');
  });
});
