import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy whose live connections can be cut (reset) or frozen (silent, like a half-open link). */
export interface TcpProxy {
  port: number;
  /** Destroys every live connection; new ones go through. */
  cut(): number;
  /** Stops forwarding on every live connection without closing it; new ones go through. */
  freeze(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const live = new Set<{ client: Socket; upstream: Socket }>();
  const frozen = new Set<{ client: Socket; upstream: Socket }>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair = { client, upstream };
    live.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      live.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    cut() {
      const count = live.size;
      for (const { client, upstream } of [...live]) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      live.clear();
      return count;
    },
    freeze() {
      const count = live.size;
      for (const pair of [...live]) {
        pair.client.unpipe(pair.upstream);
        pair.upstream.unpipe(pair.client);
        pair.client.pause();
        pair.upstream.pause();
        live.delete(pair);
        frozen.add(pair);
      }
      return count;
    },
    async close() {
      for (const { client, upstream } of [...live, ...frozen]) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
