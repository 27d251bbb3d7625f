// A fault injected by the API server itself: a validating webhook (a small HTTPS server here) that
// refuses the Secret writes a predicate picks, e.g. the write that would make a pending password the
// Secret's password. The controller sees exactly what it would see from a quota or a policy engine.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeDevCerts } from '../../src/dev/control-plane/certs.js';
import type { ControlPlane } from '../../src/dev/control-plane/control-plane.js';
import { kubectlOrThrow } from './kubectl.js';

type Data = Record<string, string> | undefined;

/** What the predicate sees of a Secret UPDATE: the data before and after (base64, as sent). */
export interface SecretWrite {
  name: string;
  namespace: string;
  before: Data;
  after: Data;
}

export interface SecretWriteFault {
  /** Picks the writes to refuse; undefined refuses nothing. */
  refuse: ((write: SecretWrite) => boolean) | undefined;
  /** Writes refused so far. */
  refused: SecretWrite[];
  stop(): Promise<void>;
}

const CONFIGURATION = 'test-secret-write-fault';

/** Registers the webhook for Secret UPDATEs labelled `labelKey`, and serves it until stopped; a probe in `probeNamespace` waits until it is called. */
export async function startSecretWriteFault(
  cp: ControlPlane,
  labelKey: string,
  probeNamespace: string,
): Promise<SecretWriteFault> {
  const dir = await mkdtemp(join(tmpdir(), 'stow-fault-'));
  const certs = await makeDevCerts(dir);
  const fault: SecretWriteFault = {
    refuse: undefined,
    refused: [],
    stop: async () => {
      await cp.kubectl(['delete', 'validatingwebhookconfiguration', CONFIGURATION, '--ignore-not-found']);
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
  const server: Server = createServer({ cert: certs.certPem, key: certs.keyPem }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const { uid, object, oldObject } = review.request;
      const write: SecretWrite = {
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        before: oldObject?.data,
        after: object.data,
      };
      const refuse = fault.refuse?.(write) ?? false;
      if (refuse) fault.refused.push(write);
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: {
            uid,
            allowed: !refuse,
            ...(refuse ? { status: { code: 403, message: 'refused by the test fault' } } : {}),
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const configuration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: CONFIGURATION },
    webhooks: [
      {
        name: 'secrets.fault.test',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        timeoutSeconds: 5,
        clientConfig: {
          url: `https://127.0.0.1:${port}/`,
          caBundle: Buffer.from(certs.caPem).toString('base64'),
        },
        objectSelector: { matchExpressions: [{ key: labelKey, operator: 'Exists' }] },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['secrets'] }],
      },
    ],
  };
  const applied = await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(configuration) });
  if (applied.code !== 0) {
    await fault.stop();
    throw new Error(`registering the fault webhook: ${applied.stderr}`);
  }
  await untilServing(cp, fault, labelKey, probeNamespace);
  return fault;
}

/** The API server takes a moment to call a new webhook: a probe Secret is written until it is refused. */
async function untilServing(
  cp: ControlPlane,
  fault: SecretWriteFault,
  labelKey: string,
  namespace: string,
): Promise<void> {
  const probe = `fault-probe-${Date.now()}`;
  await kubectlOrThrow(cp, ['create', 'secret', 'generic', probe, '-n', namespace]);
  await cp.kubectl(['label', 'secret', probe, '-n', namespace, `${labelKey}=probe`]);
  fault.refuse = (write) => write.name === probe;
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      const patched = await cp.kubectl(['annotate', 'secret', probe, '-n', namespace, `probe=${attempt}`]);
      if (patched.code !== 0) return;
      await sleep(100);
    }
    throw new Error('the fault webhook was never called');
  } finally {
    fault.refuse = undefined;
    fault.refused.length = 0;
    await cp.kubectl(['delete', 'secret', probe, '-n', namespace]);
  }
}
