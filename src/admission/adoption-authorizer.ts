import { ADOPT_VERB, GROUP, PLURAL } from '../api/constants.js';
import type { KubeClient } from '../kube/client.js';
import { isJsonObject } from '../util/json-object.js';

export interface AuthorizationAnswer {
  allowed: boolean;
  /** Why not, in words a user can act on. */
  reason?: string;
}

/** Whether the user behind an admission request may adopt an existing instance in a namespace. */
export interface AdoptionAuthorizer {
  mayAdopt(userInfo: unknown, namespace: string, name: string): Promise<AuthorizationAnswer>;
}

/** Without an API server to ask (webhooks tested alone), adoption is never authorized. */
export const NO_ADOPTION: AdoptionAuthorizer = {
  mayAdopt: async () => ({ allowed: false, reason: 'the adopt permission cannot be checked' }),
};

const stringArray = (value: unknown) =>
  Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;

/** The request's userInfo as a SubjectAccessReview spec wants it; anything malformed is left out. */
function subjectOf(userInfo: unknown) {
  if (!isJsonObject(userInfo) || typeof userInfo.username !== 'string') return undefined;
  const extra = isJsonObject(userInfo.extra)
    ? Object.fromEntries(
        Object.entries(userInfo.extra).flatMap(([key, value]) => {
          const values = stringArray(value);
          return values ? [[key, values]] : [];
        }),
      )
    : undefined;
  return {
    user: userInfo.username,
    ...(typeof userInfo.uid === 'string' ? { uid: userInfo.uid } : {}),
    ...(stringArray(userInfo.groups) ? { groups: stringArray(userInfo.groups) } : {}),
    ...(extra ? { extra } : {}),
  };
}

interface SubjectAccessReviewStatus {
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
}

/**
 * Asks the API server with a SubjectAccessReview for the `adopt` verb on postgresdbs in the namespace,
 * a verb the chart grants only through its stow-postgresdb-adopt ClusterRole (never through `edit`).
 */
export function subjectAccessReviewAuthorizer(client: KubeClient): AdoptionAuthorizer {
  return {
    async mayAdopt(userInfo, namespace, name) {
      const subject = subjectOf(userInfo);
      if (!subject) return { allowed: false, reason: 'the request names no user' };
      let review: SubjectAccessReviewStatus;
      try {
        review = await askApiServer(subject, namespace, name);
      } catch (error) {
        return {
          allowed: false,
          reason: `the adopt permission could not be checked (${(error as Error).message}); try again`,
        };
      }
      if (review.status?.allowed === true) return { allowed: true };
      return {
        allowed: false,
        reason: `user ${JSON.stringify(subject.user)} may not "${ADOPT_VERB}" ${PLURAL}.${GROUP} in namespace ${JSON.stringify(namespace)}; a cluster admin can grant it with the stow-postgresdb-adopt ClusterRole`,
      };
    },
  };

  function askApiServer(subject: NonNullable<ReturnType<typeof subjectOf>>, namespace: string, name: string) {
    return client.request<SubjectAccessReviewStatus>(
      'POST',
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            ...subject,
            resourceAttributes: { namespace, verb: ADOPT_VERB, group: GROUP, resource: PLURAL, name },
          },
        },
      },
    );
  }
}
