import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { type ActionContext, actionHandlers } from './actions/index.js';
import type { CallLog } from './call-log.js';
import { internalFailure, invalidAction, missingAction, RdsError } from './errors.js';
import type { FaultInjector } from './faults.js';
import type { HeldResponses } from './held-responses.js';
import { QueryParams } from './query-params.js';
import { errorResponse, successResponse } from './responses.js';

export interface QueryApiDependencies {
  context: ActionContext;
  faults: FaultInjector;
  callLog: CallLog;
  held: HeldResponses;
}

/** The RDS Query API (awsQuery): form-encoded `Action=…` POSTs to `/`, XML answers. */
export function queryApi({ context, faults, callLog, held }: QueryApiDependencies): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => {
        done(null, QueryParams.fromForm(body as string));
      },
    );

    app.post('/', async (request, reply) => {
      const started = performance.now();
      const params = request.body instanceof QueryParams ? request.body : new QueryParams([]);
      const action = params.string('Action') ?? '';
      const requestId = randomUUID();
      const resource =
        params.string('DBInstanceIdentifier') ??
        params.string('TargetDBInstanceIdentifier') ??
        params.string('DBSnapshotIdentifier') ??
        params.string('ResourceName');
      const log = (httpStatus: number, extra: { errorCode?: string; held?: boolean } = {}) => {
        const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
        callLog.record({ action: action || '(none)', httpStatus, resource, durationMs, ...extra });
        request.log.debug({ action, resource, httpStatus, ...extra }, 'rds emulator call');
      };

      try {
        if (!action) throw missingAction();
        const handler = actionHandlers.get(action);
        if (!handler) throw invalidAction(action);
        await faults.delay(action);
        const injected = faults.failureFor(action, resource);
        if (injected) throw injected;
        const resultXml = handler(params, context);
        if (faults.takeHold(action)) {
          log(0, { held: true });
          reply.hijack();
          held.hold(reply.raw);
          return;
        }
        log(200);
        return reply
          .code(200)
          .header('x-amzn-requestid', requestId)
          .type('text/xml')
          .send(successResponse(action, resultXml, requestId));
      } catch (caught) {
        const error = caught instanceof RdsError ? caught : internalFailure();
        if (!(caught instanceof RdsError))
          request.log.error({ err: caught, action }, 'rds emulator action failed');
        log(error.httpStatus, { errorCode: error.code });
        return reply
          .code(error.httpStatus)
          .header('x-amzn-requestid', requestId)
          .type('text/xml')
          .send(errorResponse(error, requestId));
      }
    });
  };
}
