import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { POSTGRES_DATABASES, type PostgresDatabase } from '../src/api/postgres-database.js';
import { pathOf } from '../src/kube/paths.js';
import type { List } from '../src/kube/types.js';
import { createLogger } from '../src/util/logger.js';
import { isReady, postgresDB, startHarness } from '../test/support/harness.js';

// 100 PostgresDatabases on one instance, from apply to all Ready: the emulator runs a real PostgreSQL
// server behind the instance, and the controller creates every database, its roles and their Secrets
// over TLS as the master user. Prints the time, Kubernetes requests per database and peak RSS.

const DATABASES = Number(process.env.STOW_BENCH_DATABASES ?? 100);
const USERS = Number(process.env.STOW_BENCH_USERS ?? 1);
const CONCURRENCY = Number(process.env.STOW_BENCH_CONCURRENCY ?? 4);
const APPLY_PARALLELISM = 16;

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
let peakRss = process.memoryUsage().rss;
const rssSampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

const h = await startHarness({
  emulatorDelays: { servers: 'postgres', delays: { creating: 0, backingUp: 0, modifying: 0, deleting: 0 } },
});
try {
  const controller = await h.start({
    resyncPeriodSeconds: 3600,
    pollIntervalSeconds: 0.5,
    concurrency: CONCURRENCY,
    logger: createLogger({ level: 'warn' }),
  });
  await h.apply([postgresDB('shared', { databaseName: 'shared' })]);
  await h.waitFor('the instance Ready', async () => isReady(await h.get('shared')), 60_000);
  await controller.waitIdle();
  h.counter.reset();

  const started = performance.now();
  const names = Array.from({ length: DATABASES }, (_, i) => `team-${String(i).padStart(3, '0')}`);
  for (let i = 0; i < names.length; i += APPLY_PARALLELISM) {
    await Promise.all(
      names.slice(i, i + APPLY_PARALLELISM).map((name) =>
        h.client.request('POST', pathOf(POSTGRES_DATABASES, h.namespace), {
          body: {
            apiVersion: 'stow.dev/v1beta1',
            kind: 'PostgresDatabase',
            metadata: { name, namespace: h.namespace },
            spec: {
              instanceRef: { name: 'shared' },
              databaseName: name.replace('-', '_'),
              users: Array.from({ length: USERS }, (_, u) => ({
                name: `${name.replace('-', '_')}_user${u}`,
                access: u % 2 ? 'readOnly' : 'readWrite',
              })),
            },
          },
        }),
      ),
    );
  }
  const applied = performance.now();
  let ready = 0;
  while (ready < DATABASES) {
    await sleep(250);
    const list = await h.client.request<List<PostgresDatabase>>(
      'GET',
      pathOf(POSTGRES_DATABASES, h.namespace),
    );
    ready = list.items.filter((item) =>
      item.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
  }
  const allReady = performance.now();
  await controller.waitIdle();
  clearInterval(rssSampler);

  const perDatabase = (n: number) => (n / DATABASES).toFixed(2);
  const row = (label: string, value: string) => console.log(`  ${label.padEnd(36)} ${value}`);
  console.log(
    `databases bench: ${DATABASES} PostgresDatabases (owner + ${USERS} user${USERS === 1 ? '' : 's'} each) on one instance with a real PostgreSQL, reconcile concurrency ${CONCURRENCY}`,
  );
  row(`apply (POST x${DATABASES})`, `${((applied - started) / 1000).toFixed(1)} s`);
  row('apply → all Ready', `${((allReady - started) / 1000).toFixed(1)} s`);
  row(
    'Kubernetes requests per database',
    `${perDatabase(h.counter.reads + h.counter.writes.length)} (${perDatabase(h.counter.writes.length)} writes, ${perDatabase(h.counter.reads)} reads)`,
  );
  row('peak RSS (controller + emulator)', megabytes(peakRss));
} finally {
  clearInterval(rssSampler);
  await h.stop();
}
