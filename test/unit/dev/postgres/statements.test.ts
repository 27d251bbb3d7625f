import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import { scramSha256Verifier } from '../../../../src/dev/postgres/scram.js';
import { masterSetupStatements, setPasswordStatement } from '../../../../src/dev/postgres/statements.js';

t.test('the SCRAM-SHA-256 verifier matches RFC 7677 (user "user", password "pencil")', async (t) => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const verifier = scramSha256Verifier('pencil', salt);
  const match = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  t.ok(match, verifier);
  const [, saltText, storedKeyText, serverKeyText] = match!;
  t.equal(saltText, 'W22ZaJ0SNY7soEsUEjb6gQ==');
  const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`;
  const serverKey = Buffer.from(serverKeyText!, 'base64');
  t.equal(
    createHmac('sha256', serverKey).update(authMessage).digest('base64'),
    '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
    "the server's signature of the RFC's exchange",
  );
  // The RFC's client proof, undone with our stored key, gives back a client key that hashes to it.
  const storedKey = Buffer.from(storedKeyText!, 'base64');
  const signature = createHmac('sha256', storedKey).update(authMessage).digest();
  const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
  const clientKey = Buffer.from(proof.map((byte, i) => byte ^ signature[i]!));
  t.same(createHash('sha256').update(clientKey).digest(), storedKey, "the client's proof");
  t.not(scramSha256Verifier('pencil'), scramSha256Verifier('pencil'), 'a new salt each time by default');
});

t.test(
  'the master is set up as RDS does it: not a superuser, in rds_superuser, owning its databases',
  async (t) => {
    const statements = masterSetupStatements({
      username: 'stow_admin',
      password: 'pw-12345678',
      databaseName: 'app',
    });
    t.equal(statements.length, 5);
    t.match(
      statements[2],
      /^CREATE ROLE "stow_admin" LOGIN CREATEDB CREATEROLE IN ROLE "rds_superuser" PASSWORD 'SCRAM-SHA-256\$4096:/,
    );
    t.equal(statements[3], 'ALTER DATABASE postgres OWNER TO "stow_admin"');
    t.equal(statements[4], 'CREATE DATABASE "app" OWNER "stow_admin"');
    t.notOk(statements.join('\n').includes('SUPERUSER'), 'no SUPERUSER attribute');
    t.equal(
      masterSetupStatements({ username: 'a', password: 'pw-12345678' }).length,
      4,
      'no DBName: no database',
    );
    t.match(
      setPasswordStatement('stow_admin', 'pw-12345678'),
      /^ALTER ROLE "stow_admin" PASSWORD 'SCRAM-SHA-256\$4096:[^']+'$/,
    );
  },
);

t.test('names are quoted identifiers and passwords never reach the SQL in clear', async (t) => {
  t.match(
    setPasswordStatement('x"; drop table t; --', 'pw'),
    /^ALTER ROLE "x""; drop table t; --" PASSWORD '/,
    'a double quote is doubled inside the quoted identifier',
  );
  // A password with a character no verifier has ('!'), so finding it in the SQL could only mean clear text.
  const passwords = fc.string({ minLength: 7, maxLength: 40 }).map((text) => `!${text}`);
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 40 }), passwords, (name, password) => {
      fc.pre(!name.includes(password));
      const sql = [
        ...masterSetupStatements({ username: name, password, databaseName: name }),
        setPasswordStatement(name, password),
      ];
      const quoted = `"${name.replaceAll('"', '""')}"`;
      return (
        sql.every((statement) => !statement.includes(password)) &&
        sql[2]!.startsWith(`CREATE ROLE ${quoted} `)
      );
    }),
  );
});
