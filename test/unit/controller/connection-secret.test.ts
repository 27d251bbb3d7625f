import t from 'tap';
import {
  changedSecretKeys,
  CONNECTION_KEYS,
  decodeSecretData,
  encodeSecretData,
  newSecret,
  secretContents,
  storedPassword,
} from '../../../src/controller/connection-secret.js';

const credentials = { username: 'stow_admin', password: 'p4ss-word_.~', databaseName: 'orders_db' };
const endpoint = { address: 'db.abc.us-east-1.rds.amazonaws.com', port: 5432 };
const owner = {
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDB',
  name: 'orders',
  uid: 'u1',
  controller: true,
};

t.test('before the endpoint is known: credentials only', async (t) => {
  const data = secretContents(credentials);
  t.same(Object.keys(data).sort(), ['DB_NAME', 'DB_PASSWORD', 'DB_USER', 'dbname', 'password', 'username']);
  for (const key of CONNECTION_KEYS) t.notOk(key in data, key);
});

t.test('with the endpoint: every key of api.md', async (t) => {
  const data = secretContents(credentials, endpoint);
  t.same(data, {
    DB_NAME: 'orders_db',
    DB_USER: 'stow_admin',
    DB_PASSWORD: 'p4ss-word_.~',
    DB_HOST: endpoint.address,
    DB_PORT: '5432',
    dbname: 'orders_db',
    username: 'stow_admin',
    password: 'p4ss-word_.~',
    host: endpoint.address,
    port: '5432',
    uri: `postgresql://stow_admin:p4ss-word_.~@${endpoint.address}:5432/orders_db?sslmode=require`,
    'jdbc-uri': `jdbc:postgresql://${endpoint.address}:5432/orders_db?user=stow_admin&password=p4ss-word_.~&sslmode=require`,
    pgpass: `${endpoint.address}:5432:orders_db:stow_admin:p4ss-word_.~\n`,
  });
});

t.test('passwords that need escaping (adopted ones) are escaped', async (t) => {
  const data = secretContents({ ...credentials, password: 'a:b\\c%d?e' }, endpoint);
  t.match(data.uri, /stow_admin:a%3Ab%5Cc%25d%3Fe@/);
  t.match(data.pgpass, /:a\\:b\\\\c%d\?e\n$/);
});

t.test('stored password, new key first, then the original operator one', async (t) => {
  t.equal(storedPassword(newSecret('s', 'ns', owner, { password: 'x', DB_PASSWORD: 'y' })), 'x');
  t.equal(storedPassword(newSecret('s', 'ns', owner, { DB_PASSWORD: 'y' })), 'y');
  t.equal(storedPassword(newSecret('s', 'ns', owner, {})), undefined);
  t.equal(storedPassword(undefined), undefined);
});

t.test('only keys that differ are written; user keys are left alone', async (t) => {
  const secret = newSecret('s', 'ns', owner, { ...secretContents(credentials), custom: 'mine' });
  t.same(changedSecretKeys(secret, secretContents(credentials)), {}, 'nothing to write');
  const changed = changedSecretKeys(secret, secretContents(credentials, endpoint));
  t.same(Object.keys(changed).sort(), [...CONNECTION_KEYS].sort());
  t.equal(decodeSecretData(secret).custom, 'mine');
  t.same(decodeSecretData({ metadata: { name: 'x' }, data: encodeSecretData({ a: 'ü' }) }), { a: 'ü' });
});

t.test('new Secret: owner reference and labels', async (t) => {
  const secret = newSecret('s', 'ns', owner, { password: 'x' });
  t.same(secret.metadata.ownerReferences, [owner]);
  t.equal(secret.metadata.labels?.['app.kubernetes.io/managed-by'], 'stow');
  t.equal(secret.type, 'Opaque');
});
