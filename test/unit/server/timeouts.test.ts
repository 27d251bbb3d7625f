// Issue 11, webhook hardening: a client that connects and then stalls is disconnected (ADR 0014). The
// server runs with timeouts of a fraction of a second here; the production values are WEBHOOK_TIMEOUTS.
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect as connectTcp, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import t from 'tap';
import { loadConfig } from '../../../src/config/load.js';
import { makeDevCerts } from '../../../src/dev/control-plane/certs.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createRegistry } from '../../../src/util/metrics.js';
import { buildWebhookServer, WEBHOOK_TIMEOUTS } from '../../../src/server/server.js';
import { admissionRoutes } from '../../../src/admission/plugin.js';
import { postgresDBAdmission } from '../../../src/admission/postgresdb.js';

/** Long enough that only a missing timeout lets a test reach it. */
const GIVE_UP_MS = 15_000;

interface Ending {
  /** What the server wrote before closing, if anything. */
  received: string;
  closed: boolean;
}

/** Resolves when the server closes the socket, or after GIVE_UP_MS with `closed: false`. */
function ending(socket: Socket): Promise<Ending> {
  return new Promise((resolve) => {
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ received, closed: false });
    }, GIVE_UP_MS);
    socket.on('data', (chunk) => {
      received += String(chunk);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received, closed: true });
    });
  });
}

t.test('the production timeouts suit the API server', async (t) => {
  t.ok(
    WEBHOOK_TIMEOUTS.request >= 30_000,
    'a request is never cut while the API server still waits (30 s at most)',
  );
  t.ok(WEBHOOK_TIMEOUTS.headers <= WEBHOOK_TIMEOUTS.request);
  t.ok(WEBHOOK_TIMEOUTS.keepAlive > 90_000, "longer than the API server's client keeps an idle connection");
  t.ok(WEBHOOK_TIMEOUTS.handshake > 0 && WEBHOOK_TIMEOUTS.idle > 0 && WEBHOOK_TIMEOUTS.checkInterval > 0);
});

t.test('stalled clients are disconnected', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stow-timeouts-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const certs = await makeDevCerts(dir);
  const app = buildWebhookServer({
    logger: silentLogger(),
    routes: [admissionRoutes([postgresDBAdmission(loadConfig())], silentLogger())],
    registry: createRegistry({ defaultMetrics: false }),
    tls: { key: certs.keyPem, cert: certs.certPem },
    timeouts: { handshake: 300, headers: 300, request: 1_000, idle: 600, checkInterval: 100 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const port = (app.server.address() as AddressInfo).port;
  const tlsConnection = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connectTls({ host: '127.0.0.1', port, ca: certs.caPem, servername: 'localhost' }, () =>
        resolve(socket),
      );
      socket.once('error', reject);
    });
  const head = (contentLength: number) =>
    `POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`;

  t.test('a TLS connection that sends part of the request headers, then nothing', async (t) => {
    const socket = await tlsConnection();
    socket.write('POST /validate HTTP/1.1\r\nHost: local');
    const { closed, received } = await ending(socket);
    t.ok(closed, 'disconnected');
    t.notMatch(received, /^HTTP\/1\.1 200/, 'never answered as a request');
  });

  t.test('a TLS connection that trickles its body a byte at a time', async (t) => {
    const socket = await tlsConnection();
    socket.write(head(10_000));
    // Never silent for long enough to look idle: only the request timeout ends this.
    const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
    t.teardown(() => clearInterval(trickle));
    const { closed, received } = await ending(socket);
    clearInterval(trickle);
    t.ok(closed, 'disconnected');
    t.match(received, /^HTTP\/1\.1 408/, 'told the request took too long');
  });

  t.test('a TLS connection that sends nothing at all', async (t) => {
    const { closed } = await ending(await tlsConnection());
    t.ok(closed, 'disconnected');
  });

  t.test('a TCP connection that never starts the TLS handshake', async (t) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    const { closed } = await ending(socket);
    t.ok(closed, 'disconnected');
  });

  t.test('a prompt client is answered as before', async (t) => {
    const socket = await tlsConnection();
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'u-1', operation: 'DELETE' },
    });
    socket.write(`${head(Buffer.byteLength(body))}${body}`);
    const reply = await new Promise<string>((resolve) =>
      socket.once('data', (chunk) => resolve(String(chunk))),
    );
    socket.destroy();
    t.match(reply, /^HTTP\/1\.1 200/);
    t.match(reply, /"uid":"u-1","allowed":true/);
  });
});
