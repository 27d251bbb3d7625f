import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { TermTask } from '../../../../src/controller/runtime/term-task.js';

/** A task whose runs end when the test says; counts them and keeps the signal each was given. */
function gatedTask(periodMs = 60_000) {
  const runs: Array<{ term: AbortSignal; finish: (value: string) => void }> = [];
  const task = new TermTask(
    (term) =>
      new Promise<string>((resolve) => {
        runs.push({ term, finish: resolve });
      }),
    periodMs,
  );
  return { task, runs };
}

t.test('no run outside a term', async (t) => {
  const { task, runs } = gatedTask();
  t.equal(await task.runNow(), undefined);
  task.begin(new AbortController().signal);
  await task.end();
  t.equal(await task.runNow(), undefined, 'nor after it ended');
  t.equal(runs.length, 0);
});

t.test('one run at a time: a call while one runs joins it, with the term as its signal', async (t) => {
  const { task, runs } = gatedTask();
  const term = new AbortController().signal;
  task.begin(term);
  const first = task.runNow();
  const joined = task.runNow();
  t.equal(runs.length, 1, 'one run started');
  t.equal(runs[0]!.term, term);
  runs[0]!.finish('listed');
  t.equal(await first, 'listed');
  t.equal(await joined, 'listed', 'the second call had the same result');
  const next = task.runNow();
  t.equal(runs.length, 2, 'a call after it ended starts another');
  runs[1]!.finish('again');
  t.equal(await next, 'again');
});

t.test('repeat: a run every period until the term ends', async (t) => {
  const { task, runs } = gatedTask(5);
  task.begin(new AbortController().signal);
  task.repeat();
  while (runs.length < 3) {
    runs.at(-1)?.finish('done');
    await sleep(5);
  }
  runs.at(-1)!.finish('done');
  await task.end();
  const ended = runs.length;
  await sleep(30);
  t.equal(runs.length, ended, 'no run after the end');
});

t.test('end waits for the run going, and a new term starts afresh', async (t) => {
  const { task, runs } = gatedTask();
  task.begin(new AbortController().signal);
  void task.runNow();
  let ended = false;
  const ending = task.end().then(() => {
    ended = true;
  });
  await sleep(10);
  t.notOk(ended, 'still running');
  runs[0]!.finish('done');
  await ending;
  t.ok(ended);
  const second = new AbortController().signal;
  task.begin(second);
  void task.runNow();
  t.equal(runs.at(-1)!.term, second, "the next term's runs get its signal");
  runs.at(-1)!.finish('done');
  await task.end();
});
