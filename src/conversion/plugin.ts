import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { SERVED_VERSIONS } from '../api/constants.js';
import { assertEveryServedVersionConverts } from './converters.js';
import { conversionMetrics } from './metrics.js';
import { convertReview, serializeOutcome } from './review.js';

/** A list read converts every object of the page in one review, so the limit is well above a single object's. */
export const DEFAULT_CONVERSION_BODY_LIMIT = 64 * 1024 * 1024;

export interface ConversionPluginOptions {
  /** Where `stow_conversions_total` and `stow_conversion_review_duration_seconds` go. Default: a private registry. */
  registry?: Registry;
  /** Largest ConversionReview accepted, in bytes. Default: 64 MiB. */
  bodyLimit?: number;
  /** Versions the CRD serves; registration fails if one has no converter. Default: SERVED_VERSIONS. */
  servedVersions?: readonly string[];
  /** Where malformed reviews and failed conversions are logged. Default: the Fastify instance's logger. */
  logger?: FastifyBaseLogger;
}

/** `POST /convert`: the CRD's conversion webhook (ConversionReview apiextensions.k8s.io/v1). */
export async function conversionPlugin(app: FastifyInstance, opts: ConversionPluginOptions): Promise<void> {
  assertEveryServedVersionConverts(opts.servedVersions ?? SERVED_VERSIONS);
  const metrics = conversionMetrics(opts.registry ?? new Registry());
  const log = opts.logger ?? app.log;

  app.post(
    '/convert',
    { bodyLimit: opts.bodyLimit ?? DEFAULT_CONVERSION_BODY_LIMIT },
    async (request, reply) => {
      const stopTimer = metrics.reviewDuration.startTimer();
      const { outcome, text } = serializeOutcome(request.body, convertReview(request.body));
      if (outcome.statusCode === 400) {
        log.warn({ reason: outcome.body.message }, 'malformed ConversionReview');
      } else {
        for (const { from, to, result, count } of outcome.counts)
          metrics.conversions.inc({ from, to, result }, count);
        const { result } = outcome.body.response;
        if (result.status === 'Failure') log.warn({ reason: result.message }, 'conversion failed');
      }
      stopTimer({ result: String(outcome.statusCode) });
      return reply.code(outcome.statusCode).type('application/json; charset=utf-8').send(text);
    },
  );
}
