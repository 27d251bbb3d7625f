// The generated CustomResourceDefinition: versions, conversion, names, printer columns, and
// structural, fully described schemas generated from the TypeBox types.
import t from 'tap';
import { buildCrd, buildDatabaseCrd, buildPolicyCrd, buildSnapshotCrd } from '../../../src/api/crd.js';
import { SPEC_BOUNDS } from '../../../src/api/crd-bounds.js';
import { PostgresDatabaseSpec } from '../../../src/api/postgres-database.js';
import * as v1alpha1 from '../../../src/api/v1alpha1.js';
import * as v1beta1 from '../../../src/api/v1beta1.js';

type Json = Record<string, unknown>;
interface Version {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema: { openAPIV3Schema: Json };
  subresources?: Json;
  additionalPrinterColumns?: Array<{ name: string; type: string; jsonPath: string; priority?: number }>;
}
interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: Json;
    conversion: { strategy: string; webhook?: { conversionReviewVersions: string[]; clientConfig: Json } };
    versions: Version[];
  };
}

const crd = buildCrd() as unknown as Crd;
const version = (name: string) => {
  const found = crd.spec.versions.find((v) => v.name === name);
  if (!found) throw new Error(`no version ${name}`);
  return found;
};
const schemaOf = (name: string) => version(name).schema.openAPIV3Schema;

/** Every schema node with its path: properties, items, additionalProperties and anyOf members. */
function* nodes(schema: Json, path = ''): Generator<[string, Json]> {
  yield [path || '(root)', schema];
  for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    yield* nodes(child, `${path}.${key}`);
  }
  if (schema.items && typeof schema.items === 'object') yield* nodes(schema.items as Json, `${path}[]`);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    yield* nodes(schema.additionalProperties as Json, `${path}[*]`);
  }
  for (const [index, member] of ((schema.anyOf ?? []) as Json[]).entries())
    yield* nodes(member, `${path}|anyOf${index}`);
}

/** Only the nodes that are properties (what `kubectl explain` shows a description for). */
function* properties(schema: Json, path = ''): Generator<[string, Json]> {
  for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    yield [`${path}.${key}`, child];
    yield* properties(child, `${path}.${key}`);
  }
  if (schema.items && typeof schema.items === 'object') yield* properties(schema.items as Json, `${path}[]`);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    yield* properties(schema.additionalProperties as Json, `${path}[*]`);
  }
}

t.test('identity, names and scope', async (t) => {
  t.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
  t.equal(crd.kind, 'CustomResourceDefinition');
  t.equal(crd.metadata.name, 'postgresdbs.stow.dev');
  t.equal(crd.spec.group, 'stow.dev');
  t.equal(crd.spec.scope, 'Namespaced');
  t.match(crd.spec.names, {
    kind: 'PostgresDB',
    plural: 'postgresdbs',
    singular: 'postgresdb',
    listKind: 'PostgresDBList',
  });
  t.same(crd.spec.names.shortNames, ['pgdb']);
  t.same(crd.spec.names.categories, ['stow']);
  t.same(JSON.parse(JSON.stringify(crd)), crd, 'plain JSON: no symbols, functions or undefined values');
});

t.test('versions: v1alpha1 deprecated, v1beta1 storage', async (t) => {
  t.same(
    crd.spec.versions.map((v) => v.name),
    ['v1alpha1', 'v1beta1'],
  );
  t.same(
    crd.spec.versions.filter((v) => v.storage).map((v) => v.name),
    ['v1beta1'],
    'exactly one storage version',
  );
  t.ok(version('v1alpha1').served && version('v1beta1').served, 'both served');
  t.equal(version('v1alpha1').deprecated, true);
  t.match(version('v1alpha1').deprecationWarning, /deprecated.*v1beta1/);
  t.notOk(version('v1beta1').deprecated, 'v1beta1 is not deprecated');
  for (const v of crd.spec.versions)
    t.same(v.subresources?.status, {}, `${v.name} has the status subresource`);
});

t.test('conversion: webhook, ConversionReview v1, /convert', async (t) => {
  t.equal(crd.spec.conversion.strategy, 'Webhook');
  t.same(crd.spec.conversion.webhook?.conversionReviewVersions, ['v1']);
  t.match(crd.spec.conversion.webhook?.clientConfig, { service: { path: '/convert' } });
  const byUrl = buildCrd({ webhookUrl: 'https://127.0.0.1:9443/', caBundle: 'Q0E=' }) as unknown as Crd;
  t.same(byUrl.spec.conversion.webhook?.clientConfig, {
    url: 'https://127.0.0.1:9443/convert',
    caBundle: 'Q0E=',
  });
  const byService = buildCrd({ webhookService: { namespace: 'ops', name: 'stow' } }) as unknown as Crd;
  t.match(byService.spec.conversion.webhook?.clientConfig, {
    service: { namespace: 'ops', name: 'stow', path: '/convert' },
  });
  const alphaOnly = buildCrd({ versions: ['v1alpha1'] }) as unknown as Crd;
  t.equal(alphaOnly.spec.conversion.strategy, 'None', 'a single version needs no conversion');
  t.same(
    alphaOnly.spec.versions.map((v) => [v.name, v.storage]),
    [['v1alpha1', true]],
  );
});

t.test('printer columns of v1beta1 (api.md: Class, Storage, Phase, Ready, Endpoint, Age)', async (t) => {
  const columns = version('v1beta1').additionalPrinterColumns ?? [];
  t.same(
    columns.map((c) => c.name),
    ['Class', 'Storage', 'Phase', 'Ready', 'Endpoint', 'Age'],
  );
  const byName = Object.fromEntries(columns.map((c) => [c.name, c]));
  t.match(byName.Class, { jsonPath: '.spec.instanceClass', type: 'string' });
  t.match(byName.Storage, { jsonPath: '.spec.storage.sizeGiB', type: 'integer' });
  t.match(byName.Phase, { jsonPath: '.status.phase' });
  t.match(byName.Ready, { jsonPath: '.status.conditions[?(@.type=="Ready")].status' });
  t.match(byName.Endpoint, { jsonPath: '.status.endpoint.address' });
  t.match(byName.Age, { jsonPath: '.metadata.creationTimestamp', type: 'date' });
  for (const column of columns) {
    t.ok(
      ['integer', 'number', 'string', 'boolean', 'date'].includes(column.type),
      `${column.name}: a valid column type`,
    );
  }
});

const databaseCrd = buildDatabaseCrd() as unknown as Crd;
const policyCrd = buildPolicyCrd() as unknown as Crd;
const snapshotCrd = buildSnapshotCrd() as unknown as Crd;
const onlySchema = (of: Crd) => (of.spec.versions[0] as Version).schema.openAPIV3Schema;

// Each schema the CRDs carry, and how many properties it has at least (a walk that finds fewer is broken).
const SCHEMAS: Array<[string, () => Json, number]> = [
  ['v1alpha1', () => schemaOf('v1alpha1'), 8],
  ['v1beta1', () => schemaOf('v1beta1'), 40],
  ['PostgresDatabase', () => onlySchema(databaseCrd), 25],
  ['PostgresDBPolicy', () => onlySchema(policyCrd), 30],
  ['PostgresDBSnapshot', () => onlySchema(snapshotCrd), 15],
];

for (const [name, schemaOfKind, least] of SCHEMAS) {
  t.test(`${name}: every property has a description`, async (t) => {
    const schema = schemaOfKind();
    t.ok(typeof schema.description === 'string' && schema.description.trim() !== '', 'the root is described');
    let count = 0;
    for (const [path, node] of properties(schema)) {
      // The API server allows nothing but `type: object` on the root metadata; kubectl explain
      // shows the built-in ObjectMeta documentation there.
      if (path === '.metadata') {
        t.same(node, { type: 'object' }, 'metadata is a bare object');
        continue;
      }
      count++;
      t.ok(
        typeof node.description === 'string' && node.description.trim() !== '',
        `${path} has a description`,
      );
    }
    t.ok(count > least, `walked ${count} properties`);
  });

  t.test(`${name}: the schema is structural`, async (t) => {
    const schema = schemaOfKind();
    t.equal(schema.type, 'object');
    for (const [path, node] of nodes(schema)) {
      const intOrString = node['x-kubernetes-int-or-string'] === true;
      t.ok(typeof node.type === 'string' || intOrString, `${path}: has a type or is int-or-string`);
      for (const forbidden of [
        'const',
        '$id',
        '$ref',
        '$schema',
        'patternProperties',
        'oneOf',
        'allOf',
        'not',
        'definitions',
      ]) {
        if (forbidden in node) t.fail(`${path}: has ${forbidden}`);
      }
      if ('anyOf' in node && !intOrString) t.fail(`${path}: anyOf outside int-or-string`);
      if (intOrString) {
        t.notOk('type' in node, `${path}: int-or-string carries no type`);
        t.same(
          node.anyOf,
          [{ type: 'integer' }, { type: 'string' }],
          `${path}: int-or-string in the canonical form`,
        );
      }
      if ('properties' in node && 'additionalProperties' in node)
        t.fail(`${path}: properties and additionalProperties`);
      if ('additionalProperties' in node)
        t.equal(typeof node.additionalProperties, 'object', `${path}: additionalProperties is a schema`);
      if (node.type === 'array') t.type(node.items, 'object', `${path}: array has items`);
      if (Array.isArray(node.required)) {
        for (const key of node.required as string[]) {
          t.ok(key in ((node.properties ?? {}) as Json), `${path}: required ${key} is a property`);
        }
      }
      if (Array.isArray(node.enum)) {
        for (const value of node.enum) {
          t.equal(
            typeof value,
            node.type === 'integer' ? 'number' : node.type,
            `${path}: enum value ${value} matches the type`,
          );
        }
      }
    }
  });
}

t.test('v1alpha1 spec.storage is int-or-string', async (t) => {
  const storage = (schemaOf('v1alpha1').properties as Record<string, Json>).spec?.properties as Record<
    string,
    Json
  >;
  t.same(storage.storage, {
    description: 'Allocated storage in GiB: an integer or a numeric string.',
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
  });
  t.same((schemaOf('v1alpha1').properties as Record<string, Json>).spec?.required, ['size', 'storage']);
});

t.test('generated from the TypeBox schemas the code uses (one source of truth)', async (t) => {
  const spec = (name: string) => (schemaOf(name).properties as Record<string, Json>).spec as Json;
  t.same(Object.keys(spec('v1beta1').properties as Json), Object.keys(v1beta1.PostgresDBSpec.properties));
  t.same(Object.keys(spec('v1alpha1').properties as Json), Object.keys(v1alpha1.PostgresDBSpec.properties));
  t.same(spec('v1beta1').required, ['instanceClass', 'storage']);
  const storage = (spec('v1beta1').properties as Record<string, Json>).storage as Json;
  t.same(storage.required, ['sizeGiB']);
  t.same(((storage.properties as Record<string, Json>).type as Json).enum, [
    'gp2',
    'gp3',
    'io1',
    'io2',
    'standard',
  ]);
  const policy = (spec('v1beta1').properties as Record<string, Json>).deletionPolicy as Json;
  t.same(policy.enum, ['Delete', 'Snapshot', 'Retain']);
  const tags = (spec('v1beta1').properties as Record<string, Json>).tags as Json;
  t.same(
    tags.additionalProperties,
    { type: 'string', maxLength: 256 },
    'a record becomes additionalProperties',
  );
  const status = (schemaOf('v1beta1').properties as Record<string, Json>).status as Json;
  t.same(((status.properties as Record<string, Json>).phase as Json).enum, [
    'Pending',
    'Provisioning',
    'Available',
    'Modifying',
    'Deleting',
    'Failed',
  ]);
  t.same(
    schemaOf('v1beta1').required,
    ['spec'],
    'apiVersion, kind and metadata are the API server’s business',
  );
});

t.test('PostgresDatabase: namespaced, one version, status subresource, printer columns', async (t) => {
  t.equal(databaseCrd.metadata.name, 'postgresdatabases.stow.dev');
  t.equal(databaseCrd.spec.scope, 'Namespaced');
  t.match(databaseCrd.spec.names, {
    kind: 'PostgresDatabase',
    plural: 'postgresdatabases',
    singular: 'postgresdatabase',
    listKind: 'PostgresDatabaseList',
    shortNames: ['pgdatabase'],
    categories: ['stow'],
  });
  t.notOk('conversion' in databaseCrd.spec, 'no conversion: one version');
  const [only] = databaseCrd.spec.versions;
  t.match(only, { name: 'v1beta1', served: true, storage: true, subresources: { status: {} } });
  t.same(
    only?.additionalPrinterColumns?.map((c) => [c.name, c.jsonPath, c.priority ?? 0]),
    [
      ['Instance', '.spec.instanceRef.name', 0],
      ['Instance Namespace', '.spec.instanceRef.namespace', 1],
      ['Database', '.spec.databaseName', 0],
      ['Owner', '.spec.owner', 1],
      ['Phase', '.status.phase', 0],
      ['Ready', '.status.conditions[?(@.type=="Ready")].status', 0],
      ['Age', '.metadata.creationTimestamp', 0],
    ],
  );
  const spec = ((onlySchema(databaseCrd).properties as Record<string, Json>).spec ?? {}) as Json;
  t.same(Object.keys(spec.properties as Json), Object.keys(PostgresDatabaseSpec.properties));
  t.same(spec.required, ['instanceRef']);
  const properties = spec.properties as Record<string, Json>;
  t.same(properties.deletionPolicy?.enum, ['Retain', 'Drop']);
  t.same(((properties.users?.items as Json).properties as Record<string, Json>).access?.enum, [
    'readWrite',
    'readOnly',
  ]);
});

t.test('PostgresDBSnapshot: namespaced, one version, status subresource, printer columns', async (t) => {
  t.equal(snapshotCrd.metadata.name, 'postgresdbsnapshots.stow.dev');
  t.equal(snapshotCrd.spec.scope, 'Namespaced');
  t.match(snapshotCrd.spec.names, {
    kind: 'PostgresDBSnapshot',
    plural: 'postgresdbsnapshots',
    singular: 'postgresdbsnapshot',
    listKind: 'PostgresDBSnapshotList',
    shortNames: ['pgsnapshot'],
    categories: ['stow'],
  });
  t.notOk('conversion' in snapshotCrd.spec, 'no conversion: one version');
  const [only] = snapshotCrd.spec.versions;
  t.match(only, { name: 'v1beta1', served: true, storage: true, subresources: { status: {} } });
  t.same(
    only?.additionalPrinterColumns?.map((c) => [c.name, c.jsonPath, c.priority ?? 0]),
    [
      ['Source', '.spec.postgresDBRef.name', 0],
      ['Phase', '.status.phase', 0],
      ['Size', '.status.sizeGiB', 0],
      ['Engine', '.status.engineVersion', 1],
      ['Identifier', '.status.snapshotIdentifier', 1],
      ['Deletion', '.spec.deletionPolicy', 0],
      ['Ready', '.status.conditions[?(@.type=="Ready")].status', 0],
      ['Age', '.metadata.creationTimestamp', 0],
    ],
  );
  const spec = ((onlySchema(snapshotCrd).properties as Record<string, Json>).spec ?? {}) as Json;
  t.same(spec.required, ['postgresDBRef']);
  t.same((spec.properties as Record<string, Json>).deletionPolicy?.enum, ['Retain', 'Delete']);
  const status = ((onlySchema(snapshotCrd).properties as Record<string, Json>).status ?? {}) as Json;
  for (const field of [
    'phase',
    'snapshotIdentifier',
    'creationTime',
    'sizeGiB',
    'engineVersion',
    'conditions',
  ])
    t.ok((status.properties as Record<string, Json>)[field], `status.${field}`);
});

t.test(
  'PostgresDB v1beta1: spec.restoreFrom offers a snapshot, an RDS snapshot or a point in time',
  async (t) => {
    const spec = (schemaOf('v1beta1').properties as Record<string, Json>).spec as Json;
    const restoreFrom = (spec.properties as Record<string, Json>).restoreFrom as Json;
    t.same(Object.keys(restoreFrom.properties as Json), ['snapshot', 'rdsSnapshotIdentifier', 'pointInTime']);
    const pointInTime = (restoreFrom.properties as Record<string, Json>).pointInTime as Json;
    t.same(pointInTime.required, ['postgresDBRef']);
  },
);

t.test('PostgresDBPolicy: spec.sharing needs a namespace selector', async (t) => {
  const spec = ((onlySchema(policyCrd).properties as Record<string, Json>).spec ?? {}) as Json;
  const sharing = (spec.properties as Record<string, Json>).sharing as Json;
  t.same(Object.keys(sharing.properties as Json), ['namespaceSelector', 'instances', 'extensions']);
  t.same(sharing.required, ['namespaceSelector']);
});

t.test('every printer column has a description (kubectl get -o wide, kubectl explain)', async (t) => {
  for (const v of crd.spec.versions) {
    for (const column of v.additionalPrinterColumns ?? []) {
      const { description } = column as { description?: string };
      t.ok(typeof description === 'string' && description.trim() !== '', `${v.name} ${column.name}`);
    }
  }
});

t.test('status.conditions is a map keyed by type', async (t) => {
  const status = (schemaOf('v1beta1').properties as Record<string, Json>).status as Json;
  const conditions = (status.properties as Record<string, Json>).conditions as Json;
  t.equal(conditions['x-kubernetes-list-type'], 'map');
  t.same(conditions['x-kubernetes-list-map-keys'], ['type']);
  t.ok(((conditions.items as Json).required as string[]).includes('type'), 'the key is required');
});

t.test('v1beta1 spec carries the bounds of crd-bounds.ts, and only v1beta1 does', async (t) => {
  const spec = (schemaOf('v1beta1').properties as Record<string, Json>).spec as Json;
  const at = (path: string): Json =>
    path.split('.').reduce((node, key) => {
      if (key === '[]') return node.items as Json;
      if (key === '*') return node.additionalProperties as Json;
      return (node.properties as Record<string, Json>)[key] as Json;
    }, spec);
  for (const [path, keywords] of Object.entries(SPEC_BOUNDS)) t.match(at(path), keywords, path);
  const bounded = [...nodes(spec)].filter(([, node]) =>
    ['pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'maxProperties'].some((key) => key in node),
  );
  t.equal(bounded.length, Object.keys(SPEC_BOUNDS).length, 'no other bounds');
  const alpha = [...nodes(schemaOf('v1alpha1'))].filter(([, node]) => 'pattern' in node || 'minimum' in node);
  t.same(alpha, [], 'v1alpha1 (objects stored before any validation) has none');
  t.notOk(
    'pattern' in (v1beta1.PostgresDBSpec.properties.instanceClass as object),
    'the admission schema stays without them',
  );
});
