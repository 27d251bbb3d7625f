// Sharing an instance across namespaces: which policies grant it, and which extensions they allow.
import t from 'tap';
import { formatFieldError } from '../../../src/admission/rules/field-error.js';
import type { PostgresDBPolicy, PostgresDBPolicySpec } from '../../../src/api/policy.js';
import {
  grantingPolicies,
  type SharedPlacement,
  sharedExtensionErrors,
  sharingErrors,
} from '../../../src/policy/sharing.js';

function policy(name: string, spec: PostgresDBPolicySpec): PostgresDBPolicy {
  return { apiVersion: 'stow.dev/v1beta1', kind: 'PostgresDBPolicy', metadata: { name }, spec };
}

const placement: SharedPlacement = {
  namespace: 'team-a',
  namespaceLabels: { team: 'a' },
  instanceNamespace: 'shared',
  instanceName: 'pool-1',
};

t.test('grants add up: one policy sharing the instance with the namespace is enough', async (t) => {
  const limitsOnly = policy('limits', { instanceClasses: ['db.t3.*'] });
  const forB = policy('for-b', { sharing: { namespaceSelector: { matchLabels: { team: 'b' } } } });
  const forA = policy('for-a', {
    sharing: {
      namespaceSelector: { matchLabels: { team: 'a' } },
      instances: ['pool-*'],
      extensions: ['pgcrypto'],
    },
  });
  const forAll = policy('for-all', { sharing: { namespaceSelector: {}, extensions: ['citext'] } });
  t.same(grantingPolicies([limitsOnly, forB], placement), []);
  t.same(
    grantingPolicies([limitsOnly, forB, forA, forAll], placement).map((p) => p.metadata.name),
    ['for-a', 'for-all'],
  );
  t.same(sharingErrors([limitsOnly, forA], placement), []);
  t.same(
    sharedExtensionErrors(
      [forA, forAll],
      [{ name: 'pgcrypto' }, { name: 'citext' }, { name: 'postgis' }],
    ).map(formatFieldError),
    [
      'spec.extensions[2].name: is not allowed on an instance shared by PostgresDBPolicy "for-a", PostgresDBPolicy "for-all"; allowed: pgcrypto, citext (got "postgis")',
    ],
    'an extension any granting policy allows is allowed',
  );
  t.same(
    sharedExtensionErrors([forA], [{ name: 'postgis' }, { name: 'hstore' }], new Set(['hstore'])).map(
      (error) => error.value,
    ),
    ['hstore'],
    'only the named extensions are checked',
  );
  const other: SharedPlacement = { ...placement, instanceName: 'reporting' };
  t.same(sharingErrors([forA], other).map(formatFieldError), [
    'spec.instanceRef.name: is not shared with namespace "team-a" by PostgresDBPolicy "for-a"; shared: pool-* (got "reporting")',
  ]);
});
