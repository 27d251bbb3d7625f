import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Status } from './types.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** `text` returns the body as it came (e.g. /metrics). Default `json`. */
  responseType?: 'json' | 'text';
  /** The Accept header; default `application/json`. */
  accept?: string;
}

export interface WatchOptions {
  /** The Accept header; default `application/json`. */
  accept?: string;
}

/** Called once per request with its method (WATCH for a watch) and path, when the answer is complete. */
export type RequestObserver = (method: string, path: string, statusCode: number) => void;

export interface KubeClient {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** Streams a watch; resolves when the server ends it, rejects when the connection fails. */
  watch(
    path: string,
    query: Query,
    onEvent: (event: unknown) => void,
    signal: AbortSignal,
    options?: WatchOptions,
  ): Promise<void>;
  close(): void;
}

export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    /** The API server's own words (its Status message), without the code and reason. */
    readonly serverMessage: string = message,
  ) {
    super(message);
  }
}

export function isKubeError(error: unknown, statusCode?: number): error is KubeApiError {
  return error instanceof KubeApiError && (statusCode === undefined || error.statusCode === statusCode);
}

const AUTH_REFRESH_MS = 60_000;

interface Transport {
  base: URL;
  agent: http.Agent;
  tls: https.RequestOptions;
}

function toQueryString(query: Query | undefined): string {
  const entries = Object.entries(query ?? {}).filter(
    (entry): entry is [string, string | number | boolean] => entry[1] !== undefined,
  );
  const params = new URLSearchParams();
  for (const [key, value] of entries) params.set(key, String(value));
  return entries.length ? `?${params.toString()}` : '';
}

function errorFromBody(statusCode: number, text: string): KubeApiError {
  let status: Status = {};
  try {
    status = JSON.parse(text) as Status;
  } catch {}
  const reason = status.reason ?? http.STATUS_CODES[statusCode] ?? 'Unknown';
  return new KubeApiError(
    statusCode,
    reason,
    `${statusCode} ${reason}: ${status.message ?? text.slice(0, 200)}`,
    status.message ?? (text.slice(0, 200) || `HTTP ${statusCode}`),
  );
}

/**
 * A small JSON client over node:http(s) with one keep-alive agent: the kubeconfig (file, in-cluster,
 * exec plugins) gives TLS material and credentials; credentials are re-read every minute so rotated
 * tokens are picked up.
 */
export interface KubeClientOptions {
  observe?: RequestObserver;
  /** A request (not a watch) without an answer for this long fails: a half-open connection must not block a worker. Default 30 s. */
  requestTimeoutMs?: number;
}

export async function createKubeClient(
  kubeConfig: KubeConfig,
  options: KubeClientOptions = {},
): Promise<KubeClient> {
  const { observe } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const base = new URL(cluster.server);
  const secure = base.protocol === 'https:';

  async function readAuth(): Promise<https.RequestOptions> {
    const options: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(options);
    (options.agent as http.Agent | undefined)?.destroy();
    delete options.agent;
    return options;
  }

  let auth = await readAuth();
  let authReadAt = Date.now();
  const agentOptions = { keepAlive: true, maxSockets: 64, maxFreeSockets: 16 };
  const transport: Transport = {
    base,
    agent: secure
      ? new https.Agent({
          ...agentOptions,
          ca: auth.ca,
          cert: auth.cert,
          key: auth.key,
          rejectUnauthorized: auth.rejectUnauthorized ?? true,
          servername: auth.servername,
        })
      : new http.Agent(agentOptions),
    tls: auth,
  };

  async function headers(): Promise<http.OutgoingHttpHeaders> {
    if (Date.now() - authReadAt > AUTH_REFRESH_MS) {
      auth = await readAuth();
      authReadAt = Date.now();
    }
    const result: http.OutgoingHttpHeaders = {
      accept: 'application/json',
      ...(auth.headers as http.OutgoingHttpHeaders),
    };
    if (auth.auth) result.authorization = `Basic ${Buffer.from(auth.auth).toString('base64')}`;
    return result;
  }

  function send(
    method: string,
    path: string,
    options: RequestOptions,
    requestHeaders: http.OutgoingHttpHeaders,
  ) {
    const url = new URL(
      transport.base.pathname.replace(/\/$/, '') + path + toQueryString(options.query),
      transport.base,
    );
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    if (options.accept) requestHeaders.accept = options.accept;
    if (body) {
      requestHeaders['content-type'] = options.contentType ?? 'application/json';
      requestHeaders['content-length'] = body.length;
    }
    const request = (secure ? https : http).request(url, {
      method,
      agent: transport.agent,
      headers: requestHeaders,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { request, body };
  }

  return {
    async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
      const { request, body } = send(method, path, options, await headers());
      return new Promise<T>((resolve, reject) => {
        request.setTimeout(requestTimeoutMs, () =>
          request.destroy(new Error(`${method} ${path}: no answer within ${requestTimeoutMs} ms`)),
        );
        request.on('error', reject);
        request.on('response', (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const statusCode = response.statusCode ?? 0;
            observe?.(method, path, statusCode);
            const text = Buffer.concat(chunks).toString('utf8');
            if (statusCode >= 400) return reject(errorFromBody(statusCode, text));
            if (options.responseType === 'text') return resolve(text as T);
            try {
              resolve((text ? JSON.parse(text) : undefined) as T);
            } catch (error) {
              reject(error);
            }
          });
        });
        request.end(body);
      });
    },

    async watch(
      path: string,
      query: Query,
      onEvent: (event: unknown) => void,
      signal: AbortSignal,
      options: WatchOptions = {},
    ): Promise<void> {
      const { request } = send(
        'GET',
        path,
        { query: { ...query, watch: true }, signal, ...options },
        await headers(),
      );
      return new Promise<void>((resolve, reject) => {
        const fail = (error: Error) => (signal.aborted ? resolve() : reject(error));
        request.on('error', fail);
        request.on('response', (response) => {
          const statusCode = response.statusCode ?? 0;
          observe?.('WATCH', path, statusCode);
          if (statusCode >= 400) {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              reject(errorFromBody(statusCode, Buffer.concat(chunks).toString('utf8'))),
            );
            return;
          }
          let buffered = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            buffered += chunk;
            let newline = buffered.indexOf('\n');
            while (newline >= 0) {
              const line = buffered.slice(0, newline).trim();
              buffered = buffered.slice(newline + 1);
              if (line) {
                try {
                  onEvent(JSON.parse(line));
                } catch (error) {
                  request.destroy(error as Error);
                  return;
                }
              }
              newline = buffered.indexOf('\n');
            }
          });
          response.on('error', fail);
          response.on('aborted', () => fail(new Error('watch connection aborted')));
          response.on('end', () => resolve());
        });
        request.end();
      });
    },

    close() {
      transport.agent.destroy();
    },
  };
}
