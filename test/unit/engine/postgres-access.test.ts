import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { freeLoopbackPorts } from '../../../src/dev/control-plane/ports.js';
import type { AccessTarget } from '../../../src/engine/access.js';
import { checkPostgresAccess } from '../../../src/engine/postgres-access.js';

// The check against real sockets that are not PostgreSQL servers (those are in
// test/integration/emulator-servers.test.ts): what a client meets on a network it cannot use.

const PASSWORD = 'Sup3r-secret.password';

function target(port: number, address = '127.0.0.1'): AccessTarget {
  return {
    address,
    port,
    username: 'stow_admin',
    password: PASSWORD,
    databaseName: 'app',
    sslmode: 'require',
  };
}

async function listen(t: Test, onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

t.test('nothing listening: ConnectionRefused', async (t) => {
  const [closedPort] = await freeLoopbackPorts(1);
  const outcome = await checkPostgresAccess(target(closedPort!), { timeoutMs: 2000 });
  t.match(outcome, { connectable: false, reason: 'ConnectionRefused', detail: /ECONNREFUSED/ });
});

t.test('a server that accepts and never answers: Timeout, and the check returns', async (t) => {
  const port = await listen(t, () => {});
  const outcome = await checkPostgresAccess(target(port), { timeoutMs: 300 });
  t.match(outcome, { connectable: false, reason: 'Timeout' });
});

t.test('a server that refuses TLS: TLSError (the check never falls back to plain text)', async (t) => {
  let plainTextStartup = false;
  const port = await listen(t, (socket) => {
    socket.once('data', (request) => {
      // The SSLRequest: length 8, code 80877103. Anything else would be a plain-text startup.
      plainTextStartup = request.readInt32BE(4) !== 80877103;
      socket.write('N');
      socket.on('data', () => {
        plainTextStartup = true;
      });
    });
  });
  const outcome = await checkPostgresAccess(target(port), { timeoutMs: 2000 });
  t.match(outcome, { connectable: false, reason: 'TLSError', detail: /does not support SSL/ });
  t.notOk(plainTextStartup, 'no credentials were sent without TLS');
});

t.test('a name that does not resolve: Unreachable', async (t) => {
  const outcome = await checkPostgresAccess(target(5432, 'stow-access-check.invalid'), { timeoutMs: 5000 });
  t.match(outcome, { connectable: false, reason: 'Unreachable' });
});

t.test('no outcome carries the password', async (t) => {
  const port = await listen(t, (socket) => socket.end());
  const outcome = await checkPostgresAccess(target(port), { timeoutMs: 2000 });
  t.equal(outcome.connectable, false);
  t.notMatch(JSON.stringify(outcome), PASSWORD);
});
