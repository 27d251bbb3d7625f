import t from 'tap';
import { originOf, summarizeCpuProfiles } from '../../../bench/lib/cpu-profile.js';
import type { CpuProfile } from '../../../bench/lib/inspector.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

t.test('where a frame comes from', async (t) => {
  t.equal(originOf('file:///app/node_modules/@smithy/core/dist-cjs/index.js', 'parse'), '@smithy/core');
  t.equal(originOf('file:///app/node_modules/pino/lib/proto.js', 'write'), 'pino');
  t.equal(
    originOf('file:///app/node_modules/a/node_modules/sonic-boom/index.js', 'write'),
    'sonic-boom',
    'the innermost package',
  );
  t.equal(originOf('file:///app/dist/src/kube/client.js', 'send'), 'src/kube');
  t.equal(originOf('node:internal/streams/writable', 'doWrite'), 'node');
  t.equal(originOf('', '(garbage collector)'), '(garbage collector)');
  t.equal(originOf('', 'writev'), '(native)', 'native code without a script');
});

t.test('self time by origin and function, idle apart, over every isolate', async (t) => {
  const main: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('send', 'file:///app/dist/src/kube/client.js', 81) },
      { id: 4, callFrame: frame('parseTag', 'file:///app/node_modules/@aws-sdk/xml-builder/index.js', 204) },
    ],
    startTime: 0,
    endTime: 10_000,
    samples: [2, 3, 3, 4],
    timeDeltas: [4000, 1000, 2000, 3000],
  };
  const worker: CpuProfile = { ...main, samples: [3], timeDeltas: [5000], endTime: 5000 };
  const summary = summarizeCpuProfiles([main, worker]);
  t.equal(summary.profiledMs, 15, 'both isolates profiled');
  t.equal(summary.busyMs, 11, 'idle samples not busy');
  t.same(summary.byOrigin, [
    { origin: 'src/kube', selfMs: 8 },
    { origin: '@aws-sdk/xml-builder', selfMs: 3 },
  ]);
  t.same(summary.byFunction[0], { name: 'send src/kube/client.js:82', origin: 'src/kube', selfMs: 8 });
  t.equal(summarizeCpuProfiles([main], 1).byFunction.length, 1, 'the top ones only');
});
