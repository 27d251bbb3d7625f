import { createHash, createHmac } from 'node:crypto';
import t from 'tap';
import { scramSha256Verifier } from '../../../src/engine/postgres-sql.js';

// The verifier checked against the exchange published in RFC 7677 section 3: what PostgreSQL
// stores must let the RFC's client proof in and produce the RFC's server signature.

t.test('the SCRAM-SHA-256 verifier matches RFC 7677 (user "user", password "pencil")', async (t) => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const verifier = scramSha256Verifier('pencil', { salt });
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
