import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import t from 'tap';
import type { PostgresDB } from '../../../src/api/v1beta1.js';
import {
  AccessChecks,
  type AccessVerdict,
  accessTargetOf,
  showsVerdict,
  verdictOf,
} from '../../../src/controller/access-check.js';
import { newSecret, secretContents } from '../../../src/controller/connection-secret.js';
import { ACCESS_FAILURES, type AccessOutcome, type AccessTarget } from '../../../src/engine/access.js';

const PASSWORD = 'Sup3r-secret.password';
const owner = {
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDB',
  name: 'orders',
  uid: 'u1',
  controller: true,
};
const credentials = { username: 'stow_admin', password: PASSWORD, databaseName: 'app' };
const endpoint = { address: 'localhost', port: 40123 };

function target(password = PASSWORD): AccessTarget {
  return { ...endpoint, username: 'stow_admin', password, databaseName: 'app', sslmode: 'require' };
}

t.test("the target is the Secret's own keys; sslmode from its uri", async (t) => {
  const secret = newSecret('orders', 'shop', owner, secretContents(credentials, endpoint));
  t.same(accessTargetOf(secret), target());
  const withoutEndpoint = newSecret('orders', 'shop', owner, secretContents(credentials));
  t.equal(accessTargetOf(withoutEndpoint), undefined, 'no endpoint yet: nothing to check');
  t.equal(accessTargetOf(undefined), undefined);
  const legacy = newSecret('orders', 'shop', owner, {
    DB_HOST: 'h',
    DB_PORT: '5432',
    DB_USER: 'u',
    DB_PASSWORD: 'p',
    DB_NAME: 'd',
  });
  t.same(accessTargetOf(legacy), {
    address: 'h',
    port: 5432,
    username: 'u',
    password: 'p',
    databaseName: 'd',
    sslmode: 'require',
  });
});

t.test('every verdict names the place and never the password', async (t) => {
  t.match(verdictOf(target(), { connectable: true }, 5000), {
    status: 'True',
    reason: 'Connected',
    message: /localhost:40123 as stow_admin \(database app, sslmode=require\)/,
  });
  fc.assert(
    fc.property(fc.constantFrom(...ACCESS_FAILURES), fc.string(), (reason, detail) => {
      const verdict = verdictOf(target(), { connectable: false, reason, detail }, 5000);
      return (
        verdict.status === 'False' &&
        verdict.reason === reason &&
        verdict.message.includes('localhost:40123') &&
        (detail.includes(PASSWORD) || !verdict.message.includes(PASSWORD))
      );
    }),
  );
  t.match(
    verdictOf(target(), { connectable: false, reason: 'Timeout', detail: 'x' }, 5000).message,
    /within 5 s: .*accessCheck\.enabled: false/,
  );
});

t.test('showsVerdict compares status, reason and message', async (t) => {
  const verdict: AccessVerdict = { status: 'False', reason: 'Timeout', message: 'm' };
  const object = (conditions: unknown[]) => ({ status: { conditions } }) as unknown as PostgresDB;
  t.ok(showsVerdict(object([{ type: 'Connectable', ...verdict }]), verdict));
  t.notOk(showsVerdict(object([{ type: 'Connectable', ...verdict, message: 'other' }]), verdict));
  t.notOk(showsVerdict(object([]), verdict));
  t.notOk(showsVerdict(undefined, verdict));
});

/** A check whose outcomes the test hands out one by one. */
function controlledCheck() {
  const pending: Array<{ target: AccessTarget; resolve: (outcome: AccessOutcome) => void }> = [];
  const check = (checked: AccessTarget) =>
    new Promise<AccessOutcome>((resolve) => pending.push({ target: checked, resolve }));
  return { pending, check };
}

function checks(
  check: (target: AccessTarget) => Promise<AccessOutcome>,
  overrides: Partial<ConstructorParameters<typeof AccessChecks>[0]> = {},
) {
  let now = 0;
  const late: Array<[string, AccessVerdict]> = [];
  const access = new AccessChecks({
    check,
    timeoutMs: 5000,
    recheckAfterMs: 1000,
    waitMs: 200,
    concurrency: 2,
    onVerdict: (key, verdict) => late.push([key, verdict]),
    now: () => now,
    ...overrides,
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { access, late, advance };
}

t.test('a verdict is remembered per target until the recheck period has passed', async (t) => {
  let calls = 0;
  const { access, late, advance } = checks(async () => {
    calls++;
    return { connectable: true };
  });
  const first = await access.verdict('ns/a', target(), 1, { wait: true });
  t.match(first, { status: 'True' });
  t.equal(late.length, 0, 'the waiting reconcile took it: no callback');
  t.match(await access.verdict('ns/a', target(), 1, { wait: false }), { status: 'True' });
  t.equal(calls, 1, 'the same target again: from memory');

  advance(1000);
  t.match(
    await access.verdict('ns/a', target(), 1, { wait: false }),
    { status: 'True' },
    'stale: the last verdict',
  );
  await sleep(0);
  t.equal(calls, 2, 'and a recheck in the background');
  t.same(late, [['ns/a', first]], 'whose verdict goes to the callback (it compares with status)');

  t.equal(
    await access.verdict('ns/a', target('new-password'), 1, { wait: false }),
    undefined,
    'a new password',
  );
  await sleep(0);
  t.equal(calls, 3, 'is checked at once');
  await access.verdict('ns/a', target('new-password'), 2, { wait: true });
  t.equal(calls, 4, 'so is a new generation');
});

t.test('a slow first check: the reconcile stops waiting, the verdict comes to the callback', async (t) => {
  const { pending, check } = controlledCheck();
  const { access, late } = checks(check, { waitMs: 20 });
  t.equal(await access.verdict('ns/a', target(), 1, { wait: true }), undefined);
  t.equal(pending.length, 1);
  t.equal(await access.verdict('ns/a', target(), 1, { wait: false }), undefined, 'joined, not doubled');
  t.equal(pending.length, 1);
  pending[0]!.resolve({ connectable: false, reason: 'Timeout', detail: 'x' });
  await sleep(0);
  t.match(late, [['ns/a', { status: 'False', reason: 'Timeout' }]]);
  t.match(await access.verdict('ns/a', target(), 1, { wait: false }), { reason: 'Timeout' }, 'remembered');
});

t.test('while checks outlast the wait, reconciles do not wait; a quick check ends that', async (t) => {
  const { pending, check } = controlledCheck();
  const { access } = checks(check, { waitMs: 50, concurrency: 8 });
  t.equal(await access.verdict('ns/a', target(), 1, { wait: true }), undefined, 'this one waited in vain');
  const unwaited = access.verdict('ns/b', target(), 1, { wait: true });
  await sleep(0);
  pending[1]!.resolve({ connectable: true });
  t.equal(await unwaited, undefined, 'the next one did not wait, though its check was quick');
  await sleep(0);
  const waited = access.verdict('ns/c', target(), 1, { wait: true });
  await sleep(0);
  pending[2]!.resolve({ connectable: true });
  t.match(await waited, { status: 'True' }, 'after a quick check, reconciles wait again');
});

t.test('a check of an older target, or of a forgotten resource, says nothing', async (t) => {
  const { pending, check } = controlledCheck();
  const { access, late } = checks(check);
  void access.verdict('ns/a', target('old'), 1, { wait: false });
  void access.verdict('ns/a', target('new'), 1, { wait: false });
  void access.verdict('ns/b', target(), 1, { wait: false });
  access.forget('ns/b');
  for (const { resolve } of pending) resolve({ connectable: true });
  await sleep(0);
  t.same(
    late.map(([key]) => key),
    ['ns/a'],
    'only the newest target of a remembered resource',
  );
  t.equal(pending.length, 3);
});

t.test('at most `concurrency` checks run at once; stop() ends the waiting ones', async (t) => {
  let running = 0;
  let most = 0;
  const { access } = checks(async () => {
    running++;
    most = Math.max(most, running);
    await sleep(5);
    running--;
    return { connectable: true };
  });
  const verdicts = await Promise.all(
    Array.from({ length: 7 }, (_, i) => access.verdict(`ns/r${i}`, target(), 1, { wait: true })),
  );
  t.equal(most, 2);
  t.ok(verdicts.every((verdict) => verdict?.status === 'True'));

  const { pending, check } = controlledCheck();
  const stopped = checks(check, { concurrency: 1 });
  void stopped.access.verdict('ns/a', target(), 1, { wait: false });
  const queued = stopped.access.verdict('ns/b', target(), 1, { wait: true });
  stopped.access.stop();
  t.equal(await queued, undefined, 'a stopped checker answers nothing new');
  pending[0]?.resolve({ connectable: true });
  await sleep(0);
  t.same(stopped.late, [], 'and calls back nobody');
});

t.test('a check that throws is a CheckFailed verdict, never a crash', async (t) => {
  const { access } = checks(async () => {
    throw new Error(`boom with ${PASSWORD}`);
  });
  const verdict = await access.verdict('ns/a', target(), 1, { wait: true });
  t.match(verdict, { status: 'False', reason: 'CheckFailed' });
});
