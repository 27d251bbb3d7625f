import fc from 'fast-check';
import t from 'tap';
import { RdsError } from '../../../../src/dev/emulator/errors.js';
import { QueryParams } from '../../../../src/dev/emulator/query-params.js';
import { toQueryEntries } from '../../../../src/dev/emulator/query-entries.js';
import { resolveEngineVersion, validateUpgrade } from '../../../../src/dev/emulator/rules/engine-versions.js';
import {
  reportedIops,
  reportedThroughput,
  validateStorage,
} from '../../../../src/dev/emulator/rules/storage.js';
import {
  parseMaintenanceWindow,
  validateWindowsDoNotOverlap,
} from '../../../../src/dev/emulator/rules/windows.js';
import { SortedKeys } from '../../../../src/dev/emulator/sorted-keys.js';
import { escapeXml } from '../../../../src/dev/emulator/xml.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof RdsError) return error.code;
    throw error;
  }
}

t.test('SortedKeys pages through every key once, in order, whatever was added and removed', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { maxLength: 120 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 25 }),
        (keys, removals, pageSize) => {
          const index = new SortedKeys();
          for (const key of keys) index.add(key);
          const removed = new Set(removals.map((n) => keys[n % Math.max(keys.length, 1)]));
          for (const key of removed) if (key !== undefined) index.delete(key);

          const seen: string[] = [];
          let after: string | undefined;
          for (;;) {
            const page = index.pageAfter(after, pageSize);
            seen.push(...page.keys);
            if (!page.more) break;
            after = page.keys.at(-1);
          }
          const expected = keys.filter((key) => !removed.has(key)).sort();
          return JSON.stringify(seen) === JSON.stringify(expected) && index.size === expected.length;
        },
      ),
    ),
  );
});

t.test('QueryParams reads awsQuery lists whatever the member segment is called', async (t) => {
  const params = QueryParams.fromForm(
    'Action=X&Tags.Tag.2.Key=b&Tags.Tag.2.Value=2&Tags.Tag.1.Key=a&Tags.Tag.1.Value=1' +
      '&TagKeys.member.1=k1&TagKeys.member.2=k2&Filters.Filter.1.Name=db-instance-id' +
      '&Filters.Filter.1.Values.Value.1=x&Filters.Filter.1.Values.Value.2=y&Empty=&Flag=TRUE&N=42',
  );
  t.same(
    params.structList('Tags')?.map((tag) => [tag.string('Key'), tag.string('Value')]),
    [
      ['a', '1'],
      ['b', '2'],
    ],
  );
  t.same(params.list('TagKeys'), ['k1', 'k2']);
  t.same(params.structList('Filters')?.[0]?.list('Values'), ['x', 'y']);
  t.same(params.list('Empty'), [], 'an empty list is sent as `Name=`');
  t.equal(params.list('Absent'), undefined);
  t.equal(params.boolean('Flag'), true);
  t.equal(params.integer('N'), 42);
  t.equal(
    codeOf(() => QueryParams.fromForm('N=4.5').integer('N')),
    'InvalidParameterValue',
  );
  t.equal(
    codeOf(() => QueryParams.fromForm('Flag=yes').boolean('Flag')),
    'InvalidParameterValue',
  );
});

t.test('toQueryEntries flattens SDK-shaped input into what QueryParams reads back', async (t) => {
  const params = new QueryParams(
    toQueryEntries({ A: 1, B: true, Tags: [{ Key: 'k', Value: 'v' }], Ids: ['x', 'y'], Skip: undefined }),
  );
  t.equal(params.integer('A'), 1);
  t.equal(params.boolean('B'), true);
  t.equal(params.structList('Tags')?.[0]?.string('Key'), 'k');
  t.same(params.list('Ids'), ['x', 'y']);
  t.notOk(params.has('Skip'));
});

t.test('storage rules follow AWS for PostgreSQL', async (t) => {
  const cases: Array<[string, Parameters<typeof validateStorage>[0], string | undefined]> = [
    ['gp2 20 GiB', { type: 'gp2', allocatedGiB: 20 }, undefined],
    ['gp2 19 GiB', { type: 'gp2', allocatedGiB: 19 }, 'InvalidParameterCombination'],
    ['gp2 with iops', { type: 'gp2', allocatedGiB: 100, iops: 1000 }, 'InvalidParameterCombination'],
    [
      'gp3 small with throughput',
      { type: 'gp3', allocatedGiB: 100, throughputMiBps: 500 },
      'InvalidParameterCombination',
    ],
    [
      'gp3 400 GiB provisioned',
      { type: 'gp3', allocatedGiB: 400, iops: 12000, throughputMiBps: 500 },
      undefined,
    ],
    ['gp3 iops too low', { type: 'gp3', allocatedGiB: 400, iops: 11000 }, 'InvalidParameterCombination'],
    [
      'gp3 throughput/iops above 0.25',
      { type: 'gp3', allocatedGiB: 400, iops: 12000, throughputMiBps: 4000 },
      'InvalidParameterCombination',
    ],
    ['io1 ratio 50', { type: 'io1', allocatedGiB: 100, iops: 5000 }, undefined],
    ['io1 ratio above 50', { type: 'io1', allocatedGiB: 100, iops: 5100 }, 'InvalidParameterCombination'],
    ['io2 ratio 500', { type: 'io2', allocatedGiB: 100, iops: 50000 }, undefined],
    ['io1 below 100 GiB', { type: 'io1', allocatedGiB: 50, iops: 1000 }, 'InvalidParameterCombination'],
    ['standard 5 GiB', { type: 'standard', allocatedGiB: 5 }, undefined],
    ['standard above 3072 GiB', { type: 'standard', allocatedGiB: 4000 }, 'InvalidParameterCombination'],
  ];
  for (const [name, storage, code] of cases)
    t.equal(
      codeOf(() => validateStorage(storage)),
      code,
      name,
    );

  t.equal(reportedIops({ type: 'gp3', allocatedGiB: 20 }), 3000);
  t.equal(reportedIops({ type: 'gp3', allocatedGiB: 400 }), 12000);
  t.equal(reportedThroughput({ type: 'gp3', allocatedGiB: 400 }), 500);
  t.equal(reportedIops({ type: 'gp2', allocatedGiB: 400 }), undefined);
});

t.test('backup and maintenance windows', async (t) => {
  t.equal(parseMaintenanceWindow('Sun:05:00-Sun:06:00'), 'sun:05:00-sun:06:00');
  t.equal(
    codeOf(() => parseMaintenanceWindow('sun:05:00-sun:05:10')),
    'InvalidParameterValue',
    'too short',
  );
  t.equal(
    codeOf(() => parseMaintenanceWindow('someday')),
    'InvalidParameterValue',
  );
  t.equal(
    codeOf(() => validateWindowsDoNotOverlap('03:00-04:00', 'sun:05:00-sun:06:00')),
    undefined,
  );
  t.equal(
    codeOf(() => validateWindowsDoNotOverlap('05:30-06:30', 'wed:06:00-wed:07:00')),
    'InvalidParameterCombination',
  );
  t.equal(
    codeOf(() => validateWindowsDoNotOverlap('23:45-00:30', 'mon:00:00-mon:00:30')),
    'InvalidParameterCombination',
    'a backup window across midnight still overlaps',
  );
  t.equal(
    codeOf(() => validateWindowsDoNotOverlap('12:00-12:30', 'sun:23:30-mon:00:30')),
    undefined,
    'a maintenance window across days',
  );
  t.equal(
    codeOf(() => validateWindowsDoNotOverlap('10:00-10:30', 'sun:23:30-mon:10:15')),
    'InvalidParameterCombination',
  );
});

t.test('engine versions', async (t) => {
  t.equal(resolveEngineVersion('16'), '16.8');
  t.equal(resolveEngineVersion('15.7'), '15.7');
  t.equal(
    codeOf(() => resolveEngineVersion('9.6')),
    'InvalidParameterCombination',
  );
  t.equal(
    codeOf(() => validateUpgrade('16.8', '16.3', false)),
    'InvalidParameterCombination',
    'no downgrade',
  );
  t.equal(
    codeOf(() => validateUpgrade('16.8', '17.4', false)),
    'InvalidParameterCombination',
  );
  t.equal(
    codeOf(() => validateUpgrade('16.8', '17.4', true)),
    undefined,
  );
});

t.test('escapeXml', async (t) => {
  t.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
  t.equal(escapeXml('plain'), 'plain');
});
