import t from 'tap';
import { serverModeOf } from '../../../../src/dev/emulator/instance-servers.js';
import { startRdsEmulator } from '../../../../src/dev/emulator/index.js';

t.test('the no-process mode is the default; the option wins over STOW_EMULATOR_SERVERS', async (t) => {
  t.equal(serverModeOf(undefined, {}), 'none');
  t.equal(serverModeOf(undefined, { STOW_EMULATOR_SERVERS: 'postgres' }), 'postgres');
  t.equal(serverModeOf('none', { STOW_EMULATOR_SERVERS: 'postgres' }), 'none');
  t.equal(serverModeOf('postgres', {}), 'postgres');
  t.throws(() => serverModeOf(undefined, { STOW_EMULATOR_SERVERS: 'mysql' }), {
    message: 'STOW_EMULATOR_SERVERS must be postgres or none (got "mysql")',
  });
  t.throws(() => serverModeOf('real' as never, {}), {
    message: 'servers must be postgres or none (got "real")',
  });
});

t.test('without servers an instance has the RDS-style endpoint and no process', async (t) => {
  const emulator = await startRdsEmulator({ servers: 'none' });
  t.teardown(() => emulator.close());
  t.equal(emulator.servers, 'none');
  t.equal(emulator.caPem, undefined);
  const seeded = emulator.seedInstance({ DBInstanceIdentifier: 'plain' });
  t.match(seeded.endpointAddress, /^plain\.[0-9a-f]{12}\.[a-z0-9-]+\.rds\.amazonaws\.com$/);
  t.equal(seeded.port, 5432);
});
