import { spawn } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { makeDevCerts } from '../../src/dev/control-plane/certs.js';
import { startControlPlane } from '../../src/dev/control-plane/control-plane.js';
import { runCommand } from '../../src/dev/control-plane/run-command.js';
import { kubectlOrThrow } from '../support/kubectl.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const controlPlaneModule = new URL('../../src/dev/control-plane/control-plane.js', import.meta.url).href;

t.test('a real control plane', async (t) => {
  const cp = await startControlPlane({
    extraUsers: [{ name: 'alice', groups: ['developers'] }],
    log: (line) => t.comment(line),
  });
  t.teardown(() => cp.stop());
  // How long it took is reported, never asserted: timing belongs to benchmarks.
  t.comment(`started in ${cp.startupMs} ms`);
  t.ok(cp.startupMs > 0, 'reports its start-up time');
  const kubectl = (args: string[], input?: string) => kubectlOrThrow(cp, args, input);

  await t.test('creates a namespace, a Secret and a ConfigMap', async (t) => {
    await kubectl(['create', 'namespace', 'demo']);
    await kubectl(['-n', 'demo', 'create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
    await kubectl(['-n', 'demo', 'create', 'configmap', 'settings', '--from-literal=mode=dev']);
    const secret = JSON.parse(await kubectl(['-n', 'demo', 'get', 'secret', 'creds', '-o', 'json']));
    t.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cret');
    t.equal(
      await kubectl(['-n', 'demo', 'get', 'configmap', 'settings', '-o', 'jsonpath={.data.mode}']),
      'dev',
    );
  });

  await t.test(
    'garbage-collects dependents of a deleted owner',
    { skip: !cp.controllerManager },
    async (t) => {
      await kubectl(['-n', 'demo', 'create', 'configmap', 'owner']);
      const uid = await kubectl([
        '-n',
        'demo',
        'get',
        'configmap',
        'owner',
        '-o',
        'jsonpath={.metadata.uid}',
      ]);
      const dependent = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'dependent',
          namespace: 'demo',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }],
        },
      };
      await kubectl(['create', '-f', '-'], JSON.stringify(dependent));
      await kubectl(['-n', 'demo', 'delete', 'configmap', 'owner']);
      await eventually(
        async () => (await cp.kubectl(['-n', 'demo', 'get', 'configmap', 'dependent'])).code !== 0,
      );
      t.pass('the dependent ConfigMap is gone');
    },
  );

  await t.test('serves a CustomResourceDefinition and its objects', async (t) => {
    await kubectl(['apply', '-f', '-'], JSON.stringify(widgetCrd));
    await kubectl(['wait', '--for=condition=Established', '--timeout=30s', 'crd/widgets.example.stow.dev']);
    const widget = {
      apiVersion: 'example.stow.dev/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'demo' },
      spec: { size: 3 },
    };
    await kubectl(['apply', '-f', '-'], JSON.stringify(widget));
    t.equal(await kubectl(['-n', 'demo', 'get', 'widget', 'w1', '-o', 'jsonpath={.spec.size}']), '3');
    const invalid = await cp.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        ...widget,
        metadata: { name: 'w2', namespace: 'demo' },
        spec: { size: 'big' },
      }),
    });
    t.not(invalid.code, 0, 'the schema rejects a string size');
  });

  await t.test('authorizes with RBAC', async (t) => {
    const canI = (args: string[], opts = {}) => cp.kubectl(['auth', 'can-i', ...args], opts);
    const serviceAccount = await canI(['get', 'secrets', '-n', 'demo', '--as', 'system:serviceaccount:x:y']);
    t.equal(serviceAccount.stdout.trim(), 'no', 'a service account without bindings may not read secrets');
    t.equal(serviceAccount.code, 1);
    t.equal((await canI(['get', 'secrets', '-n', 'demo'])).stdout.trim(), 'yes', 'the admin may');
    const alice = await canI(['get', 'secrets', '-n', 'demo'], { token: cp.tokens.alice });
    t.equal(alice.stdout.trim(), 'no', 'an extra user authenticates with its own token and has no rights');
  });

  await t.test('deletes a namespace with its contents', { skip: !cp.controllerManager }, async (t) => {
    await kubectl(['delete', 'namespace', 'demo', '--wait=false']);
    await eventually(async () => (await cp.kubectl(['get', 'namespace', 'demo'])).code !== 0);
    t.pass('the namespace is gone');
  });

  await t.test('stop() ends every process and removes its folder', async (t) => {
    await cp.stop();
    for (const { name, pid } of cp.processes) t.notOk(isAlive(pid), `${name} (pid ${pid}) is gone`);
    t.notOk(existsSync(cp.dir), 'the temp dir is removed');
    await cp.stop();
    t.pass('a second stop() is harmless');
  });
});

t.test('no process outlives its parent', async (t) => {
  for (const ending of ['SIGKILL', 'uncaught exception'] as const) {
    await t.test(`after ${ending}`, async (t) => {
      const { pids, dir } = await runDoomedParent(ending);
      t.ok(pids.length >= 2, 'the parent had started etcd and kube-apiserver');
      await eventually(async () => pids.every((pid) => !isAlive(pid)), 10_000);
      t.pass('all its processes are gone');
      await eventually(async () => !existsSync(dir), 10_000);
      t.pass('its temp dir is removed');
    });
  }
});

t.test('dev certificates', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stow-certs-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  const first = await makeDevCerts(join(dir, 'ts'), { hosts: ['stow-webhook.stow-system.svc', '10.1.2.3'] });
  const ca = new X509Certificate(first.caPem);
  const cert = new X509Certificate(await readFile(first.certFile));
  t.ok(cert.verify(ca.publicKey), 'signed by the CA');
  for (const ip of ['127.0.0.1', '10.1.2.3']) t.equal(cert.checkIP(ip), ip);
  for (const host of ['localhost', 'stow-webhook.stow-system.svc']) t.equal(cert.checkHost(host), host);
  t.ok(cert.checkPrivateKey(createPrivateKey(first.keyPem)), 'key matches');
  t.equal(await readFile(join(dir, 'ts', 'ca.crt'), 'utf8'), first.caPem, 'cert-manager layout: ca.crt');

  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  const replacement = await makeDevCerts(join(dir, 'ts'), {
    ca: first,
    notBefore,
    validForSeconds: 60,
    keyType: 'rsa',
  });
  const renewed = new X509Certificate(replacement.certPem);
  t.equal(replacement.caPem, first.caPem, 'a replacement keeps the CA');
  t.ok(renewed.verify(ca.publicKey), 'and is signed by it');
  t.not(renewed.serialNumber, cert.serialNumber);
  t.equal(new Date(renewed.validTo).getTime() - notBefore.getTime(), 60_000, 'validity to the second');
  t.equal(renewed.publicKey.asymmetricKeyType, 'rsa');

  const script = await runCommand('bash', [
    join(repoRoot, 'certs/make-dev-certs.sh'),
    join(dir, 'sh'),
    'db.local',
  ]);
  t.equal(script.code, 0, script.code === 0 ? 'certs/make-dev-certs.sh succeeds' : script.stderr);
  const verified = await runCommand('openssl', [
    'verify',
    '-CAfile',
    join(dir, 'sh/ca.crt'),
    join(dir, 'sh/tls.crt'),
  ]);
  t.equal(verified.code, 0, 'the script makes a verifiable chain');
  t.equal(new X509Certificate(await readFile(join(dir, 'sh/tls.crt'))).checkHost('db.local'), 'db.local');
});

/** Starts a control plane in a child Node process that then dies the given way. */
async function runDoomedParent(
  ending: 'SIGKILL' | 'uncaught exception',
): Promise<{ pids: number[]; dir: string }> {
  const source = `
    const { startControlPlane } = await import(${JSON.stringify(controlPlaneModule)});
    const cp = await startControlPlane({ controllerManager: false });
    console.log(JSON.stringify({ pids: cp.processes.map((p) => p.pid), dir: cp.dir }));
    setInterval(() => {}, 1000);
    ${ending === 'uncaught exception' ? "setTimeout(() => { throw new Error('boom'); }, 10);" : ''}
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await eventually(async () => stdout.includes('\n') || child.exitCode !== null, 60_000);
  const started = JSON.parse(stdout.split('\n')[0] || 'null') as { pids: number[]; dir: string } | null;
  if (!started) throw new Error(`the child did not start a control plane:\n${stderr}`);
  if (ending === 'SIGKILL') child.kill('SIGKILL');
  await exited;
  return started;
}

async function eventually(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.stow.dev' },
  spec: {
    group: 'example.stow.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
          },
        },
      },
    ],
  },
};
