import fc from 'fast-check';
import t from 'tap';
import { masterSetupStatements, setPasswordStatement } from '../../../../src/dev/postgres/statements.js';

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
  // RDS passwords are printable ASCII without spaces; each starts with a character no verifier has
  // ('!'), so finding it in the SQL could only mean clear text.
  const passwords = fc.stringMatching(/^[\x21-\x7e]{7,40}$/).map((text) => `!${text}`);
  const names = fc
    .string({ minLength: 1, maxLength: 40, unit: 'binary' })
    .filter((name) => !name.includes('\u0000') && Buffer.byteLength(name) <= 63);
  fc.assert(
    fc.property(names, passwords, (name, password) => {
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
