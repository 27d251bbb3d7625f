import t from 'tap';
import type { KubeClient, RequestOptions } from '../../../src/kube/client.js';
import { subjectAccessReviewAuthorizer } from '../../../src/admission/adoption-authorizer.js';

// The SubjectAccessReview itself is answered by a real API server in test/e2e/tenancy.test.ts; this
// pins what is sent, and how answers and failures become reasons.
function client(answer: (body: unknown) => unknown): KubeClient & { sent: unknown[] } {
  const sent: unknown[] = [];
  return {
    sent,
    async request<T>(_method: string, _path: string, options?: RequestOptions) {
      sent.push(options?.body);
      return answer(options?.body) as T;
    },
    watch: async () => undefined,
    close: () => undefined,
  };
}

t.test('asks for the adopt verb on postgresdbs for the request user, groups and extra', async (t) => {
  const fake = client(() => ({ status: { allowed: true } }));
  const answer = await subjectAccessReviewAuthorizer(fake).mayAdopt(
    {
      username: 'alice',
      uid: 'u-1',
      groups: ['devs', 'system:authenticated'],
      extra: { scopes: ['a'], bad: [1] },
    },
    'team-a',
    'orders',
  );
  t.same(answer, { allowed: true });
  t.match(fake.sent[0], {
    kind: 'SubjectAccessReview',
    spec: {
      user: 'alice',
      uid: 'u-1',
      groups: ['devs', 'system:authenticated'],
      extra: { scopes: ['a'] },
      resourceAttributes: {
        namespace: 'team-a',
        verb: 'adopt',
        group: 'stow.dev',
        resource: 'postgresdbs',
        name: 'orders',
      },
    },
  });
  t.notOk(
    (fake.sent[0] as { spec: { extra: Record<string, unknown> } }).spec.extra.bad,
    'malformed extra left out',
  );
});

t.test('a denial, a failure and a missing user are refusals with reasons', async (t) => {
  const denied = await subjectAccessReviewAuthorizer(client(() => ({ status: { allowed: false } }))).mayAdopt(
    { username: 'bob' },
    'team-b',
    'x',
  );
  t.same(denied.allowed, false);
  t.match(
    denied.reason,
    /user "bob" may not "adopt" postgresdbs\.stow\.dev in namespace "team-b"; a cluster admin can grant it/,
  );
  const failing = client(() => {
    throw new Error('503 ServiceUnavailable');
  });
  const failed = await subjectAccessReviewAuthorizer(failing).mayAdopt({ username: 'bob' }, 'team-b', 'x');
  t.same(failed, {
    allowed: false,
    reason: 'the adopt permission could not be checked (503 ServiceUnavailable); try again',
  });
  for (const userInfo of [undefined, null, 'alice', { username: 7 }, {}]) {
    const none = await subjectAccessReviewAuthorizer(client(() => ({ status: { allowed: true } }))).mayAdopt(
      userInfo,
      'a',
      'b',
    );
    t.same(none, { allowed: false, reason: 'the request names no user' }, JSON.stringify(userInfo));
  }
});
