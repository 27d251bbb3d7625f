// The webhook server as a replica runs it (admission and conversion on one Fastify instance), for
// inject() tests, and helpers to post raw JSON text to it: hostile bodies are written as text so that
// a key such as __proto__ reaches the server exactly as spelled.
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config/load.js';
import { conversionPlugin } from '../../src/conversion/plugin.js';
import { silentLogger } from '../../src/util/logger.js';
import { buildWebhookServer } from '../../src/server/server.js';
import { admissionRoutes } from '../../src/admission/plugin.js';
import { postgresDatabaseAdmission } from '../../src/admission/postgres-database.js';
import { postgresDBAdmission } from '../../src/admission/postgresdb.js';
import { postgresDBSnapshotAdmission } from '../../src/admission/postgres-db-snapshot.js';

export function webhookApp(): FastifyInstance {
  const registry = new Registry();
  const logger = silentLogger();
  const config = loadConfig();
  return buildWebhookServer({
    logger,
    registry,
    routes: [
      admissionRoutes(
        [postgresDBAdmission(config), postgresDatabaseAdmission(config), postgresDBSnapshotAdmission()],
        logger,
      ),
    ],
    plugins: [async (app) => conversionPlugin(app, { registry })],
  });
}

export type Route =
  | '/mutate'
  | '/validate'
  | '/convert'
  | '/mutate/postgresdatabases'
  | '/validate/postgresdatabases'
  | '/mutate/postgresdbsnapshots'
  | '/validate/postgresdbsnapshots';

/** POSTs `body` (JSON text, or a value to serialise) as application/json. */
export async function post(app: FastifyInstance, url: Route, body: unknown) {
  const res = await app.inject({
    method: 'POST',
    url,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { statusCode: res.statusCode, body: res.body, json: () => JSON.parse(res.body) };
}

export const ADMISSION_UID = '0c0ffee0-0000-4000-8000-000000000014';
export const CONVERSION_UID = '0c0ffee0-0000-4000-8000-000000000015';

/** An AdmissionReview around `objectJson`, the object's JSON text. */
export function admissionReviewText(
  objectJson: string,
  request: Record<string, unknown> = {},
  oldObjectJson?: string,
): string {
  const fields = JSON.stringify({ uid: ADMISSION_UID, operation: 'CREATE', ...request }).slice(1, -1);
  const old = oldObjectJson === undefined ? '' : `,"oldObject":${oldObjectJson}`;
  return `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{${fields},"object":${objectJson}${old}}}`;
}

/** A ConversionReview of the objects, each given as JSON text. */
export function conversionReviewText(objectsJson: string[], desiredAPIVersion: string): string {
  const fields = JSON.stringify({ uid: CONVERSION_UID, desiredAPIVersion }).slice(1, -1);
  return `{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{${fields},"objects":[${objectsJson.join(',')}]}}`;
}

/** Decodes a review's base64 JSON Patch. */
export function decodePatch(patch: string): Array<{ op: string; path: string; value?: unknown }> {
  return JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
}
