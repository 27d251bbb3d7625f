import t from 'tap';
import { decodeSecretData } from '../../src/controller/connection-secret.js';
import { pathOf } from '../../src/kube/paths.js';
import { type Lease, LEASES } from '../../src/kube/types.js';
import { type ChildController, spawnController } from '../support/child-controller.js';
import { type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';

let h: Harness;
const children: ChildController[] = [];

t.before(async () => {
  h = await startHarness();
});
t.teardown(async () => {
  await Promise.allSettled(children.map((child) => child.kill()));
  await h?.stop();
});

function instancesNamed(name: string) {
  return h.emulator.control.state.listInstances().filter((i) => i.tags.get('stow.dev/name') === name);
}

t.test(
  'killed right after CreateDBInstance, restarted: one instance, the password of the Secret',
  async (t) => {
    const first = spawnController(h, 'first');
    children.push(first);
    // The next CreateDBInstance takes effect but is never answered: the process dies waiting for it.
    h.emulator.setFaults({ holdResponseAfter: 'CreateDBInstance' });
    await h.apply([postgresDB('crashy')]);
    await h.waitFor('the instance exists in RDS', async () => instancesNamed('crashy').length === 1, 30_000);
    await first.kill('SIGKILL');
    t.equal(h.emulator.calls().byAction.CreateDBInstance, 1);

    const secretPassword = decodeSecretData(await h.secret('crashy')).password;
    t.ok(secretPassword, 'the Secret was written before the instance');
    t.equal(instancesNamed('crashy')[0]?.masterUserPassword, secretPassword);

    const second = spawnController(h, 'second');
    children.push(second);
    const ready = await h.waitFor(
      'Ready after the restart',
      async () => {
        const o = await h.get('crashy');
        return isReady(o) && o;
      },
      30_000,
    );
    t.equal(instancesNamed('crashy').length, 1, 'still exactly one instance');
    t.equal(h.emulator.calls().byAction.CreateDBInstance, 1, 'no second CreateDBInstance');
    t.equal(ready.status?.dbInstanceIdentifier, instancesNamed('crashy')[0]?.identifier);
    const finalPassword = decodeSecretData(await h.secret('crashy')).password;
    t.equal(finalPassword, secretPassword, 'the Secret kept its password');
    t.equal(
      instancesNamed('crashy')[0]?.masterUserPassword,
      finalPassword,
      'the instance has the same password',
    );

    await second.kill('SIGTERM');
    t.equal(second.process.exitCode, 0, 'graceful shutdown');
    const lease = await h.client.request<Lease>('GET', pathOf(LEASES, 'default', 'stow-controller'));
    t.notOk(lease.spec?.holderIdentity, 'the Lease was released on shutdown');
    const all = [...first.lines, ...second.lines].join('\n');
    t.notOk(all.includes(finalPassword!), 'the password is in no log line');
  },
);
