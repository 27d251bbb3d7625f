import fc from 'fast-check';
import t from 'tap';
import { applyDefaults } from '../../../src/admission/rules/defaults.js';
import type { PostgresDBPolicy, PostgresDBPolicySpec } from '../../../src/api/policy.js';
import type { PostgresDB } from '../../../src/api/v1beta1.js';
import { loadConfig } from '../../../src/config/load.js';
import type { OperatorConfig } from '../../../src/config/schema.js';
import { admissionPolicyErrors, adoptionRequested } from '../../../src/policy/check.js';
import {
  adoptionViolations,
  allPolicyViolations,
  applyPolicyDefaults,
  policyViolations,
} from '../../../src/policy/evaluate.js';
import { matchesPattern } from '../../../src/policy/patterns.js';
import { selectorMatches } from '../../../src/policy/selector.js';
import { staticPolicies } from '../../../src/policy/store.js';
import { formatFieldError } from '../../../src/admission/rules/field-error.js';

const config: OperatorConfig = { ...loadConfig(), securityGroupIds: [], kmsKeyId: '' };

function policy(name: string, spec: PostgresDBPolicySpec): PostgresDBPolicy {
  return { apiVersion: 'stow.dev/v1beta1', kind: 'PostgresDBPolicy', metadata: { name }, spec };
}

function db(spec: Partial<PostgresDB['spec']> = {}, annotations?: Record<string, string>): PostgresDB {
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata: { name: 'orders', namespace: 'team-a', ...(annotations ? { annotations } : {}) },
    spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 }, ...spec },
  };
}

const messages = (object: PostgresDB, policies: PostgresDBPolicy[], cfg = config) =>
  allPolicyViolations(applyDefaults(object, cfg).spec, cfg, policies).map(formatFieldError);

t.test(
  'matchesPattern: * and ? as in a glob, everything else literal (against an equivalent regex)',
  async (t) => {
    const toRegex = (pattern: string) =>
      new RegExp(
        `^${[...pattern]
          .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
          .join('')}$`,
        's',
      );
    const alphabet = fc.constantFrom(...'ab.*?-'.split(''));
    const text = fc.array(alphabet, { maxLength: 12 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(
        text,
        text,
        (pattern, candidate) => matchesPattern(pattern, candidate) === toRegex(pattern).test(candidate),
      ),
      { numRuns: 20_000 },
    );
    t.ok(matchesPattern('db.t3.*', 'db.t3.small'));
    t.notOk(matchesPattern('db.t3.*', 'db.t30.small'));
    t.ok(matchesPattern('*', ''));
    t.notOk(matchesPattern('team-a-?', 'team-a-10'));
  },
);

t.test('selectorMatches follows Kubernetes label-selector semantics', async (t) => {
  const labels = { team: 'a', tier: 'gold' };
  t.ok(selectorMatches(undefined, labels), 'absent selects all');
  t.ok(selectorMatches({}, {}), 'empty selects all');
  t.ok(selectorMatches({ matchLabels: { team: 'a' } }, labels));
  t.notOk(selectorMatches({ matchLabels: { team: 'b' } }, labels));
  t.notOk(selectorMatches({ matchLabels: { constructor: 'x' } }, labels), 'no inherited keys');
  for (const [operator, values, expected] of [
    ['In', ['a', 'b'], true],
    ['In', ['b'], false],
    ['NotIn', ['b'], true],
    ['NotIn', ['a'], false],
    ['Exists', [], true],
    ['DoesNotExist', [], false],
  ] as const) {
    t.equal(
      selectorMatches({ matchExpressions: [{ key: 'team', operator, values: [...values] }] }, labels),
      expected,
      `${operator} ${values.join(',')}`,
    );
  }
  t.ok(selectorMatches({ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['x'] }] }, labels));
  t.ok(selectorMatches({ matchExpressions: [{ key: 'missing', operator: 'DoesNotExist' }] }, labels));
});

t.test('staticPolicies: the selecting policies, by name', async (t) => {
  const source = staticPolicies(
    [
      policy('z-all', {}),
      policy('gold', { namespaceSelector: { matchLabels: { tier: 'gold' } } }),
      policy('a-all', {}),
    ],
    { shop: { tier: 'gold' } },
  );
  t.same(
    (source.policiesFor('shop') as PostgresDBPolicy[]).map((p) => p.metadata.name),
    ['a-all', 'gold', 'z-all'],
  );
  t.same(
    (source.policiesFor('other') as PostgresDBPolicy[]).map((p) => p.metadata.name),
    ['a-all', 'z-all'],
  );
});

t.test('every violation names the field, the policy and the value', async (t) => {
  const tenants = policy('tenants', {
    instanceClasses: ['db.t3.*'],
    storage: {
      types: ['gp3'],
      maxSizeGiB: 100,
      maxAutoscalingGiB: 200,
      maxIops: 12000,
      maxThroughputMiBps: 500,
    },
    allowPublicAccess: false,
    subnetGroup: { pinned: 'tenants-private' },
    securityGroups: { allowed: ['sg-0aaaaaaaaaaaaaaa*'] },
    kmsKeys: { allowed: ['alias/tenants'] },
    parameterGroup: { allowed: ['tenants-*'] },
    deletionPolicies: ['Snapshot'],
    requireDeletionProtection: true,
  });
  t.same(
    messages(
      db({
        instanceClass: 'db.r6g.large',
        storage: { type: 'io1', sizeGiB: 500, iops: 20000, maxSizeGiB: 1000 },
        publiclyAccessible: true,
        subnetGroupName: 'public',
        securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1', 'sg-0bbbbbbbbbbbbbbbb'],
        encryption: { kmsKeyId: 'alias/payroll' },
        parameterGroupName: 'custom',
        deletionPolicy: 'Delete',
      }),
      [tenants],
    ),
    [
      'spec.instanceClass: not allowed by PostgresDBPolicy "tenants"; allowed: db.t3.* (got "db.r6g.large")',
      'spec.storage.type: not allowed by PostgresDBPolicy "tenants"; allowed: gp3 (got "io1")',
      'spec.storage.sizeGiB: must be at most 100 under PostgresDBPolicy "tenants" (got 500)',
      'spec.storage.maxSizeGiB: must be at most 200 under PostgresDBPolicy "tenants" (got 1000)',
      'spec.storage.iops: must be at most 12000 under PostgresDBPolicy "tenants" (got 20000)',
      'spec.publiclyAccessible: not allowed by PostgresDBPolicy "tenants" (got true)',
      'spec.subnetGroupName: must be "tenants-private" under PostgresDBPolicy "tenants" (got "public")',
      'spec.securityGroupIds[1]: not allowed by PostgresDBPolicy "tenants"; allowed: sg-0aaaaaaaaaaaaaaa* (got "sg-0bbbbbbbbbbbbbbbb")',
      'spec.encryption.kmsKeyId: not allowed by PostgresDBPolicy "tenants"; allowed: alias/tenants (got "alias/payroll")',
      'spec.parameterGroupName: not allowed by PostgresDBPolicy "tenants"; allowed: tenants-* (got "custom")',
      'spec.deletionPolicy: not allowed by PostgresDBPolicy "tenants"; allowed: Snapshot (got "Delete")',
      'spec.deletionProtection: must be true under PostgresDBPolicy "tenants" (got false)',
    ],
  );
  t.same(messages(db(), [policy('silent', {})]), [], 'a policy that says nothing allows everything');
  t.same(
    messages(db({ publiclyAccessible: true }), [policy('silent', {})]),
    [],
    'allowPublicAccess unset has no say',
  );
});

t.test('settings left empty are checked as the operator defaults them, and say so', async (t) => {
  const cfg = { ...config, securityGroupIds: ['sg-0cccccccccccccccc'], kmsKeyId: '' };
  t.same(messages(db(), [policy('net', { securityGroups: { allowed: ['sg-0aaaaaaaaaaaaaaa1'] } })], cfg), [
    'spec.securityGroupIds[0]: not allowed by PostgresDBPolicy "net"; allowed: sg-0aaaaaaaaaaaaaaa1 (got "sg-0cccccccccccccccc")',
  ]);
  t.same(messages(db(), [policy('keys', { kmsKeys: { pinned: 'alias/tenants' } })], cfg), [
    'spec.encryption.kmsKeyId: must be "alias/tenants" under PostgresDBPolicy "keys" (the operator default, as the PostgresDB leaves it empty) (got "alias/aws/rds")',
  ]);
  t.same(
    messages(db(), [policy('params', { parameterGroup: { allowed: ['default.postgres*'] } })], cfg),
    [],
    'the engine default parameter group is default.postgres<major>',
  );
});

t.test('several policies: all apply, each violation names its own', async (t) => {
  const found = messages(db({ instanceClass: 'db.m6g.large', storage: { sizeGiB: 300 } }), [
    policy('a-classes', { instanceClasses: ['db.t3.*'] }),
    policy('b-size', { storage: { maxSizeGiB: 100 } }),
  ]);
  t.same(found, [
    'spec.instanceClass: not allowed by PostgresDBPolicy "a-classes"; allowed: db.t3.* (got "db.m6g.large")',
    'spec.storage.sizeGiB: must be at most 100 under PostgresDBPolicy "b-size" (got 300)',
  ]);
});

t.test(
  'pinned values and allowed deletion settings become defaults, so a minimal manifest complies',
  async (t) => {
    const pins = policy('pins', {
      subnetGroup: { pinned: 'tenants-private' },
      securityGroups: { pinned: ['sg-0aaaaaaaaaaaaaaa1'] },
      kmsKeys: { pinned: 'alias/tenants' },
      parameterGroup: { pinned: 'tenants-pg16' },
      requireDeletionProtection: true,
      deletionPolicies: ['Retain'],
    });
    const defaulted = applyDefaults(applyPolicyDefaults(db(), [pins], config), config);
    t.match(defaulted.spec, {
      subnetGroupName: 'tenants-private',
      securityGroupIds: ['sg-0aaaaaaaaaaaaaaa1'],
      encryption: { kmsKeyId: 'alias/tenants' },
      parameterGroupName: 'tenants-pg16',
      deletionProtection: true,
      deletionPolicy: 'Retain',
    });
    t.same(policyViolations(defaulted.spec, config, pins), []);
    const written = applyPolicyDefaults(
      db({ subnetGroupName: 'mine', deletionProtection: false }),
      [pins],
      config,
    );
    t.equal(written.spec.subnetGroupName, 'mine', 'a written value is never replaced');
    t.equal(written.spec.deletionProtection, false);
    const untouched = db();
    t.equal(applyPolicyDefaults(untouched, [], config), untouched, 'no policy: the object as it is');
  },
);

t.test(
  'adoption: off unless a policy enables it; every policy that speaks of it must allow it',
  async (t) => {
    const render = (found: ReturnType<typeof adoptionViolations>) => found.map(formatFieldError);
    t.same(render(adoptionViolations('legacy-1', 'team-a', [])), [
      'metadata.annotations[stow.dev/identifier]: adoption is off: no PostgresDBPolicy selecting namespace "team-a" enables it (got "legacy-1")',
    ]);
    t.same(
      render(adoptionViolations('legacy-1', 'team-a', [policy('limits', { instanceClasses: ['*'] })])).length,
      1,
      'a policy silent on adoption does not enable it',
    );
    const enabling = policy('team-a', { adoption: { enabled: true, identifiers: ['legacy-*'] } });
    t.same(render(adoptionViolations('legacy-1', 'team-a', [enabling, policy('limits', {})])), []);
    t.same(render(adoptionViolations('prod-1', 'team-a', [enabling])), [
      'metadata.annotations[stow.dev/identifier]: not allowed by PostgresDBPolicy "team-a"; allowed: legacy-* (got "prod-1")',
    ]);
    t.same(
      render(
        adoptionViolations('legacy-1', 'team-a', [
          enabling,
          policy('freeze', { adoption: { enabled: false } }),
        ]),
      ),
      [
        'metadata.annotations[stow.dev/identifier]: not allowed by PostgresDBPolicy "freeze"; allowed: none (adoption is off) (got "legacy-1")',
      ],
    );
    t.same(
      render(adoptionViolations('x', 'team-a', [policy('empty', { adoption: { enabled: true } })])).length,
      1,
      'enabled with no identifiers allows none',
    );
  },
);

t.test('adoptionRequested: a new identifier only', async (t) => {
  const adopting = db({}, { 'stow.dev/identifier': 'legacy-1' });
  t.equal(adoptionRequested(adopting, undefined), 'legacy-1', 'on CREATE');
  t.equal(adoptionRequested(adopting, adopting), undefined, 'already bound');
  t.equal(adoptionRequested(adopting, db()), 'legacy-1', 'annotation added');
  const bound = { ...db(), status: { dbInstanceIdentifier: 'legacy-1' } };
  t.equal(adoptionRequested(adopting, bound), undefined, 'naming the instance it is bound to');
  t.equal(adoptionRequested(db(), undefined), undefined);
  t.equal(
    adoptionRequested({ ...db(), metadata: { annotations: null } } as unknown as PostgresDB, undefined),
    undefined,
    'damaged annotations',
  );
});

t.test('admissionPolicyErrors: ratcheting, adoption and the no-policy switch', async (t) => {
  const limits = policy('limits', { instanceClasses: ['db.t3.*'], storage: { maxSizeGiB: 100 } });
  const render = (found: ReturnType<typeof admissionPolicyErrors>) => found.map(formatFieldError);
  const stored = applyDefaults(db({ instanceClass: 'db.m6g.large', storage: { sizeGiB: 20 } }), config);
  t.same(
    render(admissionPolicyErrors(stored, undefined, 'team-a', config, [limits])),
    ['spec.instanceClass: not allowed by PostgresDBPolicy "limits"; allowed: db.t3.* (got "db.m6g.large")'],
    'CREATE: everything',
  );
  const relabelled = { ...stored, metadata: { ...stored.metadata, labels: { a: 'b' } } };
  t.same(
    admissionPolicyErrors(relabelled, stored, 'team-a', config, [limits]),
    [],
    'UPDATE of metadata only',
  );
  const multiAZ = { ...stored, spec: { ...stored.spec, multiAZ: true } };
  t.same(
    admissionPolicyErrors(multiAZ, stored, 'team-a', config, [limits]),
    [],
    'UPDATE of an unrelated field',
  );
  const grown = { ...stored, spec: { ...stored.spec, storage: { ...stored.spec.storage, sizeGiB: 200 } } };
  t.same(
    render(admissionPolicyErrors(grown, stored, 'team-a', config, [limits])),
    ['spec.storage.sizeGiB: must be at most 100 under PostgresDBPolicy "limits" (got 200)'],
    'UPDATE of the violating part',
  );
  t.same(admissionPolicyErrors(db(), undefined, 'sandbox', config, []), [], 'no policy: no limits');
  t.same(
    render(admissionPolicyErrors(db(), undefined, 'sandbox', { ...config, requirePolicy: true }, [])),
    [
      'metadata.namespace: no PostgresDBPolicy selects this namespace, and the operator requires one; ask the platform team for a policy (got "sandbox")',
    ],
    'requirePolicy: a CREATE is denied',
  );
  t.same(
    admissionPolicyErrors(multiAZ, stored, 'sandbox', { ...config, requirePolicy: true }, []),
    [],
    'requirePolicy never blocks an UPDATE',
  );
  const adopting = db({ instanceClass: 'db.t3.small' }, { 'stow.dev/identifier': 'legacy-1' });
  t.same(render(admissionPolicyErrors(adopting, undefined, 'team-a', config, [limits])), [
    'metadata.annotations[stow.dev/identifier]: adoption is off: no PostgresDBPolicy selecting namespace "team-a" enables it (got "legacy-1")',
  ]);
  const network = policy('net', {
    securityGroups: { allowed: ['sg-0aaaaaaaaaaaaaaa1'] },
    adoption: { enabled: true, identifiers: ['legacy-*'] },
  });
  t.same(
    admissionPolicyErrors(adopting, undefined, 'team-a', config, [network]),
    [],
    "what an adopting object leaves empty is the instance's, checked by the controller",
  );
  const adoptingPublic = db({ publiclyAccessible: true }, { 'stow.dev/identifier': 'legacy-1' });
  t.same(
    render(
      admissionPolicyErrors(adoptingPublic, undefined, 'team-a', config, [
        network,
        policy('closed', { allowPublicAccess: false }),
      ]),
    ),
    ['spec.publiclyAccessible: not allowed by PostgresDBPolicy "closed" (got true)'],
    'what it writes is checked',
  );
});
