import fc from 'fast-check';
import t from 'tap';
import {
  accessFailureOf,
  SSL_MODES,
  sslModeOf,
  tlsOptionsFor,
  withoutPassword,
} from '../../../src/engine/access.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

t.test('TLS follows libpq: require encrypts without verifying unless a CA bundle is given', async (t) => {
  t.equal(tlsOptionsFor('disable', CA), false, 'disable: no TLS');
  for (const mode of ['allow', 'prefer', 'require'] as const) {
    t.same(tlsOptionsFor(mode, undefined), { rejectUnauthorized: false }, `${mode} without CA`);
    t.same(tlsOptionsFor(mode, '  \n'), { rejectUnauthorized: false }, `${mode} with a blank bundle`);
    const verified = tlsOptionsFor(mode, CA);
    t.match(verified, { rejectUnauthorized: true, ca: CA }, `${mode} with CA: the chain is verified`);
    t.equal(typeof (verified as { checkServerIdentity?: unknown }).checkServerIdentity, 'function');
    t.equal(
      (verified as { checkServerIdentity: (host: string, cert: object) => unknown }).checkServerIdentity(
        'other',
        {},
      ),
      undefined,
      'but not the host name (verify-ca)',
    );
  }
  t.match(tlsOptionsFor('verify-ca', undefined), { rejectUnauthorized: true }, 'verify-ca: system CAs');
  const full = tlsOptionsFor('verify-full', CA);
  t.same(full, { rejectUnauthorized: true, ca: CA }, 'verify-full: chain and host name (Node default)');
  t.same(tlsOptionsFor('verify-full', undefined), { rejectUnauthorized: true });
});

t.test('sslmode comes from the URI; absent, unknown or unparsable means require', async (t) => {
  for (const mode of SSL_MODES) t.equal(sslModeOf(`postgresql://u:p@h:5432/db?sslmode=${mode}`), mode);
  t.equal(sslModeOf('postgresql://u:p@h:5432/db'), 'require');
  t.equal(sslModeOf('postgresql://u:p@h:5432/db?sslmode=bogus'), 'require');
  t.equal(sslModeOf('not a uri'), 'require');
  t.equal(sslModeOf(undefined), 'require');
});

t.test('failures are told apart by SQLSTATE, network code and TLS errors', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ code: '28P01', message: 'password authentication failed for user "a"' }, 'AuthenticationFailed'],
    [{ code: '28000', message: 'no pg_hba.conf entry' }, 'AuthenticationFailed'],
    [{ code: '3D000', message: 'database "x" does not exist' }, 'DatabaseNotFound'],
    [{ code: '57P03', message: 'the database system is starting up' }, 'NotAcceptingConnections'],
    [{ code: '53300', message: 'sorry, too many clients already' }, 'NotAcceptingConnections'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'ConnectionRefused'],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND x.invalid' }, 'Unreachable'],
    [{ code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN x' }, 'Unreachable'],
    [{ code: 'EHOSTUNREACH', message: 'connect EHOSTUNREACH' }, 'Unreachable'],
    [{ code: 'ENETUNREACH', message: 'connect ENETUNREACH' }, 'Unreachable'],
    [{ code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' }, 'Timeout'],
    [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, 'TLSError'],
    [{ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in chain' }, 'TLSError'],
    [{ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify' }, 'TLSError'],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'Hostname/IP does not match' }, 'TLSError'],
    [new Error('The server does not support SSL connections'), 'TLSError'],
    [new Error('timeout expired'), 'Timeout'],
    [new Error('Connection terminated due to connection timeout'), 'Timeout'],
    [new Error('Connection terminated unexpectedly'), 'CheckFailed'],
    [{ code: 'XX000', message: 'internal error' }, 'CheckFailed'],
    [undefined, 'CheckFailed'],
    ['a string', 'CheckFailed'],
  ];
  for (const [error, reason] of cases) t.equal(accessFailureOf(error), reason, JSON.stringify(error));
});

t.test('a message never keeps the password, in clear or percent-encoded', async (t) => {
  t.equal(withoutPassword('user a:s3cret@host', 's3cret'), 'user a:[redacted]@host');
  t.equal(withoutPassword('uri a:p%40ss@host', 'p@ss'), 'uri a:[redacted]@host');
  t.equal(withoutPassword('nothing here', ''), 'nothing here', 'an empty password redacts nothing');
  t.notMatch(withoutPassword('d]xx', 'd]x'), 'd]x', 'a replacement that would spell it again');
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('[redacted]', 'red', ']', '[')), {
        maxLength: 6,
      }),
      (password, parts) => {
        const text = parts.join(password);
        const clean = withoutPassword(text, password);
        return !clean.includes(password) && !clean.includes(encodeURIComponent(password));
      },
    ),
  );
});
