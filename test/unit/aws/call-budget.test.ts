import t from 'tap';
import { CallBudget, type Clock, callerKey } from '../../../src/aws/call-budget.js';

/** A clock that moves only when told, running the timers that fall due. */
function manualClock() {
  let now = 0;
  const timers = new Set<{ at: number; run: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout(run, ms) {
      const timer = { at: now + ms, run };
      timers.add(timer);
      return timer;
    },
    clearTimeout: (handle) => timers.delete(handle as { at: number; run: () => void }),
  };
  /** Moves time forward in 1 ms steps, so timers fire in order. */
  const advance = async (ms: number) => {
    for (let step = 0; step < ms; step++) {
      now += 1;
      for (const timer of [...timers]) {
        if (timer.at <= now) {
          timers.delete(timer);
          timer.run();
        }
      }
      await Promise.resolve();
    }
  };
  return { clock, advance };
}

/** Starts `count` calls for `key`, recording the time each is let through. */
function calls(
  budget: CallBudget,
  clock: Clock,
  key: string,
  count: number,
  granted: Array<[string, number]>,
) {
  return Array.from({ length: count }, () =>
    budget.acquire(key).then(() => {
      granted.push([key, clock.now()]);
    }),
  );
}

t.test('the burst goes at once, then the rate holds', async (t) => {
  const { clock, advance } = manualClock();
  const budget = new CallBudget({ ratePerSecond: 10, burst: 5, clock });
  const granted: Array<[string, number]> = [];
  const all = calls(budget, clock, 'a', 25, granted);
  await advance(0);
  await Promise.resolve();
  t.equal(granted.length, 5, 'the burst');
  await advance(1000);
  t.equal(granted.length, 15, '10 more in the next second');
  await advance(1000);
  await Promise.all(all);
  t.equal(granted.length, 25);
  t.equal(budget.waiting, 0);
});

t.test('resources waiting take turns: one that keeps calling does not hold up the others', async (t) => {
  const { clock, advance } = manualClock();
  const budget = new CallBudget({ ratePerSecond: 10, burst: 1, clock });
  const granted: Array<[string, number]> = [];
  await budget.acquire('warm-up');
  const noisy = calls(budget, clock, 'noisy', 50, granted);
  await advance(250);
  const quiet = calls(budget, clock, 'quiet', 2, granted);
  await advance(1000);
  await Promise.all(quiet);
  const quietTimes = granted.filter(([key]) => key === 'quiet').map(([, at]) => at);
  t.equal(quietTimes.length, 2);
  // A token every 100 ms; two resources waiting: each call waits at most for the other's turn.
  t.ok(
    quietTimes[0]! - 250 <= 200 && quietTimes[1]! - quietTimes[0]! <= 200,
    `the quiet resource waits at most one turn each (granted at ${quietTimes.join(', ')} ms)`,
  );
  t.equal(
    granted.filter(([key, at]) => key === 'noisy' && at > 250 && at <= 650).length,
    2,
    'the noisy one took the other turns',
  );
  await advance(6000);
  await Promise.all(noisy);
});

t.test('throttling shrinks the rate, which then climbs back', async (t) => {
  const { clock, advance } = manualClock();
  const rates: number[] = [];
  const budget = new CallBudget(
    { ratePerSecond: 10, burst: 1, minRatePerSecond: 2, clock },
    { rate: (r) => rates.push(r), waited: () => {}, waiting: () => {} },
  );
  budget.throttled();
  t.equal(budget.currentRate, 7, 'times 0.7');
  for (let i = 0; i < 10; i++) budget.throttled();
  t.equal(budget.currentRate, 2, 'never below the floor');
  await advance(15_000);
  await budget.acquire('a');
  t.ok(budget.currentRate > 2 && budget.currentRate < 10, `climbing (${budget.currentRate})`);
  await advance(30_000);
  await budget.acquire('a');
  t.equal(budget.currentRate, 10, 'back to the full rate');
  t.ok(rates.length > 3, 'the rate is reported');
});

t.test('an aborted wait leaves the queue', async (t) => {
  const { clock, advance } = manualClock();
  const budget = new CallBudget({ ratePerSecond: 1, burst: 1, clock });
  await budget.acquire('a');
  const stop = new AbortController();
  const waiting = budget.acquire('b', stop.signal);
  t.equal(budget.waiting, 1);
  stop.abort(new Error('leadership lost'));
  await t.rejects(waiting, /leadership lost/);
  t.equal(budget.waiting, 0);
  await advance(1000);
  await budget.acquire('c');
  t.pass('the budget still serves');
});

t.test('bad settings are refused with the values', async (t) => {
  t.throws(() => new CallBudget({ ratePerSecond: 0, burst: 1 }), /ratePerSecond must be > 0 .*got 0, 1/);
  t.throws(() => new CallBudget({ ratePerSecond: 1, burst: 0 }), /burst >= 1 .*got 1, 0/);
});

t.test('the caller is the object the running reconcile is for', async (t) => {
  t.equal(
    callerKey({ controller: 'postgresdb', namespace: 'shop', name: 'orders' }),
    'postgresdb/shop/orders',
  );
  t.equal(callerKey(undefined), '', 'a resync or any call outside a reconcile shares one turn');
});
