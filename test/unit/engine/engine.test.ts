import t from 'tap';
import { postgres } from '../../../src/engine/engine.js';

t.test('PostgreSQL as Stow knows it', async (t) => {
  t.equal(postgres.rdsEngine, 'postgres');
  t.equal(postgres.defaultPort, 5432);
  t.equal(postgres.defaultParameterGroup('16.4'), 'default.postgres16');
  t.equal(postgres.defaultParameterGroup('14'), 'default.postgres14');
  t.ok(postgres.reservedWords.has('select'));
  t.same(
    postgres.connectionStrings({
      username: 'app user',
      password: 'p:a\\ss@/',
      databaseName: 'orders',
      address: 'db.example.com',
      port: 5432,
    }),
    {
      uri: 'postgresql://app%20user:p%3Aa%5Css%40%2F@db.example.com:5432/orders?sslmode=require',
      'jdbc-uri':
        'jdbc:postgresql://db.example.com:5432/orders?user=app%20user&password=p%3Aa%5Css%40%2F&sslmode=require',
      pgpass: 'db.example.com:5432:orders:app user:p\\:a\\\\ss@/\n',
    },
    'every part escaped for its format',
  );
});
