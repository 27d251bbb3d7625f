import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { conversionPlugin } from '../src/conversion/plugin.js';
import { convertReview } from '../src/conversion/review.js';

// A ConversionReview of 1,000 objects, as a list read sends it: time per object through the pure
// function and through the Fastify route (JSON parse + convert + serialise), median of several runs.

const OBJECTS = 1_000;
const WARMUP = 3;
const RUNS = 15;

function alphaObject(index: number) {
  return {
    apiVersion: 'stow.dev/v1alpha1',
    kind: 'PostgresDB',
    metadata: {
      name: `db-${index}`,
      namespace: `team-${index % 17}`,
      uid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      resourceVersion: String(10_000 + index),
      generation: 1,
      creationTimestamp: '2024-05-01T10:00:00Z',
      labels: { team: `team-${index % 17}`, tier: 'backend' },
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"stow.dev/v1alpha1"}',
      },
      finalizers: ['stow.dev/finalizer'],
    },
    spec: { size: 'db.t3.small', storage: index % 2 === 0 ? '20' : 20, storageType: 'gp2' },
    status: { arn: `arn:aws:rds:eu-west-1:123456789012:db:db-${index}`, ready: 'available' },
  };
}

function betaObject(index: number) {
  const { metadata } = alphaObject(index);
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata,
    spec: {
      instanceClass: 'db.m6g.large',
      engineVersion: '16.4',
      storage: { type: 'gp3', sizeGiB: 500, iops: 12000, throughputMiBps: 500, maxSizeGiB: 1000 },
      multiAZ: true,
      databaseName: `db_${index}`,
      masterUsername: 'stow_admin',
      backup: { retentionDays: 7, window: '03:00-04:00' },
      maintenanceWindow: 'sun:05:00-sun:06:00',
      deletionPolicy: 'Snapshot',
      deletionProtection: false,
      publiclyAccessible: false,
      tags: { team: `team-${index % 17}` },
      secretName: `db-${index}`,
      serviceName: `db-${index}`,
    },
    status: {
      phase: 'Available',
      rdsStatus: 'available',
      dbInstanceIdentifier: `stow-db-${index}`,
      arn: `arn:aws:rds:eu-west-1:123456789012:db:stow-db-${index}`,
      endpoint: { address: `stow-db-${index}.abc.eu-west-1.rds.amazonaws.com`, port: 5432 },
      observedGeneration: 1,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          lastTransitionTime: '2024-05-01T10:00:00Z',
          reason: 'Available',
          message: '',
        },
        {
          type: 'Synced',
          status: 'True',
          lastTransitionTime: '2024-05-01T10:00:00Z',
          reason: 'Synced',
          message: '',
        },
      ],
    },
  };
}

function review(objects: object[], desiredAPIVersion: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: { uid: '5b3c2a1e-0000-4000-8000-000000000000', desiredAPIVersion, objects },
  };
}

async function timePerObjectMicros(run: () => unknown | Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    samples.push(((performance.now() - started) * 1000) / OBJECTS);
  }
  return samples.sort((a, b) => a - b);
}

const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!;

async function main() {
  const app = Fastify();
  await app.register(conversionPlugin, { registry: new Registry() });
  await app.ready();

  const scenarios = [
    {
      name: 'v1alpha1 → v1beta1 (stored v1alpha1, read as v1beta1)',
      body: review(
        Array.from({ length: OBJECTS }, (_, i) => alphaObject(i)),
        'stow.dev/v1beta1',
      ),
    },
    {
      name: 'v1beta1 → v1alpha1 (stored v1beta1, read as v1alpha1)',
      body: review(
        Array.from({ length: OBJECTS }, (_, i) => betaObject(i)),
        'stow.dev/v1alpha1',
      ),
    },
  ];

  console.log(
    `ConversionReview of ${OBJECTS} objects; ${RUNS} runs after ${WARMUP} warm-up runs; µs per object`,
  );
  console.log(['scenario', 'path', 'body KiB', 'median', 'min', 'max'].join('\t'));
  for (const { name, body } of scenarios) {
    const payload = JSON.stringify(body);
    const check = convertReview(body);
    if (check.statusCode !== 200 || check.body.response.result.status !== 'Success')
      throw new Error(`${name}: not converted`);

    const pure = await timePerObjectMicros(() => convertReview(body));
    const http = await timePerObjectMicros(async () => {
      const reply = await app.inject({
        method: 'POST',
        url: '/convert',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      if (reply.statusCode !== 200) throw new Error(`HTTP ${reply.statusCode}: ${reply.body}`);
    });
    const kib = (payload.length / 1024).toFixed(0);
    for (const [path, samples] of [
      ['convertReview()', pure],
      ['app.inject() /convert', http],
    ] as const) {
      const [min, max] = [samples[0]!, samples[samples.length - 1]!];
      console.log([name, path, kib, median(samples).toFixed(2), min.toFixed(2), max.toFixed(2)].join('\t'));
    }
  }
  await app.close();
}

await main();
