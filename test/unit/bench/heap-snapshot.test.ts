import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startBenchProcess } from '../../../bench/lib/child-process.js';
import { summarizeHeapSnapshotFiles } from '../../../bench/lib/heap-snapshot.js';
import { InspectorSession, inspectorUrl } from '../../../bench/lib/inspector.js';
import { slope } from '../../../bench/lib/scale-report.js';

// The scale bench reads the operator's heap through the inspector; here a small process with a known
// heap: 5,000 objects of a class of its own, each holding a string of 1,000 characters of its own,
// in one Map that only a global refers to; on the main thread, or in a worker thread.
const MARKERS = 5000;
const HOLDER = `
class ScaleMarker { constructor() { this.payload = require('node:crypto').randomBytes(500).toString('hex'); } }
globalThis.heldMarkers = new Map();
for (let i = 0; i < ${MARKERS}; i++) globalThis.heldMarkers.set(i, new ScaleMarker());
setInterval(() => {}, 1000);
`;
const IN_WORKER = `
const { Worker } = require('node:worker_threads');
new Worker(${JSON.stringify(`${HOLDER}require('node:worker_threads').parentPort.postMessage('held');`)}, { eval: true })
  .on('message', () => console.log('held'));
setInterval(() => {}, 1000);
`;

async function inspect(t: { teardown(cleanup: () => unknown): void }, script: string) {
  const dir = await mkdtemp(join(tmpdir(), 'stow-heap-test-'));
  const child = startBenchProcess('heap holder', process.execPath, ['--inspect=127.0.0.1:0', '-e', script], {
    env: process.env,
    logFile: join(dir, 'child.log'),
  });
  t.teardown(async () => {
    await child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  const url = inspectorUrl(await child.waitForLine((line) => inspectorUrl(line) !== undefined, 30_000));
  if (script === IN_WORKER) await child.waitForLine((line) => line === 'held', 30_000);
  const inspector = await InspectorSession.connect(url!);
  t.teardown(() => inspector.close());
  return { inspector, dir };
}

for (const [where, script, isolates] of [
  ['on the main thread', HOLDER, 1],
  ['in a worker thread', IN_WORKER, 2],
] as const) {
  t.test(`a heap snapshot says which class holds the memory, and through what: ${where}`, async (t) => {
    const { inspector, dir } = await inspect(t, script);
    const memory = await inspector.memoryAfterGc();
    t.equal(memory.isolates, isolates, 'every isolate measured');
    t.ok(memory.heapUsed > MARKERS * 1000, `heap used after GC ${memory.heapUsed} holds the markers`);
    t.ok(memory.rss >= memory.heapUsed);

    const files = await inspector.writeHeapSnapshots(join(dir, 'holder.heapsnapshot'));
    t.equal(files.length, isolates, 'a snapshot per isolate');
    const summary = await summarizeHeapSnapshotFiles(files);
    const markers = summary.classes.find((c) => c.name === 'ScaleMarker');
    t.equal(markers?.count, MARKERS, 'every marker counted once');
    t.ok((markers?.retainedSize ?? 0) >= MARKERS * 1000, 'their strings are retained through them');
    t.ok((markers?.selfSize ?? 0) < MARKERS * 100, 'but are not their own size');
    const map = summary.retainers.find((r) => r.name === 'Map' && r.retainedSize >= MARKERS * 1000);
    t.ok(map, 'the Map is among the largest retainers');
    t.match(map?.path.join(' '), /heldMarkers → Map/, 'reached through the global it is stored in');
    t.ok(summary.totalSize >= summary.retainers[0]!.retainedSize);
  });
}

t.test('slope is the least squares fit', async (t) => {
  t.equal(
    slope([
      { x: 1, y: 3 },
      { x: 2, y: 5 },
      { x: 3, y: 7 },
    ]),
    2,
  );
  t.equal(
    slope([
      { x: 0, y: 0 },
      { x: 10, y: 10 },
      { x: 20, y: 40 },
    ]),
    2,
  );
  t.ok(
    Number.isNaN(
      slope([
        { x: 1, y: 1 },
        { x: 1, y: 2 },
      ]),
    ),
  );
});
