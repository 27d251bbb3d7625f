// PostgresDatabase admission through the webhook server (/mutate/postgresdatabases and
// /validate/postgresdatabases): hostile names denied with the field and the value, defaults as a patch,
// and sharing an instance of another namespace through a PostgresDBPolicy.
import t from 'tap';
import { postgresDatabaseAdmission } from '../../../src/admission/postgres-database.js';
import type { AdmissionRequest } from '../../../src/admission/review.js';
import type { PostgresDBPolicy, PostgresDBPolicySpec } from '../../../src/api/policy.js';
import type { PostgresDatabase } from '../../../src/api/postgres-database.js';
import { loadConfig } from '../../../src/config/load.js';
import { staticPolicies, type PolicySource } from '../../../src/policy/store.js';
import { HOSTILE_NAMES, pgDatabase } from '../../support/postgres-database.js';
import {
  ADMISSION_UID,
  admissionReviewText,
  decodePatch,
  post,
  webhookApp,
} from '../../support/webhook-app.js';

const app = webhookApp();
t.teardown(() => app.close());

async function review(url: '/mutate/postgresdatabases' | '/validate/postgresdatabases', object: unknown) {
  const res = await post(app, url, admissionReviewText(JSON.stringify(object), { namespace: 'shop' }));
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  return res.json().response;
}

t.test(
  'hostile names are denied at /validate/postgresdatabases, all at once, never with an error',
  async (t) => {
    for (const [title, name] of HOSTILE_NAMES) {
      const object = pgDatabase({
        databaseName: name,
        owner: name,
        users: [{ name, access: 'readOnly', secretName: 'orders-user' }],
        extensions: [{ name }],
      });
      const response = await review('/validate/postgresdatabases', object);
      t.equal(response.uid, ADMISSION_UID);
      t.equal(response.allowed, false, `${title}: denied`);
      t.equal(response.status.code, 422, `${title}: a denial, not an internal error`);
      const message: string = response.status.message;
      t.match(message, /^PostgresDatabase "orders" is invalid \(\d+ problems\): /, title);
      for (const field of [
        'spec.databaseName',
        'spec.owner',
        'spec.users[0].name',
        'spec.extensions[0].name',
      ])
        t.ok(message.includes(`${field}: `), `${title}: names ${field}`);
      t.notOk(message.includes('\u0000'), `${title}: no NUL byte in the message`);
      t.ok(message.length < 4000, `${title}: a short message (${message.length} characters)`);
    }
  },
);

t.test('/mutate/postgresdatabases fills the defaults as a JSON Patch of spec', async (t) => {
  const response = await review(
    '/mutate/postgresdatabases',
    pgDatabase({ users: [{ name: 'ro', access: 'readOnly' }] }),
  );
  t.equal(response.allowed, true);
  const patch = decodePatch(response.patch);
  t.same(patch.map(({ op, path, value }) => `${op} ${path} ${JSON.stringify(value)}`).sort(), [
    'add /metadata/finalizers ["stow.dev/finalizer"]',
    'add /spec/databaseName "orders"',
    'add /spec/deletionPolicy "Retain"',
    'add /spec/owner "orders"',
    'add /spec/secretName "orders"',
    'add /spec/users/0/secretName "orders-ro"',
  ]);
  const whole = await review(
    '/mutate/postgresdatabases',
    pgDatabase({ databaseName: 'o', owner: 'o', secretName: 'o', deletionPolicy: 'Drop' }),
  );
  t.same(
    decodePatch(whole.patch),
    [{ op: 'add', path: '/metadata/finalizers', value: ['stow.dev/finalizer'] }],
    'nothing to fill: only the finalizer',
  );
  const valid = await review('/validate/postgresdatabases', pgDatabase({ deletionPolicy: 'Drop' }));
  t.equal(valid.allowed, true);
  t.match(valid.warnings, [/Drop: deleting this PostgresDatabase drops the database/]);
});

const config = loadConfig();

function policy(name: string, spec: PostgresDBPolicySpec): PostgresDBPolicy {
  return { apiVersion: 'stow.dev/v1beta1', kind: 'PostgresDBPolicy', metadata: { name }, spec };
}

const NAMESPACES = {
  shared: { tier: 'shared-databases' },
  'team-a': { team: 'true' },
  'team-b': { team: 'true' },
  outsiders: {},
};

const SHARING = policy('shared-instances', {
  namespaceSelector: { matchLabels: { tier: 'shared-databases' } },
  sharing: {
    namespaceSelector: { matchLabels: { team: 'true' } },
    instances: ['pool-*'],
    extensions: ['pgcrypto', 'uuid-*'],
  },
});

function request(
  object: PostgresDatabase,
  namespace: string,
  oldObject?: PostgresDatabase,
): AdmissionRequest {
  return {
    uid: ADMISSION_UID,
    kind: { group: 'stow.dev', version: 'v1beta1', kind: 'PostgresDatabase' },
    resource: { group: 'stow.dev', version: 'v1beta1', resource: 'postgresdatabases' },
    operation: oldObject ? 'UPDATE' : 'CREATE',
    namespace,
    name: object.metadata.name,
    userInfo: { username: 'alice' },
    object,
    ...(oldObject ? { oldObject } : {}),
  } as AdmissionRequest;
}

async function decide(
  policies: PolicySource,
  object: PostgresDatabase,
  namespace: string,
  oldObject?: PostgresDatabase,
) {
  const admission = postgresDatabaseAdmission(config, { policies });
  const response = await admission.validate({
    request: request(object, namespace, oldObject),
    object,
    ...(oldObject ? { oldObject } : {}),
  });
  return response.allowed ? 'allowed' : (response.status?.message ?? '');
}

const onInstance = (name: string, namespace: string, extensions: string[] = []) =>
  pgDatabase(
    {
      instanceRef: { name, namespace },
      ...(extensions.length ? { extensions: extensions.map((extension) => ({ name: extension })) } : {}),
    },
    { name: 'orders', namespace: 'team-a' },
  );

t.test('an instance of another namespace: only where a PostgresDBPolicy shares it', async (t) => {
  const policies = staticPolicies([SHARING], NAMESPACES);
  const none = staticPolicies([], NAMESPACES);
  t.equal(
    await decide(none, pgDatabase({}, { name: 'orders', namespace: 'team-a' }), 'team-a'),
    'allowed',
    'same namespace: no policy needed',
  );
  t.equal(
    await decide(none, onInstance('pool-1', 'shared'), 'team-a'),
    'PostgresDatabase "orders" is invalid (1 problem): spec.instanceRef.namespace: no PostgresDBPolicy shares the instances of this namespace with namespace "team-a"; ask the platform team for a policy with spec.sharing (got "shared")',
  );
  t.equal(
    await decide(policies, onInstance('pool-1', 'shared', ['pgcrypto', 'uuid-ossp']), 'team-a'),
    'allowed',
  );
  t.equal(
    await decide(policies, onInstance('private', 'shared'), 'team-a'),
    'PostgresDatabase "orders" is invalid (1 problem): spec.instanceRef.name: is not shared with namespace "team-a" by PostgresDBPolicy "shared-instances"; shared: pool-* (got "private")',
  );
  t.equal(
    await decide(
      policies,
      { ...onInstance('pool-1', 'shared'), metadata: { name: 'orders', namespace: 'outsiders' } },
      'outsiders',
    ),
    'PostgresDatabase "orders" is invalid (1 problem): spec.instanceRef.namespace: no PostgresDBPolicy shares the instances of this namespace with namespace "outsiders"; ask the platform team for a policy with spec.sharing (got "shared")',
  );
  t.equal(
    await decide(policies, onInstance('pool-1', 'shared', ['pgcrypto', 'aws_s3', 'plpython3u']), 'team-a'),
    'PostgresDatabase "orders" is invalid (2 problems): spec.extensions[1].name: is not allowed on an instance shared by PostgresDBPolicy "shared-instances"; allowed: pgcrypto, uuid-* (got "aws_s3"); spec.extensions[2].name: is not allowed on an instance shared by PostgresDBPolicy "shared-instances"; allowed: pgcrypto, uuid-* (got "plpython3u")',
  );
  const withoutExtensions = staticPolicies(
    [
      policy('bare', {
        namespaceSelector: SHARING.spec.namespaceSelector,
        sharing: { namespaceSelector: {} },
      }),
    ],
    NAMESPACES,
  );
  t.equal(
    await decide(withoutExtensions, onInstance('any', 'shared'), 'outsiders'),
    'allowed',
    '{} shares with every namespace, every instance',
  );
  t.match(
    await decide(withoutExtensions, onInstance('any', 'shared', ['pgcrypto']), 'team-a'),
    /spec\.extensions\[0\]\.name: is not allowed on an instance shared by PostgresDBPolicy "bare"; allowed: none/,
    'extensions on a shared instance: none unless a policy lists them',
  );
});

t.test('UPDATE of a shared database: only the extensions being added are checked', async (t) => {
  const withdrawn = staticPolicies([], NAMESPACES);
  const stored = onInstance('pool-1', 'shared', ['pgcrypto']);
  const relabelled = { ...stored, metadata: { ...stored.metadata, labels: { a: 'b' } } };
  t.equal(
    await decide(withdrawn, relabelled, 'team-a', stored),
    'allowed',
    'a withdrawn policy blocks no edit',
  );
  t.equal(
    await decide(
      withdrawn,
      { ...stored, spec: { ...stored.spec, deletionPolicy: 'Drop' } },
      'team-a',
      stored,
    ),
    'allowed',
  );
  t.match(
    await decide(withdrawn, onInstance('pool-1', 'shared', ['pgcrypto', 'uuid-ossp']), 'team-a', stored),
    /^PostgresDatabase "orders" is invalid \(1 problem\): spec\.extensions\[1\]\.name: is not allowed .*\(got "uuid-ossp"\)$/,
  );
  const policies = staticPolicies([SHARING], NAMESPACES);
  t.equal(
    await decide(policies, onInstance('pool-1', 'shared', ['pgcrypto', 'uuid-ossp']), 'team-a', stored),
    'allowed',
  );
});

t.test('policies and namespace labels read from the API server (promises) decide alike', async (t) => {
  const source = staticPolicies([SHARING], NAMESPACES);
  const later: PolicySource = {
    policiesFor: async (namespace) => source.policiesFor(namespace),
    namespaceLabels: async (namespace) => source.namespaceLabels(namespace),
  };
  t.equal(await decide(later, onInstance('pool-1', 'shared', ['pgcrypto']), 'team-a'), 'allowed');
  t.match(
    await decide(later, onInstance('private', 'shared'), 'team-a'),
    /spec\.instanceRef\.name: is not shared/,
  );
});
