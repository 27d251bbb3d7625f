import fc from 'fast-check';
import t from 'tap';
import type { PostgresDB } from '../../../src/api/v1beta1.js';
import {
  cachedResource,
  cachedService,
  LAST_APPLIED_ANNOTATION,
  secretMetadata,
  withoutManagedFields,
} from '../../../src/controller/cached-objects.js';
import { needsReconcile } from '../../../src/controller/postgresdb-controller.js';
import type { OwnerReference, Secret, Service } from '../../../src/kube/types.js';

const postgresOwner: OwnerReference = {
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDB',
  name: 'orders',
  uid: 'u1',
  controller: true,
  blockOwnerDeletion: true,
};
const otherOwner: OwnerReference = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u2' };

const strings = fc.dictionary(fc.string(), fc.string(), { maxKeys: 5 });
const foreignMetadata = fc.record({
  labels: strings,
  annotations: strings,
  finalizers: fc.array(fc.string(), { maxLength: 3 }),
  managedFields: fc.array(fc.object(), { maxLength: 3 }),
  generation: fc.nat(),
  creationTimestamp: fc.string(),
});

t.test('a Secret keeps its identity, version, deletion and PostgresDB owners; nothing else', async (t) => {
  fc.assert(
    fc.property(foreignMetadata, strings, fc.boolean(), (extra, data, deleting) => {
      const secret: Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          ...extra,
          name: 's',
          namespace: 'ns',
          uid: 'u9',
          resourceVersion: '7',
          ...(deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
          ownerReferences: [otherOwner, postgresOwner],
        },
        type: 'Opaque',
        data,
      };
      t.same(secretMetadata(secret), {
        metadata: {
          name: 's',
          namespace: 'ns',
          uid: 'u9',
          resourceVersion: '7',
          ...(deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
          ownerReferences: [postgresOwner],
        },
      });
    }),
    { numRuns: 50 },
  );
});

t.test('no owner reference to a PostgresDB: none kept', async (t) => {
  const kept = secretMetadata({ metadata: { name: 's', namespace: 'ns', ownerReferences: [otherOwner] } });
  t.notOk('ownerReferences' in kept.metadata);
});

t.test('a Service keeps what serviceMatches compares', async (t) => {
  fc.assert(
    fc.property(foreignMetadata, (extra) => {
      const service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { ...extra, name: 'db', namespace: 'ns', uid: 'u3', resourceVersion: '4' },
        spec: {
          type: 'ExternalName',
          externalName: 'db.example.com',
          ports: [{ name: 'postgres', port: 5432, protocol: 'TCP', targetPort: 5432 }],
          selector: extra.labels,
          sessionAffinity: 'None',
        },
      } as Service;
      t.same(cachedService(service), {
        metadata: { name: 'db', namespace: 'ns', uid: 'u3', resourceVersion: '4' },
        spec: {
          type: 'ExternalName',
          externalName: 'db.example.com',
          ports: [{ name: 'postgres', port: 5432, protocol: 'TCP', targetPort: 5432 }],
        },
      });
    }),
    { numRuns: 50 },
  );
});

t.test('a PostgresDB loses only managedFields', async (t) => {
  const object = {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata: {
      name: 'orders',
      namespace: 'ns',
      annotations: { 'stow.dev/identifier': 'x' },
      finalizers: ['stow.dev/finalizer'],
      managedFields: [{ manager: 'kubectl' }],
    },
    spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 } },
    status: { phase: 'Available' },
  } as PostgresDB;
  const { managedFields: _, ...metadata } = object.metadata;
  t.same(withoutManagedFields(object), { ...object, metadata });
  const plain = withoutManagedFields(object);
  t.equal(withoutManagedFields(plain), plain, 'an object without managedFields is kept as it is');
});

t.test('a reconciled object is cached without its write history: managedFields, last-applied', async (t) => {
  const applied = (annotations: Record<string, string>, labels: Record<string, string> = {}) =>
    ({
      apiVersion: 'stow.dev/v1beta1',
      kind: 'PostgresDB',
      metadata: {
        name: 'orders',
        namespace: 'ns',
        generation: 1,
        labels,
        annotations,
        managedFields: [{ manager: 'kubectl-client-side-apply' }],
      },
      spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 } },
    }) as PostgresDB;
  const lastApplied = (labels: Record<string, string>) =>
    JSON.stringify({ metadata: { name: 'orders', labels }, spec: { instanceClass: 'db.t3.small' } });

  const cached = cachedResource(
    applied({ [LAST_APPLIED_ANNOTATION]: lastApplied({}), 'stow.dev/rotate-password': 'now' }),
  );
  t.same(cached.metadata.annotations, { 'stow.dev/rotate-password': 'now' }, 'other annotations kept');
  t.notOk('managedFields' in cached.metadata);
  t.same(cached.spec, applied({}).spec, 'the spec as it is');
  t.notOk(
    'annotations' in cachedResource(applied({ [LAST_APPLIED_ANNOTATION]: lastApplied({}) })).metadata,
    'no empty annotations left behind',
  );
  const plain = cachedResource(applied({ a: 'b' }));
  t.equal(cachedResource(plain), plain, 'nothing to drop: the same object');

  // `kubectl apply` of a label alone rewrites last-applied: nothing for a reconcile to do.
  const before = cachedResource(applied({ [LAST_APPLIED_ANNOTATION]: lastApplied({}) }));
  const after = cachedResource(
    applied({ [LAST_APPLIED_ANNOTATION]: lastApplied({ team: 'a' }) }, { team: 'a' }),
  );
  t.notOk(needsReconcile(before, after), 'queues nothing');
});
