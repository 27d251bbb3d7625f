import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../util/logger.js';
import { healthPlugin } from './health-plugin.js';
import { parseJsonBody } from './json-body.js';
import { type RequestMetrics, requestMetrics } from './request-metrics.js';

/** The API server sends at most ~3 MiB objects; controller-runtime caps reviews at 7 MiB. */
export const MAX_REVIEW_BYTES = 7 * 1024 * 1024;
export const TLS_MIN_VERSION = 'TLSv1.2';

/**
 * How long the webhook server waits for a client, in milliseconds. The API server sends a review at
 * once and gives up on a webhook after its timeout (10 s by default, 30 s at most), so a client still
 * sending after these is not the API server, and only holds a connection (ADR 0014).
 */
export interface WebhookTimeouts {
  /** To complete the TLS handshake. */
  handshake: number;
  /** To send the request headers, from the start of the request. */
  headers: number;
  /** To send the whole request, headers and body. */
  request: number;
  /** Of silence on a connection before its first request or during one. */
  idle: number;
  /**
   * Of silence on a connection between requests. Longer than the 90 s the API server's HTTP client keeps
   * an idle connection, so the server never closes one the API server may be reusing at that moment: a
   * POST lost that way is not retried, and the write it admits fails.
   */
  keepAlive: number;
  /** How often Node checks `headers` and `request`; a late client is dropped up to this much later. */
  checkInterval: number;
}

export const WEBHOOK_TIMEOUTS: Readonly<WebhookTimeouts> = {
  handshake: 10_000,
  headers: 10_000,
  request: 30_000,
  idle: 30_000,
  keepAlive: 95_000,
  checkInterval: 1_000,
};

export type ErrorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown;

/** What routes that record their own metrics get from the server: its request metrics and error handler. */
export interface RouteKit {
  metrics: RequestMetrics;
  handleError: ErrorHandler;
}

/**
 * Routes on the hot path (admission): they record their own request metrics after replying, because
 * an onResponse hook costs them about 3 µs of server CPU per request (ADR 0013).
 */
export type SelfRecordingRoutes = (app: FastifyInstance, kit: RouteKit) => Promise<void>;

export interface WebhookServerOptions {
  logger: Logger;
  registry: Registry;
  /** PEM key pair; without it the server speaks plain HTTP (tests with inject() only). */
  tls?: { key: string; cert: string };
  /** Hot routes, e.g. admission: each in a context of its own, recording its own metrics. */
  routes?: SelfRecordingRoutes[];
  /** Further routes, e.g. the conversion webhook: recorded by the server's onResponse hook. */
  plugins?: FastifyPluginAsync[];
  /** WEBHOOK_TIMEOUTS unless given (tests shorten them). */
  timeouts?: Partial<WebhookTimeouts>;
}

function clientErrorMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'content type must be application/json';
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return `request body larger than ${MAX_REVIEW_BYTES} bytes`;
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return 'request body is empty; expected an AdmissionReview or ConversionReview';
  if (error.validation) return `malformed review: ${error.message}`;
  return error.message;
}

/** The HTTPS server of every replica: the routes it is given (admission, conversion) and /healthz. */
export function buildWebhookServer(opts: WebhookServerOptions): FastifyInstance {
  // No logger for Fastify itself: handlers log with the review's uid through opts.logger, and a
  // request logger (even one shared, not a child) costs Fastify a check on every request.
  const timeouts = { ...WEBHOOK_TIMEOUTS, ...opts.timeouts };
  // Node's own server options: Fastify sets the other timeouts itself, and these only at creation.
  const nodeServerOptions = {
    requestTimeout: timeouts.request,
    headersTimeout: timeouts.headers,
    connectionsCheckingInterval: timeouts.checkInterval,
  };
  const app = Fastify({
    bodyLimit: MAX_REVIEW_BYTES,
    return503OnClosing: true,
    connectionTimeout: timeouts.idle,
    requestTimeout: timeouts.request,
    keepAliveTimeout: timeouts.keepAlive,
    // A review is checked as sent: Fastify's default Ajv would coerce `uid: 123` to "123" and
    // `dryRun: "true"` to true, and answer a review the API server never sent.
    ajv: { customOptions: { coerceTypes: false } },
    ...(opts.tls
      ? {
          https: {
            key: opts.tls.key,
            cert: opts.tls.cert,
            minVersion: TLS_MIN_VERSION,
            handshakeTimeout: timeouts.handshake,
            ...nodeServerOptions,
          },
        }
      : { http: nodeServerOptions }),
  }) as unknown as FastifyInstance;
  // Reviews are JSON only (without this, a text/plain body would reach validation as a string), and
  // JSON is parsed by parseJsonBody: Fastify's default answers, without its scans where none are needed.
  app.removeContentTypeParser(['text/plain', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  const metrics = requestMetrics(opts.registry, 'webhook');
  const handleError: ErrorHandler = (error, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply.code(status).send({ error: 'BadRequest', message: clientErrorMessage(error) });
    }
    opts.logger.error({ err: error, url: request.url }, 'unhandled webhook error');
    return reply.code(500).send({ error: 'InternalError', message: 'internal error; see the operator log' });
  };
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      error: 'NotFound',
      message: `no route ${request.method} ${request.url}; webhooks are POST /mutate, /validate, /convert`,
    });
    metrics.record('unmatched', reply);
  });

  // Every response is recorded once: hot routes record their own, the other routes are recorded by
  // the hook of the context they are registered in, and unknown routes by the not-found handler.
  for (const routes of opts.routes ?? [])
    app.register(async (scoped) => routes(scoped, { metrics, handleError }));
  app.register(async (instrumented) => {
    instrumented.addHook('onResponse', metrics.onResponse);
    await instrumented.register(healthPlugin, {});
    for (const plugin of opts.plugins ?? []) await instrumented.register(plugin);
  });
  return app;
}

/** Swaps the serving certificate of a running HTTPS server (new connections use it at once). */
export function replaceCertificate(app: FastifyInstance, pair: { key: string; cert: string }): void {
  const server = app.server as unknown as { setSecureContext?: (options: object) => void };
  server.setSecureContext?.({ key: pair.key, cert: pair.cert, minVersion: TLS_MIN_VERSION });
}

/** Plain-HTTP server for probes and Prometheus, on its own port. */
export function buildMetricsServer(opts: {
  logger: Logger;
  registry: Registry;
  /** Metrics of another thread (the controller's), served with the registry's. */
  moreMetrics?: () => Promise<object[] | undefined>;
  notReadyReason: () => string | undefined;
}): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  app.register(healthPlugin, {
    notReadyReason: opts.notReadyReason,
    registry: opts.registry,
    ...(opts.moreMetrics ? { moreMetrics: opts.moreMetrics } : {}),
  });
  return app;
}
