import t from 'tap';
import type { PostgresDatabase } from '../../../../src/api/postgres-database.js';
import { buildDatabaseStatus } from '../../../../src/controller/postgres-database/status.js';

const object: PostgresDatabase = {
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDatabase',
  metadata: { name: 'orders', namespace: 'team-a', generation: 3 },
  spec: {
    instanceRef: { name: 'shared', namespace: 'databases' },
    databaseName: 'orders',
    owner: 'orders',
    secretName: 'orders',
    users: [{ name: 'app', access: 'readWrite', secretName: 'orders-app' }],
  },
};
const instance = { name: 'shared', namespace: 'databases' };
const now = '2026-01-01T00:00:00.000Z';
const conditions = (status: ReturnType<typeof buildDatabaseStatus>) =>
  Object.fromEntries((status.conditions ?? []).map((c) => [c.type, [c.status, c.reason]]));

t.test('in place: Available, Ready DatabaseReady, the roles and Secrets listed', async (t) => {
  const status = buildDatabaseStatus({
    object,
    instance,
    inPlace: true,
    users: [{ name: 'app', secretName: 'orders-app' }],
    now,
  });
  t.match(status, {
    phase: 'Available',
    instance,
    databaseName: 'orders',
    owner: 'orders',
    secretName: 'orders',
    users: [{ name: 'app', secretName: 'orders-app' }],
    observedGeneration: 3,
  });
  t.same(conditions(status), { Ready: ['True', 'DatabaseReady'], Synced: ['True', 'ReconcileSuccess'] });
});

t.test('waiting for the instance: Pending, Ready False with the reason, Synced True', async (t) => {
  const status = buildDatabaseStatus({
    object,
    instance,
    inPlace: false,
    waiting: { reason: 'PostgresDBNotReady', message: 'PostgresDB databases/shared is not ready yet' },
    now,
  });
  t.equal(status.phase, 'Pending');
  t.same(conditions(status), {
    Ready: ['False', 'PostgresDBNotReady'],
    Synced: ['True', 'ReconcileSuccess'],
  });
});

t.test(
  'a failure: Synced False; a permanent one makes the phase Failed; users kept from before',
  async (t) => {
    const previous = buildDatabaseStatus({
      object,
      instance,
      inPlace: true,
      users: [{ name: 'app', secretName: 'orders-app' }],
      now,
    });
    const failed = buildDatabaseStatus({
      object: { ...object, status: previous },
      instance,
      inPlace: false,
      failure: { reason: 'NameConflict', message: 'role "app" exists', permanent: true },
      now: '2026-01-02T00:00:00.000Z',
    });
    t.equal(failed.phase, 'Failed');
    t.same(failed.users, [{ name: 'app', secretName: 'orders-app' }]);
    t.same(conditions(failed), { Ready: ['False', 'NameConflict'], Synced: ['False', 'NameConflict'] });
    const transient = buildDatabaseStatus({
      object,
      instance,
      inPlace: false,
      failure: { reason: 'SqlFailed', message: 'x', permanent: false },
      now,
    });
    t.equal(transient.phase, 'Pending');
  },
);

t.test('deleting: Deleting, with what it waits for', async (t) => {
  const status = buildDatabaseStatus({
    object,
    instance,
    inPlace: false,
    deleting: true,
    waiting: { reason: 'InstanceUnreachable', message: 'cannot connect' },
    now,
  });
  t.equal(status.phase, 'Deleting');
  t.match(
    status.conditions?.find((c) => c.type === 'Ready'),
    { reason: 'Deleting', message: 'cannot connect' },
  );
});
