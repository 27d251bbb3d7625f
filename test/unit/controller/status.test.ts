import t from 'tap';
import {
  buildStatus,
  isReady,
  phaseOf,
  setCondition,
  statusChanged,
} from '../../../src/controller/status.js';
import { rdsInstanceIn } from '../../support/rds-instance.js';

const instance = rdsInstanceIn;

t.test('phases from RDS statuses', async (t) => {
  t.equal(phaseOf(undefined, false), 'Pending');
  t.equal(phaseOf(undefined, true), 'Failed');
  t.equal(phaseOf(instance('creating', false), false), 'Provisioning');
  t.equal(phaseOf(instance('backing-up', false), false), 'Provisioning');
  t.equal(phaseOf(instance('available'), false), 'Available');
  t.equal(phaseOf(instance('modifying'), false), 'Modifying');
  t.equal(phaseOf(instance('deleting'), false), 'Deleting');
  t.equal(phaseOf(instance('storage-full'), false), 'Failed');
});

t.test('an available instance: Ready and Synced, every field', async (t) => {
  const status = buildStatus({
    previous: undefined,
    generation: 3,
    identifier: 'stow-a-b-12345678',
    instance: instance('available'),
    secretName: 's',
    serviceName: 'svc',
    now: '2025-01-01T00:00:00Z',
  });
  t.match(status, {
    phase: 'Available',
    rdsStatus: 'available',
    dbInstanceIdentifier: 'stow-a-b-12345678',
    arn: 'arn:aws:rds:us-east-1:1:db:stow-a-b-12345678',
    endpoint: { address: 'h.rds.amazonaws.com', port: 5432 },
    secretName: 's',
    serviceName: 'svc',
    observedGeneration: 3,
  });
  t.ok(isReady(status));
  t.same(
    status.conditions?.map((c) => [c.type, c.status, c.reason, c.observedGeneration]),
    [
      ['Ready', 'True', 'Available', 3],
      ['Synced', 'True', 'ReconcileSuccess', 3],
    ],
  );
});

t.test('a connectable instance without the Secret’s password yet is not Ready', async (t) => {
  for (const rdsStatus of ['backing-up', 'available', 'modifying']) {
    const status = buildStatus({
      previous: undefined,
      generation: 1,
      identifier: 'stow-a-b-12345678',
      instance: instance(rdsStatus),
      passwordPending: true,
      now: '2025-01-01T00:00:00Z',
    });
    t.notOk(isReady(status), rdsStatus);
    t.not(status.phase, 'Available', `${rdsStatus}: not Available`);
    t.match(
      status.conditions?.find((c) => c.type === 'Ready'),
      {
        status: 'False',
        reason: 'PasswordPending',
        message: /stow-a-b-12345678 is .*the Secret's master password is set on it once it is available/,
      },
    );
  }
});

t.test('the same observation twice gives the same status: nothing to write', async (t) => {
  const input = {
    previous: undefined,
    generation: 1,
    identifier: 'x',
    instance: instance('available'),
    now: '2025-01-01T00:00:00Z',
  };
  const first = buildStatus(input);
  const second = buildStatus({ ...input, previous: first, now: '2025-01-01T01:00:00Z' });
  t.notOk(statusChanged(first, second));
});

t.test('lastTransitionTime moves only when the status value changes', async (t) => {
  const c1 = setCondition(
    undefined,
    { type: 'Ready', status: 'False', reason: 'Creating', message: 'a' },
    1,
    'T1',
  );
  const c2 = setCondition(c1, { type: 'Ready', status: 'False', reason: 'BackingUp', message: 'b' }, 1, 'T2');
  t.equal(c2[0]?.lastTransitionTime, 'T1');
  const c3 = setCondition(c2, { type: 'Ready', status: 'True', reason: 'Available', message: 'c' }, 1, 'T3');
  t.equal(c3[0]?.lastTransitionTime, 'T3');
});

t.test('a failed RDS call keeps what status knew of the instance', async (t) => {
  const ready = buildStatus({
    previous: undefined,
    generation: 1,
    identifier: 'x',
    instance: instance('available'),
    now: 'T1',
  });
  const failed = buildStatus({
    previous: ready,
    generation: 1,
    instanceObserved: false,
    failure: { reason: 'RdsThrottled', message: 'RDS: Throttling: Rate exceeded' },
    now: 'T2',
  });
  t.equal(failed.phase, 'Available');
  t.equal(failed.endpoint?.address, 'h.rds.amazonaws.com');
  t.ok(isReady(failed));
  t.match(
    failed.conditions?.find((c) => c.type === 'Synced'),
    { status: 'False', reason: 'RdsThrottled' },
  );
});

t.test('a throttled new resource stays Pending', async (t) => {
  const status = buildStatus({
    previous: undefined,
    generation: 1,
    instanceObserved: false,
    failure: { reason: 'RdsThrottled', message: 'RDS: Throttling' },
    now: 'T',
  });
  t.equal(status.phase, 'Pending');
});

t.test('an invalid new resource: Failed, Synced=False', async (t) => {
  const status = buildStatus({
    previous: undefined,
    generation: 1,
    instanceObserved: false,
    failure: { reason: 'InvalidSpec', message: 'spec.storage.sizeGiB: ...', permanent: true },
    now: 'T',
  });
  t.equal(status.phase, 'Failed');
  t.match(
    status.conditions?.find((c) => c.type === 'Synced'),
    { status: 'False', reason: 'InvalidSpec' },
  );
  t.match(
    status.conditions?.find((c) => c.type === 'Ready'),
    { status: 'Unknown' },
  );
});
