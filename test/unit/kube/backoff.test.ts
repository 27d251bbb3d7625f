import t from 'tap';
import { backoffDelay } from '../../../src/kube/backoff.js';
import { engineVersionSatisfies } from '../../../src/engine/version.js';

t.test('exponential, capped, with jitter between half and all', async (t) => {
  const policy = { baseMs: 100, maxMs: 10_000 };
  t.equal(
    backoffDelay(1, policy, () => 0),
    50,
  );
  t.equal(
    backoffDelay(1, policy, () => 1),
    100,
  );
  t.equal(
    backoffDelay(4, policy, () => 1),
    800,
  );
  t.equal(
    backoffDelay(50, policy, () => 1),
    10_000,
  );
  t.equal(
    backoffDelay(50, policy, () => 0),
    5_000,
  );
  for (let failures = 1; failures < 40; failures++) {
    const delay = backoffDelay(failures, policy);
    t.ok(delay > 0 && delay <= 10_000);
  }
});

t.test('engine versions: "16" matches 16.x, nothing goes back', async (t) => {
  t.ok(engineVersionSatisfies('16.4', '16'));
  t.ok(engineVersionSatisfies('16.4', '16.4'));
  t.ok(engineVersionSatisfies('16.6', '16.4'), 'a newer minor (auto upgrade) satisfies');
  t.notOk(engineVersionSatisfies('16.2', '16.4'));
  t.notOk(engineVersionSatisfies('15.7', '16'));
  t.ok(engineVersionSatisfies('17.1', '16'), 'RDS cannot downgrade, so do not try');
});
