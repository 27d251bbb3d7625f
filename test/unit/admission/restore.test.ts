// Admission of a PostgresDB restoring from a source: the source is read by name (another namespace's
// only when a policy shares it), an RDS snapshot identifier needs a policy, an unanswered read denies,
// and a PostgresDB without restoreFrom is answered as before, synchronously and without a read.
import t from 'tap';
import type { Admitted } from '../../../src/admission/framework.js';
import { postgresDBAdmission } from '../../../src/admission/postgresdb.js';
import type { RestoreSources } from '../../../src/admission/restore-sources.js';
import type { AdmissionRequest, AdmissionResponse } from '../../../src/admission/review.js';
import type { PostgresDBPolicy } from '../../../src/api/policy.js';
import type { PostgresDBSnapshot } from '../../../src/api/postgres-db-snapshot.js';
import type { PostgresDB } from '../../../src/api/v1beta1.js';
import { staticPolicies } from '../../../src/policy/store.js';
import { CONFIG, db } from '../../support/postgresdb.js';

const snapshot = (namespace: string, name: string, phase = 'Available'): PostgresDBSnapshot => ({
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDBSnapshot',
  metadata: { name, namespace },
  spec: { postgresDBRef: { name: 'orders' } },
  status: { phase: phase as 'Available' },
});

/** team-a has `before` and `failed`, and the PostgresDB `orders`; every read is recorded. */
function sources(reads: string[]): RestoreSources {
  const snapshots = [snapshot('team-a', 'before'), snapshot('team-a', 'failed', 'Failed')];
  return {
    snapshot: async (namespace, name) => {
      reads.push(`snapshot ${namespace}/${name}`);
      return snapshots.find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
    },
    postgresDB: async (namespace, name) => {
      reads.push(`postgresdb ${namespace}/${name}`);
      return namespace === 'team-a' && name === 'orders' ? db() : undefined;
    },
  };
}

const policy = (name: string, spec: PostgresDBPolicy['spec']): PostgresDBPolicy => ({
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDBPolicy',
  metadata: { name },
  spec,
});

const LABELS = { 'team-a': { team: 'a' }, 'team-b': { team: 'b' } };

function admit(
  restoreFrom: PostgresDB['spec']['restoreFrom'],
  options: { namespace?: string; policies?: PostgresDBPolicy[]; failing?: boolean } = {},
) {
  const reads: string[] = [];
  const restoreSources: RestoreSources = options.failing
    ? {
        snapshot: async () => {
          throw new Error('the server is not responding');
        },
        postgresDB: async () => undefined,
      }
    : sources(reads);
  const kind = postgresDBAdmission(CONFIG, {
    policies: staticPolicies(options.policies ?? [], LABELS),
    restoreSources,
  });
  const namespace = options.namespace ?? 'team-a';
  const object = db(restoreFrom ? { restoreFrom } : {}, { name: 'copy', namespace });
  const request = { uid: 'u', operation: 'CREATE', namespace, object } as unknown as AdmissionRequest;
  const verdict = kind.validate({ request, object } as Admitted<PostgresDB>);
  return { verdict, reads };
}

async function message(verdict: AdmissionResponse | Promise<AdmissionResponse>) {
  const settled = await verdict;
  return settled.allowed ? 'allowed' : (settled.status?.message ?? '');
}

t.test('without restoreFrom: answered at once, nothing read', async (t) => {
  const { verdict, reads } = admit(undefined);
  t.notOk(verdict instanceof Promise, 'synchronous, as before');
  t.equal(await message(verdict), 'allowed');
  t.same(reads, []);
});

t.test('a PostgresDBSnapshot of the namespace: it must exist and not have failed', async (t) => {
  t.equal(await message(admit({ snapshot: { name: 'before' } }).verdict), 'allowed');
  t.match(
    await message(admit({ snapshot: { name: 'nope' } }).verdict),
    'spec.restoreFrom.snapshot.name: no PostgresDBSnapshot of that name in namespace "team-a" (got "nope")',
  );
  t.match(
    await message(admit({ snapshot: { name: 'failed' } }).verdict),
    'spec.restoreFrom.snapshot.name: is a snapshot that failed: nothing can be restored from it (got "failed")',
  );
  t.match(
    await message(admit({ pointInTime: { postgresDBRef: { name: 'billing' }, latest: true } }).verdict),
    'spec.restoreFrom.pointInTime.postgresDBRef.name: no PostgresDB of that name in namespace "team-a" (got "billing")',
  );
  t.equal(
    await message(admit({ pointInTime: { postgresDBRef: { name: 'orders' }, latest: true } }).verdict),
    'allowed',
  );
});

t.test(
  'another namespace’s snapshot: denied, unread, unless a policy of that namespace shares it',
  async (t) => {
    const denied = admit({ snapshot: { name: 'before', namespace: 'team-a' } }, { namespace: 'team-b' });
    t.match(
      await message(denied.verdict),
      'spec.restoreFrom.snapshot.namespace: no PostgresDBPolicy shares the snapshots of this namespace with namespace "team-b"',
    );
    t.same(denied.reads, [], 'not even looked up');
    const sharing = policy('share-a', {
      namespaceSelector: { matchLabels: { team: 'a' } },
      snapshotSharing: {
        namespaceSelector: { matchLabels: { team: 'b' } },
        snapshots: ['before', 'release-*'],
      },
    });
    const allowed = admit(
      { snapshot: { name: 'before', namespace: 'team-a' } },
      { namespace: 'team-b', policies: [sharing] },
    );
    t.equal(await message(allowed.verdict), 'allowed');
    t.same(allowed.reads, ['snapshot team-a/before']);
    t.match(
      await message(
        admit(
          { snapshot: { name: 'failed', namespace: 'team-a' } },
          { namespace: 'team-b', policies: [sharing] },
        ).verdict,
      ),
      'spec.restoreFrom.snapshot.name: is not shared with namespace "team-b" by PostgresDBPolicy "share-a"; shared: before, release-* (got "failed")',
    );
    const elsewhere = policy('share-a-with-c', {
      namespaceSelector: { matchLabels: { team: 'a' } },
      snapshotSharing: { namespaceSelector: { matchLabels: { team: 'c' } } },
    });
    t.match(
      await message(
        admit(
          { snapshot: { name: 'before', namespace: 'team-a' } },
          { namespace: 'team-b', policies: [elsewhere] },
        ).verdict,
      ),
      /no PostgresDBPolicy shares the snapshots of this namespace with namespace "team-b"/,
    );
  },
);

t.test('an RDS snapshot by identifier: only as a policy allows', async (t) => {
  t.match(
    await message(admit({ rdsSnapshotIdentifier: 'prod-orders' }).verdict),
    'spec.restoreFrom.rdsSnapshotIdentifier: restoring from RDS snapshots is off: no PostgresDBPolicy selecting namespace "team-a" enables it (spec.rdsSnapshotRestore) (got "prod-orders")',
  );
  const restores = policy('restores', {
    namespaceSelector: { matchLabels: { team: 'a' } },
    rdsSnapshotRestore: { enabled: true, identifiers: ['prod-*'] },
  });
  t.equal(
    await message(admit({ rdsSnapshotIdentifier: 'prod-orders' }, { policies: [restores] }).verdict),
    'allowed',
  );
  t.match(
    await message(admit({ rdsSnapshotIdentifier: 'staging-orders' }, { policies: [restores] }).verdict),
    'not allowed by PostgresDBPolicy "restores"; allowed: prod-* (got "staging-orders")',
  );
});

t.test('a source that cannot be read is a denial that says so, never an error', async (t) => {
  const verdict = await admit({ snapshot: { name: 'before' } }, { failing: true }).verdict;
  t.equal(verdict.allowed, false);
  t.equal(verdict.status?.code, 422);
  t.match(
    verdict.status?.message,
    'spec.restoreFrom: could not be checked (the server is not responding); try again',
  );
});
