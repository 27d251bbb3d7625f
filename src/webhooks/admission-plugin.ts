import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { OperatorConfig } from '../config/schema.js';
import type { Logger } from '../util/logger.js';
import { mutate, validate } from './admission-handlers.js';
import {
  type AdmissionRequest,
  type AdmissionResponse,
  AdmissionReviewBody,
  AdmissionReviewReply,
  errored,
  review,
} from './admission-review.js';

export interface AdmissionPluginOptions {
  config: OperatorConfig;
  logger: Logger;
}

type Handler = (request: AdmissionRequest, config: OperatorConfig) => AdmissionResponse;

/** /mutate and /validate: every well-formed AdmissionReview is answered with a review. */
export async function admissionPlugin(app: FastifyInstance, opts: AdmissionPluginOptions): Promise<void> {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const route = (url: string, handler: Handler) =>
    typed.post(
      url,
      { schema: { body: AdmissionReviewBody, response: { 200: AdmissionReviewReply } } },
      async (req) => {
        const { apiVersion, request } = req.body;
        try {
          const response = handler(request, opts.config);
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
          return review(apiVersion, response);
        } catch (error) {
          opts.logger.error({ err: error, uid: request.uid }, `${url} failed`);
          return review(
            apiVersion,
            errored(request.uid, 500, `internal error in ${url}: ${(error as Error).message}`),
          );
        }
      },
    );
  route('/mutate', mutate);
  route('/validate', validate);
}
