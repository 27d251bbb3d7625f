import fc from 'fast-check';
import t from 'tap';
import { TAG_CLUSTER, TAG_MANAGED_BY, TAG_UID } from '../../../src/api/constants.js';
import {
  finalSnapshotIdentifier,
  instanceIdentifier,
  ownershipOf,
  ownershipTags,
  type ResourceIdentity,
} from '../../../src/controller/ownership.js';
import { rdsIdentifierProblem } from '../../../src/admission/rules/names.js';

const identity: ResourceIdentity = {
  clusterName: 'prod-eu',
  namespace: 'payments',
  name: 'orders-db',
  uid: '6f1c9a52-8d0e-4b6a-9a57-1f2e3d4c5b6a',
};

t.test('identifier is readable, deterministic and valid', async (t) => {
  const id = instanceIdentifier('stow', identity);
  t.match(id, /^stow-payments-orders-db-[0-9a-f]{8}$/);
  t.equal(instanceIdentifier('stow', identity), id, 'same input, same identifier');
  t.not(instanceIdentifier('stow', { ...identity, uid: 'other' }), id, 'a new uid gives a new identifier');
  t.not(instanceIdentifier('stow', { ...identity, clusterName: 'prod-us' }), id, 'the cluster is part of it');
  t.equal(rdsIdentifierProblem(id), undefined);
});

t.test('identifier fits RDS rules for any Kubernetes names', async (t) => {
  const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  const dnsSubdomain = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/);
  const prefix = fc.stringMatching(/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/);
  fc.assert(
    fc.property(
      prefix,
      dnsLabel,
      dnsSubdomain,
      fc.uuid(),
      fc.string(),
      (p, namespace, name, uid, clusterName) => {
        const id = instanceIdentifier(p, { clusterName, namespace, name, uid });
        t.equal(rdsIdentifierProblem(id), undefined, id);
        return id.length <= 63;
      },
    ),
    { numRuns: 2000 },
  );
});

t.test('final snapshot name is deterministic and valid', async (t) => {
  const id = instanceIdentifier('stow', identity);
  const snapshot = finalSnapshotIdentifier(id, identity.uid);
  t.equal(snapshot, `${id}-final-6f1c9a52`);
  t.match(snapshot, /^[a-z][a-z0-9-]*[a-z0-9]$/);
  t.notMatch(snapshot, /--/);
});

t.test('ownership from tags', async (t) => {
  const tags = ownershipTags(identity);
  t.equal(ownershipOf(tags, identity), 'ours');
  t.equal(ownershipOf({}, identity), 'unmanaged');
  t.equal(
    ownershipOf({ ...tags, [TAG_MANAGED_BY]: 'retained' }, identity),
    'unmanaged',
    'released by Retain',
  );
  t.equal(ownershipOf({ ...tags, [TAG_UID]: 'someone-else' }, identity), 'other');
  t.equal(ownershipOf({ ...tags, [TAG_CLUSTER]: 'other-cluster' }, identity), 'other');
});
