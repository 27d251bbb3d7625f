import t from 'tap';
import { applyDatabaseDefaults } from '../../../../src/admission/rules/postgres-database.js';
import { decodeSecretData } from '../../../../src/controller/connection-secret.js';
import {
  databaseKeyOf,
  newRoleSecret,
  roleSecretContents,
  roleSecretMetadata,
  roleSecrets,
} from '../../../../src/controller/postgres-database/roles.js';
import { pgDatabase } from '../../../support/postgres-database.js';

const orders = applyDatabaseDefaults(
  pgDatabase(
    { users: [{ name: 'report_reader', access: 'readOnly' }] },
    { name: 'orders', uid: 'uid-orders' },
  ),
);

t.test('a role and a Secret for the owner, then each user', async (t) => {
  t.same(roleSecrets(orders), [
    { role: 'orders', access: 'owner', secretName: 'orders' },
    { role: 'report_reader', access: 'readOnly', secretName: 'orders-report-reader' },
  ]);
});

t.test(
  "a role's Secret: a PostgresDB Secret's keys, labelled, controlled by the PostgresDatabase",
  async (t) => {
    const data = roleSecretContents('orders', 'Pw-1', 'orders', { address: 'db.example', port: 5432 });
    const secret = newRoleSecret(orders, 'orders', data, {
      pendingPassword: 'Pw-2',
      annotations: { a: 'b' },
    });
    t.match(secret.metadata, {
      name: 'orders',
      namespace: 'shop',
      labels: { 'app.kubernetes.io/managed-by': 'stow', 'stow.dev/postgresdatabase': 'orders' },
      annotations: { a: 'b' },
      ownerReferences: [
        {
          apiVersion: 'stow.dev/v1beta1',
          kind: 'PostgresDatabase',
          name: 'orders',
          uid: 'uid-orders',
          controller: true,
        },
      ],
    });
    const decoded = decodeSecretData(secret);
    t.match(decoded, {
      username: 'orders',
      password: 'Pw-1',
      'pending-password': 'Pw-2',
      DB_HOST: 'db.example',
    });
    t.equal(decoded.uri, 'postgresql://orders:Pw-1@db.example:5432/orders?sslmode=require');
    t.equal(databaseKeyOf(secret), 'shop/orders');
    t.same(roleSecretMetadata({ ...secret, metadata: { ...secret.metadata, resourceVersion: '7' } }), {
      metadata: {
        name: 'orders',
        namespace: 'shop',
        uid: undefined,
        resourceVersion: '7',
        ownerReferences: secret.metadata.ownerReferences,
      },
    });
  },
);

t.test('a Secret controlled by something else queues nothing', async (t) => {
  const owned = (kind: string, controller: boolean) => ({
    metadata: {
      name: 'x',
      namespace: 'shop',
      ownerReferences: [{ apiVersion: 'stow.dev/v1beta1', kind, name: 'orders', uid: 'u', controller }],
    },
  });
  t.equal(databaseKeyOf(owned('PostgresDB', true)), undefined);
  t.equal(databaseKeyOf(owned('PostgresDatabase', false)), undefined);
  t.equal(databaseKeyOf({ metadata: { name: 'x', namespace: 'shop' } }), undefined);
});
