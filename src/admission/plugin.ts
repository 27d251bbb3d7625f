import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import type { Logger } from '../util/logger.js';
import { isStackOverflow } from '../util/stack-overflow.js';
import { type RequestMetrics, routeOf } from '../server/request-metrics.js';
import type { SelfRecordingRoutes } from '../server/server.js';
import {
  type AnyKindAdmission,
  mutatingHandler,
  type ReviewHandler,
  validatingHandler,
} from './framework.js';
import {
  type AdmissionRequest,
  type AdmissionResponse,
  AdmissionReviewBody,
  AdmissionReviewReply,
  errored,
  review,
} from './review.js';

interface RouteOptions {
  logger: Logger;
  /** Every response of these routes is recorded here, answers and errors alike. */
  metrics: RequestMetrics;
}

/**
 * The handler's response; a thrown error becomes an errored review, and a denial a debug line. Most
 * reviews are answered synchronously; a promise only where the API server must be asked (a namespace
 * not yet seen, an adoption's SubjectAccessReview). A value nested so deep that reading it overflows
 * the stack is the request's fault (ADR 0014).
 */
function answer(
  url: string,
  handler: ReviewHandler,
  request: AdmissionRequest,
  opts: RouteOptions,
): AdmissionResponse | Promise<AdmissionResponse> {
  const failed = (error: unknown) => {
    if (isStackOverflow(error)) {
      return errored(
        request.uid,
        400,
        'request.object or request.oldObject is nested too deeply to read; no object Stow admits nests so deep',
      );
    }
    opts.logger.error({ err: error, uid: request.uid }, `${url} failed`);
    return errored(request.uid, 500, `internal error in ${url}: ${(error as Error).message}`);
  };
  try {
    const response = handler(request);
    return response instanceof Promise
      ? response.then((settled) => logDenial(url, request, settled, opts), failed)
      : logDenial(url, request, response, opts);
  } catch (error) {
    return failed(error);
  }
}

function logDenial(
  url: string,
  request: AdmissionRequest,
  response: AdmissionResponse,
  opts: RouteOptions,
): AdmissionResponse {
  if (!response.allowed) {
    opts.logger.debug(
      {
        uid: request.uid,
        op: request.operation,
        name: request.name,
        ns: request.namespace,
        message: response.status?.message,
      },
      `${url} denied`,
    );
  }
  return response;
}

/**
 * The admission webhooks of the given kinds, each at its two paths: every well-formed AdmissionReview
 * is answered with a review.
 */
export function admissionRoutes(kinds: readonly AnyKindAdmission[], logger: Logger): SelfRecordingRoutes {
  return async (app, { metrics, handleError }) => {
    const opts = { logger, metrics };
    const typed = app.withTypeProvider<TypeBoxTypeProvider>();
    // The routes record their own metrics, after the reply is written (see buildWebhookServer).
    typed.setErrorHandler((error, request, reply) => {
      handleError(error as FastifyError, request, reply);
      metrics.record(routeOf(request), reply);
    });
    // A handler that sends rather than an async one: the review is computed synchronously, and a
    // promise per request would only add a microtask and its bookkeeping to the hot path.
    const route = (url: string, handler: ReviewHandler) =>
      typed.post(
        url,
        { schema: { body: AdmissionReviewBody, response: { 200: AdmissionReviewReply } } },
        (req, reply) => {
          const send = (response: AdmissionResponse) => {
            reply.send(review(req.body.apiVersion, response));
            metrics.record(url, reply);
          };
          const response = answer(url, handler, req.body.request, opts);
          if (response instanceof Promise) void response.then(send);
          else send(response);
        },
      );
    for (const kind of kinds) {
      route(kind.mutatePath, mutatingHandler(kind));
      route(kind.validatePath, validatingHandler(kind));
    }
  };
}
