import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { WorkQueue } from '../../../src/kube/work-queue.js';

t.test('a key waits once and runs one at a time', async (t) => {
  const running = new Set<string>();
  const runs: string[] = [];
  let overlap = false;
  const queue = new WorkQueue({
    concurrency: 4,
    handler: async (key) => {
      if (running.has(key)) overlap = true;
      running.add(key);
      runs.push(key);
      await sleep(20);
      running.delete(key);
      return {};
    },
  });
  queue.add('a');
  queue.add('a');
  queue.add('b');
  await sleep(5);
  queue.add('a'); // while running: once more afterwards
  queue.add('a');
  await queue.waitIdle();
  t.notOk(overlap, 'never two runs of one key at once');
  t.same(runs.sort(), ['a', 'a', 'b']);
  await queue.stop();
});

t.test('concurrency is bounded', async (t) => {
  let active = 0;
  let peak = 0;
  const queue = new WorkQueue({
    concurrency: 3,
    handler: async () => {
      active++;
      peak = Math.max(peak, active);
      await sleep(10);
      active--;
      return {};
    },
  });
  for (let i = 0; i < 20; i++) queue.add(`k${i}`);
  await queue.waitIdle();
  t.equal(peak, 3);
  await queue.stop();
});

t.test('failures back off exponentially; success resets', async (t) => {
  const times: number[] = [];
  const queue = new WorkQueue({
    concurrency: 1,
    backoff: { baseMs: 20, maxMs: 1000 },
    handler: async () => {
      times.push(Date.now());
      if (times.length < 4) throw new Error('boom');
      return {};
    },
  });
  queue.add('k');
  while (times.length < 4) await sleep(10);
  const gaps = times.slice(1).map((time, i) => time - times[i]!);
  t.ok(gaps[0]! >= 9 && gaps[2]! >= 39, `gaps grow: ${gaps.join(', ')}`);
  await queue.stop();
});

t.test('requeue-after polls; an add meanwhile runs at once and keeps one schedule', async (t) => {
  let runs = 0;
  const queue = new WorkQueue({
    concurrency: 1,
    handler: async () => {
      runs++;
      return runs === 1 ? { requeueAfterMs: 50 } : {};
    },
  });
  queue.add('k');
  // Timers only promise "not before": wait for the second run however late, then for any third.
  while (runs < 2) await sleep(10);
  await sleep(100);
  t.equal(runs, 2, 'ran again after the requeue delay, and only once');
  t.equal(queue.size, 0);
  await queue.stop();
});

t.test('stop waits for running handlers and drops the rest', async (t) => {
  let finished = 0;
  const queue = new WorkQueue({
    concurrency: 1,
    handler: async () => {
      await sleep(30);
      finished++;
      return {};
    },
  });
  queue.add('a');
  queue.add('b');
  await sleep(5);
  await queue.stop();
  t.equal(finished, 1);
  queue.add('c');
  await sleep(40);
  t.equal(finished, 1, 'nothing runs after stop');
});

t.test('the observer sees what client-go counts: adds, depth, waits, work and retries', async (t) => {
  const seen = { added: 0, retried: 0, depths: [] as number[], waited: [] as number[], done: 0 };
  let failOnce = true;
  const queue = new WorkQueue({
    concurrency: 1,
    backoff: { baseMs: 5, maxMs: 5 },
    observer: {
      added: () => seen.added++,
      depth: (depth) => seen.depths.push(depth),
      started(waitedSeconds) {
        seen.waited.push(waitedSeconds);
        return () => seen.done++;
      },
      retried: () => seen.retried++,
    },
    handler: async (key) => {
      await sleep(20);
      if (key === 'flaky' && failOnce) {
        failOnce = false;
        throw new Error('once');
      }
      return key === 'poll' ? { requeueAfterMs: 10_000 } : {};
    },
  });
  queue.add('a');
  queue.add('b');
  queue.add('b'); // waiting already: not an add
  await sleep(5);
  queue.add('a'); // running: comes in again (once)
  queue.add('a');
  await queue.waitIdle();
  t.equal(seen.added, 3, 'a, b, and a again while it ran');
  t.equal(seen.done, 3, 'three runs finished');
  t.equal(seen.waited.length, 3);
  t.ok(seen.waited[1]! >= 0.015, `b waited while a ran (${seen.waited[1]} s)`);
  t.equal(seen.depths.at(-1), 0, 'nothing waits at the end');
  t.ok(Math.max(...seen.depths) >= 1, 'b was counted waiting');
  t.equal(seen.retried, 0, 'no retry yet');

  queue.add('flaky');
  queue.add('poll');
  // The retry comes after its backoff, however late the machine runs it.
  while (seen.added < 6) await sleep(10);
  await queue.waitIdle();
  t.equal(seen.retried, 2, 'the backoff after a failure and the requested requeue');
  t.equal(seen.added, 6, 'flaky, poll, and flaky again after its backoff');
  await queue.stop();
  t.equal(seen.depths.at(-1), 0);
});
