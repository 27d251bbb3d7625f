import { type Static, Type } from 'typebox';
import { literalUnion } from '../api/literal-union.js';
import { utf8Base64 } from '../util/base64.js';

const GroupVersionKind = Type.Object({ group: Type.String(), version: Type.String(), kind: Type.String() });

/** What Fastify checks before a handler runs; anything else is a malformed review (HTTP 400). */
export const AdmissionReviewBody = Type.Object({
  apiVersion: Type.Union([Type.Literal('admission.k8s.io/v1'), Type.Literal('admission.k8s.io/v1beta1')]),
  kind: Type.Literal('AdmissionReview'),
  request: Type.Object({
    uid: Type.String({ minLength: 1 }),
    kind: Type.Optional(GroupVersionKind),
    requestKind: Type.Optional(GroupVersionKind),
    operation: literalUnion(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
    name: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    object: Type.Optional(Type.Unknown()),
    oldObject: Type.Optional(Type.Unknown()),
    dryRun: Type.Optional(Type.Boolean()),
    // Read only to authorize an adoption (a SubjectAccessReview), which checks its parts itself.
    userInfo: Type.Optional(Type.Unknown()),
  }),
});
export type AdmissionReviewBody = Static<typeof AdmissionReviewBody>;
export type AdmissionRequest = AdmissionReviewBody['request'];
export type Operation = AdmissionRequest['operation'];

/** The reply's shape, so Fastify serialises it with a compiled serializer (every request). */
export const AdmissionReviewReply = Type.Object({
  apiVersion: Type.String(),
  kind: Type.Literal('AdmissionReview'),
  response: Type.Object({
    uid: Type.String(),
    allowed: Type.Boolean(),
    status: Type.Optional(
      Type.Object({ code: Type.Integer(), message: Type.String(), reason: Type.Optional(Type.String()) }),
    ),
    patchType: Type.Optional(Type.Literal('JSONPatch')),
    // Base64 never needs JSON escaping; 'unsafe' spares the serializer a scan of ~1 KiB per reply.
    patch: Type.Optional(Type.String({ format: 'unsafe' })),
    warnings: Type.Optional(Type.Array(Type.String())),
  }),
});

export type AdmissionResponse = Static<typeof AdmissionReviewReply>['response'];

export type AdmissionReviewResponse = Static<typeof AdmissionReviewReply>;

/** Small constructors in the spirit of controller-runtime's admission package. */
export const allowed = (uid: string): AdmissionResponse => ({ uid, allowed: true });

export const denied = (uid: string, message: string, code = 422): AdmissionResponse => ({
  uid,
  allowed: false,
  status: { code, reason: code === 422 ? 'Invalid' : 'BadRequest', message },
});

export const errored = (uid: string, code: number, message: string): AdmissionResponse => ({
  uid,
  allowed: false,
  status: { code, message },
});

export function patched(uid: string, operations: readonly unknown[]): AdmissionResponse {
  if (operations.length === 0) return allowed(uid);
  return {
    uid,
    allowed: true,
    patchType: 'JSONPatch',
    patch: utf8Base64(JSON.stringify(operations)),
  };
}

export function withWarnings(response: AdmissionResponse, warnings: readonly string[]): AdmissionResponse {
  return warnings.length ? { ...response, warnings: [...warnings] } : response;
}

export function review(apiVersion: string, response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion, kind: 'AdmissionReview', response };
}
