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
  await sleep(80);
  t.equal(runs, 2, 'ran again after the requeue delay');
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
