/**
 * The controller as a process of its own, for tests that kill it: JSON log lines on stdout.
 * Environment: KUBECONFIG, STOW_IDENTITY, STOW_LEASE_SECONDS, STOW_RESYNC_SECONDS, STOW_POLL_SECONDS,
 * and the AWS variables (AWS_ENDPOINT_URL_RDS points at the emulator).
 * SIGUSR2 logs `memory` with the resident set size, after a full GC when node runs with --expose-gc.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { startController } from '../../src/controller/index.js';
import { RECONCILED_KINDS } from '../../src/operator.js';
import { createLogger } from '../../src/util/logger.js';
import { testConfig } from './config.js';

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(process.env.KUBECONFIG!);
const identity = process.env.STOW_IDENTITY ?? `pid-${process.pid}`;
const logger = createLogger({ level: 'debug' });

const controller = await startController({
  kinds: RECONCILED_KINDS,
  kubeConfig,
  config: testConfig(),
  logger,
  registry: new Registry(),
  leaderElection: {
    namespace: 'default',
    name: 'stow-controller',
    identity,
    leaseDurationSeconds: Number(process.env.STOW_LEASE_SECONDS ?? 3),
  },
  resyncPeriodSeconds: Number(process.env.STOW_RESYNC_SECONDS ?? 60),
  pollIntervalSeconds: Number(process.env.STOW_POLL_SECONDS ?? 0.3),
  backoff: { baseMs: 100, maxMs: 3000 },
});
logger.info({ identity }, 'controller process started');

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: Gc }).gc;
  // The flavor V8 uses before giving up on an allocation: it also hands freed pages back at once.
  gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  logger.info({ identity, rss: process.memoryUsage().rss, gc: gc !== undefined }, 'memory');
});

process.once('SIGTERM', async () => {
  await controller.stop();
  logger.info({ identity }, 'controller process stopped');
  process.exit(0);
});
