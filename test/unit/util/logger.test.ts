import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { createLogger, withLogFields } from '../../../src/util/logger.js';

// The log format log collectors expect: string levels, ISO times, errors with their stack, the fields
// of the work a line belongs to, and never a secret value.

function capture(level = 'debug') {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines, raw };
}

t.test('a string level and an ISO time; nothing else unasked for', async (t) => {
  const { logger, lines } = capture();
  logger.info({ namespace: 'apps', name: 'orders' }, 'hello');
  logger.child({ component: 'controller' }).warn('careful');
  t.match(lines[0], { level: 'info', namespace: 'apps', name: 'orders', msg: 'hello' });
  t.match(lines[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  t.same(
    Object.keys(lines[0]!).sort(),
    ['level', 'msg', 'name', 'namespace', 'time'],
    'no pid, host or logger name',
  );
  t.match(lines[1], { level: 'warn', component: 'controller', msg: 'careful' });
});

t.test('an error under err keeps its type, message, stack and own fields', async (t) => {
  const { logger, lines } = capture();
  class KubeApiError extends Error {
    override name = 'KubeApiError';
    constructor(readonly statusCode: number) {
      super('PATCH /apis/x: 409 Conflict');
    }
  }
  logger.warn({ err: new KubeApiError(409) }, 'could not write');
  const err = lines[0]!.err as Record<string, unknown>;
  t.equal(err.type, 'KubeApiError');
  t.equal(err.message, 'PATCH /apis/x: 409 Conflict');
  t.equal(err.statusCode, 409);
  t.match(err.stack, /^KubeApiError: PATCH \/apis\/x: 409 Conflict\n\s+at /, 'the stack');
  logger.warn({ err: 'a string thrown' }, 'odd');
  t.equal(lines[1]!.err, 'a string thrown', 'a thrown non-error as it was');
});

t.test('withLogFields: every line of a piece of work, across awaits, and of that work only', async (t) => {
  const { logger, lines } = capture();
  const child = logger.child({ component: 'events' });
  const work = (id: string, delayMs: number) =>
    withLogFields({ reconcileID: id, namespace: 'apps', name: `db-${id}` }, async () => {
      logger.debug('start');
      await sleep(delayMs);
      child.info({ reason: 'Created' }, 'event');
      setTimeout(() => logger.debug('timer set inside'), 1);
    });
  await Promise.all([work('one', 20), work('two', 5)]);
  logger.info('outside');
  await sleep(10);
  const of = (id: string) => lines.filter((line) => line.reconcileID === id);
  t.same(
    of('one').map((line) => `${line.msg} ${line.name}`),
    ['start db-one', 'event db-one', 'timer set inside db-one'],
  );
  t.same(
    of('two').map((line) => `${line.msg} ${line.name}`),
    ['start db-two', 'event db-two', 'timer set inside db-two'],
  );
  t.match(of('one')[1], { component: 'events', reason: 'Created', namespace: 'apps' }, 'child loggers too');
  const outside = lines.find((line) => line.msg === 'outside');
  t.notOk(outside?.reconcileID, 'a line outside the work has no reconcile id');
  t.notOk(outside?.name);
});

t.test("a line's own field wins over the work's", async (t) => {
  const { logger, lines } = capture();
  withLogFields({ namespace: 'apps', name: 'orders' }, () =>
    logger.info({ kind: 'Lease', namespace: 'stow-system', name: 'stow-controller' }, 'event'),
  );
  t.match(lines[0], { namespace: 'stow-system', name: 'stow-controller' });
  t.equal(Object.keys(lines[0]!).filter((key) => key === 'name').length, 1, 'one name field, not two');
});

t.test('no secret value in any line: redacted fields, errors included', async (t) => {
  const { logger, raw } = capture();
  const SECRET = 's3cr3t-Value-42';
  const encoded = Buffer.from(SECRET).toString('base64');
  logger.info({ password: SECRET }, 'top');
  logger.info({ input: { MasterUserPassword: SECRET } }, 'input');
  logger.info({ secret: { data: { password: encoded } } }, 'secret');
  logger.info({ patch: { stringData: { password: SECRET } } }, 'patch');
  logger.info({ auth: { token: SECRET } }, 'token');
  logger.info({ headers: { authorization: `Bearer ${SECRET}` } }, 'headers');
  const error = Object.assign(new Error('CreateDBInstance failed'), {
    password: SECRET,
    input: { MasterUserPassword: SECRET, password: SECRET },
    body: { data: { password: encoded }, stringData: { password: SECRET } },
  });
  logger.error({ err: error }, 'error');
  withLogFields({ reconcileID: 'r' }, () => logger.warn({ err: error }, 'in a reconcile'));
  t.equal(raw.length, 8);
  for (const line of raw) {
    t.notOk(line.includes(SECRET), `no secret: ${line.slice(0, 120)}`);
    t.notOk(line.includes(encoded), 'nor its base64');
  }
  t.ok(
    raw.every((line) => line.includes('[redacted]')),
    'each says where something was left out',
  );
});
