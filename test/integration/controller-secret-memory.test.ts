import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { PostgresDB } from '../../src/api/v1beta1.js';
import { pathOf } from '../../src/kube/paths.js';
import { type Secret, SECRETS } from '../../src/kube/types.js';
import { LABEL_MANAGED_BY, MANAGED_BY } from '../../src/controller/labels.js';
import { type ChildController, spawnController } from '../support/child-controller.js';
import { type Harness, isReady, postgresDB, startHarness } from '../support/harness.js';
import { kubectlOrThrow } from '../support/kubectl.js';

// Anyone who may write Secrets in some namespace may label them app.kubernetes.io/managed-by=stow.
// Such Secrets must not grow the controller's memory, whether they appear while it runs (watch) or
// already exist when it starts (list).

const FOREIGN_SECRETS = 300;
/** The API server's limit for the data of one Secret. */
const SECRET_BYTES = 1024 * 1024;
const CREATE_PARALLELISM = 8;
const MIB = 1024 * 1024;
const MAX_RISE = 20 * MIB;
const TENANT = 'tenant-a';
const DATABASES = ['db-0', 'db-1', 'db-2'];

let h: Harness;
const children: ChildController[] = [];

t.before(async () => {
  h = await startHarness();
});
t.teardown(async () => {
  await Promise.allSettled(children.map((child) => child.kill()));
  await h?.stop();
});

function start(identity: string): ChildController {
  const child = spawnController(h, identity, { STOW_RESYNC_SECONDS: '3600' }, ['--expose-gc']);
  children.push(child);
  return child;
}

interface Memory {
  /** Resident set after a full GC, once it has stopped moving. */
  rss: number;
  /** Peak resident set of the process so far. */
  peak: number;
}

const vmField = (pid: number, field: string) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) *
  1024;

/** A full GC in the controller process, then its resident set once freed pages have left it. */
async function gcAndRss(child: ChildController): Promise<number> {
  const records = () => child.records('memory');
  const before = records().length;
  child.process.kill('SIGUSR2');
  await h.waitFor('the memory record', async () => records().length > before, 10_000);
  if (records().at(-1)!.gc !== true) throw new Error('the controller process runs without --expose-gc');
  await sleep(1500);
  return vmField(child.process.pid!, 'VmRSS');
}

/** V8 shrinks its heap some seconds after a full GC (the memory reducer): read after that, until stable. */
async function memoryOf(child: ChildController): Promise<Memory> {
  await gcAndRss(child);
  await sleep(10_000);
  let rss = await gcAndRss(child);
  for (let reading = 0; reading < 10; reading++) {
    const next = await gcAndRss(child);
    const stable = Math.abs(next - rss) < MIB;
    rss = next;
    if (stable) break;
  }
  return { rss, peak: vmField(child.process.pid!, 'VmHWM') };
}

const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

function reconciles(child: ChildController, name: string): number {
  return child.records('reconciled').filter((r) => r.namespace === h.namespace && r.name === name).length;
}

/** Until no reconcile has ended for a while: the controller is idle. */
async function settled(child: ChildController): Promise<void> {
  let last = -1;
  for (;;) {
    const now = child.records('reconciled').length;
    if (now === last) return;
    last = now;
    await sleep(1500);
  }
}

/**
 * Watch events arrive in order: once the controller queued the owner of a Secret deleted after the
 * foreign ones were created, it has seen all of them.
 */
async function caughtUp(child: ChildController, owner: PostgresDB): Promise<void> {
  const name = owner.metadata.name!;
  const before = reconciles(child, name);
  const marker: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'caught-up-marker',
      namespace: h.namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY },
      ownerReferences: [
        {
          apiVersion: 'stow.dev/v1beta1',
          kind: 'PostgresDB',
          name,
          uid: owner.metadata.uid!,
          controller: true,
        },
      ],
    },
  };
  await h.client.request('POST', pathOf(SECRETS, h.namespace), { body: marker });
  await h.client.request('DELETE', pathOf(SECRETS, h.namespace, marker.metadata.name));
  await h.waitFor('the controller to see the marker deleted', async () => reconciles(child, name) > before);
  await settled(child);
}

async function createForeignSecrets(): Promise<number> {
  await kubectlOrThrow(h.cp, ['create', 'namespace', TENANT]);
  const blob = randomBytes(SECRET_BYTES).toString('base64');
  const started = Date.now();
  for (let i = 0; i < FOREIGN_SECRETS; i += CREATE_PARALLELISM) {
    const batch = Array.from({ length: Math.min(CREATE_PARALLELISM, FOREIGN_SECRETS - i) }, (_, j) => i + j);
    await Promise.all(
      batch.map((n) =>
        h.client.request('POST', pathOf(SECRETS, TENANT), {
          body: {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: `foreign-${n}`, labels: { [LABEL_MANAGED_BY]: MANAGED_BY } },
            data: { blob },
          },
        }),
      ),
    );
  }
  return Date.now() - started;
}

t.test(`${FOREIGN_SECRETS} foreign 1 MiB Secrets labelled managed-by=stow`, async (t) => {
  const first = start('first');
  await h.apply(DATABASES.map((name) => postgresDB(name)));
  await h.waitFor(
    'the databases Ready',
    async () => (await h.list()).filter(isReady).length === DATABASES.length,
    60_000,
  );
  await settled(first);
  const baseline = await memoryOf(first);

  const createMs = await createForeignSecrets();
  t.comment(
    `created ${FOREIGN_SECRETS} Secrets of ${mib(SECRET_BYTES)} in ${(createMs / 1000).toFixed(1)} s`,
  );
  const owner = (await h.get(DATABASES[0]!))!;
  await caughtUp(first, owner);
  const watched = await memoryOf(first);
  t.comment(
    `running controller: RSS ${mib(baseline.rss)} before, ${mib(watched.rss)} after (rise ${mib(watched.rss - baseline.rss)}); ` +
      `peak ${mib(baseline.peak)} before, ${mib(watched.peak)} after`,
  );
  t.ok(
    watched.rss - baseline.rss <= MAX_RISE,
    `a running controller's RSS rises by at most ${mib(MAX_RISE)} (rose ${mib(watched.rss - baseline.rss)})`,
  );

  // A successor lists them all when it takes over.
  await first.kill('SIGTERM');
  const second = start('second');
  await h.waitFor(
    'the successor to reconcile every database',
    async () => DATABASES.every((name) => reconciles(second, name) > 0),
    60_000,
  );
  await settled(second);
  const listed = await memoryOf(second);
  t.comment(
    `controller started with them present: RSS ${mib(listed.rss)} (rise ${mib(listed.rss - baseline.rss)} over the first's baseline), peak ${mib(listed.peak)}`,
  );
  t.ok(
    listed.rss - baseline.rss <= MAX_RISE,
    `a controller starting among them holds at most ${mib(MAX_RISE)} more (held ${mib(listed.rss - baseline.rss)})`,
  );
  t.ok(
    listed.peak - baseline.peak <= MAX_RISE,
    `nor does its peak exceed the first's by more (exceeded by ${mib(listed.peak - baseline.peak)})`,
  );
  for (const name of DATABASES) t.ok(isReady(await h.get(name)), `${name} is still Ready`);
});
