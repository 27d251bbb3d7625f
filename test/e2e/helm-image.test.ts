// The container image's layout, without a container engine (none runs on the development machines;
// see docs/image.md): the runtime stage of the Dockerfile is assembled in a clean folder the way the
// build stage makes it (the checkout's `npm ci` node_modules, then `npm prune --omit=dev`, dist/src,
// config, package files), then `stow --help`, `stow crds` and `stow run` with the Deployment's own
// arguments, environment, ConfigMap and chart-generated certificate are run from it, as user 65532
// when the test runs as root.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import t from 'tap';
import { renderEachCrd } from '../../src/cli/crds.js';
import { parseAllDocuments } from 'yaml';
import { startControlPlane } from '../../src/dev/control-plane/control-plane.js';
import { freeLoopbackPorts } from '../../src/dev/control-plane/ports.js';
import { imageEnvironment } from '../support/image-environment.js';

const root = new URL('../../../', import.meta.url).pathname;
const NS = 'stow-system';
const UID = 65532;
const asRoot = process.getuid?.() === 0;

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are arbitrary JSON
type Manifest = Record<string, any>;

function run(
  command: string,
  args: string[],
  cwd = root,
  extra: { uid?: number; env?: NodeJS.ProcessEnv } = {},
) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    ...(extra.env ? { env: extra.env } : {}),
    ...(extra.uid === undefined ? {} : { uid: extra.uid, gid: extra.uid }),
  });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** The lines of the Dockerfile that define the runtime image. */
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const runtimeStage = dockerfile.slice(dockerfile.indexOf('AS runtime'));

t.test('the Dockerfile builds a small non-root Node 24 image running `stow run`', async (t) => {
  t.match(dockerfile, /^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
  t.match(dockerfile, /^FROM \$\{NODE_IMAGE\} AS build$/m);
  t.match(dockerfile, /npm ci --ignore-scripts/);
  t.match(dockerfile, /npm prune --omit=dev/);
  t.match(runtimeStage, /^USER 65532:65532$/m);
  t.same(
    imageEnvironment(),
    { NODE_ENV: 'production', MALLOC_ARENA_MAX: '2' },
    'the environment the runtime stage sets (ADR 0031)',
  );
  t.match(runtimeStage, /^ENTRYPOINT \["node", "dist\/src\/cli\/main\.js"\]$/m);
  t.match(runtimeStage, /^CMD \["run"\]$/m);
  const copies = [...runtimeStage.matchAll(/^COPY (?:--from=build )?(.+) \S+$/gm)].flatMap((m) =>
    m[1]!.split(' ').map((path) => path.replace(/^\/app\//, '')),
  );
  t.same(
    copies,
    ['package.json', 'package-lock.json', 'node_modules', 'dist/src', 'config'],
    'runtime files',
  );
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8');
  for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'src/**', 'config/**']) {
    t.ok(ignored.includes(`!${path}`), `.dockerignore lets ${path} into the build context`);
  }
});

t.test('the image layout runs: --help, crds, and run with the chart Deployment', async (t) => {
  // Inside the checkout (gitignored .cache/), so node_modules can be hard-linked rather than copied.
  mkdirSync(join(root, '.cache'), { recursive: true });
  const app = mkdtempSync(join(root, '.cache', 'image-'));
  t.teardown(() => rmSync(app, { recursive: true, force: true }));
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(root, file), join(app, file));
  cpSync(join(root, 'dist/src'), join(app, 'dist/src'), { recursive: true });
  cpSync(join(root, 'config'), join(app, 'config'), { recursive: true });
  // The build stage: `npm ci` (the checkout's node_modules), then `npm prune --omit=dev`. Hard links
  // are safe: prune only unlinks, and the one file npm rewrites is copied, not linked.
  // From its real path: a checkout whose node_modules is a symlink (a git worktree sharing another's)
  // must not have the link copied, and the shared tree pruned through it.
  const modules = realpathSync(join(root, 'node_modules'));
  let linked = run('cp', ['-al', modules, join(app, 'node_modules')]);
  if (linked.code !== 0) linked = run('cp', ['-a', modules, join(app, 'node_modules')]);
  t.equal(linked.code, 0, `node_modules copied ${linked.stderr}`);
  rmSync(join(app, 'node_modules/.package-lock.json'), { force: true });
  cpSync(join(root, 'node_modules/.package-lock.json'), join(app, 'node_modules/.package-lock.json'));
  const prune = run(
    'npm',
    ['prune', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'],
    app,
  );
  t.equal(prune.code, 0, prune.code === 0 ? 'npm prune --omit=dev' : prune.stderr);
  // Exactly the lockfile's production packages: every `dev` entry gone, every other one there.
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const entries = Object.entries(
    lock.packages as Record<string, { dev?: boolean; optional?: boolean }>,
  ).filter(([path]) => path.startsWith('node_modules/'));
  const present = (path: string) => existsSync(join(app, path, 'package.json'));
  const devLeft = entries.filter(([path, entry]) => entry.dev && present(path)).map(([path]) => path);
  const prodMissing = entries
    .filter(([path, entry]) => !entry.dev && !entry.optional && !present(path))
    .map(([path]) => path);
  t.same(devLeft, [], 'no devDependencies (typescript, tap, biome, aws-cdk, ...) in the image');
  t.same(prodMissing, [], 'every production dependency in the image');
  t.ok(present('node_modules/fastify') && !present('node_modules/typescript'), 'spot check');

  // The files belong to root and are read-only for the operator, as in the image.
  // (mkdtemp makes it 0700; the copied files keep the checkout's modes; node_modules is hard-linked,
  // so it is not chmod-ed.)
  if (asRoot) chmodSync(app, 0o755);
  const env = { PATH: process.env.PATH, HOME: '/nonexistent', ...imageEnvironment() };
  // Through env(1): tap's process tracking adds NODE_OPTIONS to every child; the image has no tap.
  const node = (...args: string[]) => ['-u', 'NODE_OPTIONS', process.execPath, ...args];
  const main = 'dist/src/cli/main.js';
  // As the image's user when possible (the checkout and node must be reachable for uid 65532).
  const asOperator = asRoot && run('env', node('--version'), app, { uid: UID, env }).code === 0;
  if (!asOperator) t.comment(`running as uid ${process.getuid?.()}, not ${UID}`);
  const uid = asOperator ? { uid: UID } : {};

  const help = run('env', node(main, '--help'), app, { ...uid, env });
  t.equal(help.code, 0, `stow --help ${help.stderr}`);
  t.match(help.stdout, /^Usage: stow <command>/);
  const crds = run('env', node(main, 'crds'), app, { ...uid, env });
  t.equal(crds.code, 0, `stow crds ${crds.stderr}`);
  const committed = renderEachCrd({}).map(({ plural }) =>
    readFileSync(join(root, `helm/stow/files/${plural}.stow.dev.yaml`), 'utf8'),
  );
  t.equal(crds.stdout, committed.join('---\n'), 'crds: the chart files, as YAML documents');

  // The Deployment as the chart renders it (cert-manager off: the Secret is in the manifests).
  const rendered = run('bash', [
    join(root, 'scripts/helm.sh'),
    'template',
    'stow',
    join(root, 'helm/stow'),
    '--namespace',
    NS,
    '--set',
    'certManager.enabled=false',
  ]);
  t.equal(rendered.code, 0, `helm template ${rendered.stderr}`);
  const objects = parseAllDocuments(rendered.stdout).map((doc) => doc.toJSON() as Manifest);
  const deployment = objects.find((o) => o?.kind === 'Deployment')!;
  const configMap = objects.find((o) => o?.kind === 'ConfigMap')!;
  const secret = objects.find((o) => o?.kind === 'Secret')!;
  const container = deployment.spec.template.spec.containers[0];
  // The projected volume, laid out under a stand-in for /etc/stow.
  const etc = join(app, 'etc-stow');
  const projected = deployment.spec.template.spec.volumes[0].projected.sources;
  for (const source of projected) {
    for (const item of (source.configMap ?? source.secret).items) {
      const path = join(etc, item.path);
      mkdirSync(dirname(path), { recursive: true });
      const value = source.configMap
        ? configMap.data[item.key]
        : Buffer.from(secret.data[item.key], 'base64').toString('utf8');
      writeFileSync(path, value, { mode: 0o444 });
    }
  }
  if (asRoot) run('chmod', ['-R', 'a+rX', etc]);
  const [webhookPort, metricsPort] = await freeLoopbackPorts(2);
  const args = (container.args as string[]).map((arg) =>
    arg
      .replace(/^\/etc\/stow/, etc)
      .replace(/^9443$/, String(webhookPort))
      .replace(/^8080$/, String(metricsPort)),
  );
  t.same(args.slice(0, 1), ['run']);
  // The webhooks read the platform policies from the API server: a real one, with the CRDs. Its
  // kubeconfig is copied where the operator's user can read it. The controller half is left off.
  const controlPlane = await startControlPlane();
  t.teardown(() => controlPlane.stop());
  const crdsApplied = await controlPlane.kubectl(['apply', '-f', '-'], { input: crds.stdout });
  t.equal(crdsApplied.code, 0, `CRDs installed ${crdsApplied.stderr}`);
  const kubeconfig = join(app, 'kubeconfig');
  cpSync(controlPlane.kubeconfigPath, kubeconfig);
  if (asRoot) chmodSync(kubeconfig, 0o644);
  const podEnv = Object.fromEntries(
    (container.env as Manifest[]).map((e) => [
      e.name,
      e.value ?? (e.valueFrom.fieldRef.fieldPath === 'metadata.name' ? 'stow-0' : NS),
    ]),
  );
  const child: ChildProcess = spawn(
    'env',
    node(main, ...args, '--bind-address', '127.0.0.1', '--no-controller'),
    {
      cwd: app,
      env: { ...env, ...podEnv, LOG_LEVEL: 'warn', KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asOperator ? { uid: UID, gid: UID } : {}),
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const probe = async (path: string) => {
    for (let i = 0; i < 100; i++) {
      try {
        const response = await fetch(`http://127.0.0.1:${metricsPort}${path}`);
        return { status: response.status, body: await response.text() };
      } catch {
        if (child.exitCode !== null) throw new Error(`stow run exited: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`no answer on ${path}: ${output}`);
  };
  t.equal((await probe('/healthz')).status, 200, 'liveness probe path');
  t.equal((await probe('/readyz')).status, 200, 'readiness probe path');
  t.match((await probe('/metrics')).body, /# TYPE /, 'metrics');

  // The API server's view: HTTPS to <service>.<namespace>.svc, trusting the chart's caBundle.
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'image-test',
      kind: { group: 'stow.dev', version: 'v1beta1', kind: 'PostgresDB' },
      resource: { group: 'stow.dev', version: 'v1beta1', resource: 'postgresdbs' },
      operation: 'CREATE',
      namespace: 'default',
      name: 'example',
      userInfo: { username: 'test' },
      object: {
        apiVersion: 'stow.dev/v1beta1',
        kind: 'PostgresDB',
        metadata: { name: 'example', namespace: 'default' },
        spec: { instanceClass: 'db.t3.micro', storage: { sizeGiB: 5 } },
      },
    },
  };
  const caBundle = objects.find((o) => o?.kind === 'ValidatingWebhookConfiguration')!.webhooks[0].clientConfig
    .caBundle;
  const answer = await new Promise<Manifest>((resolve, reject) => {
    const body = JSON.stringify(review);
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port: webhookPort,
        path: '/validate',
        method: 'POST',
        servername: `stow-webhook.${NS}.svc`,
        ca: Buffer.from(caBundle, 'base64'),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve(JSON.parse(text)));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
  t.equal(answer.response.uid, 'image-test');
  t.equal(answer.response.allowed, false, 'the storage rules from the ConfigMap apply');
  t.match(answer.response.status.message, /spec\.storage\.sizeGiB: must be at least 20/);

  // The kubelet's view of the Deployment's probes: a GET to the named port, over HTTPS without
  // checking the certificate, and 200-399 is a pass.
  const ports: Record<string, number> = { webhook: webhookPort!, metrics: metricsPort! };
  const kubeletProbe = (probe: Manifest) =>
    new Promise<number>((resolve, reject) => {
      const { path, port, scheme } = probe.httpGet;
      const send = scheme === 'HTTPS' ? httpsRequest : httpRequest;
      const request = send(
        {
          host: '127.0.0.1',
          port: ports[port],
          path,
          rejectUnauthorized: false,
          timeout: probe.timeoutSeconds * 1000,
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('timeout', () =>
        request.destroy(new Error(`${path}: no answer within ${probe.timeoutSeconds}s`)),
      );
      request.on('error', reject);
      request.end();
    });
  const PROBES = ['startupProbe', 'livenessProbe', 'readinessProbe'];
  for (const name of PROBES) {
    t.equal(container[name].httpGet.scheme, 'HTTPS', `${name}: on the TLS listener`);
    t.equal(await kubeletProbe(container[name]), 200, `${name} passes`);
  }
  // A slow or unreachable API server must not restart the pods: the probes never wait on it.
  await controlPlane.stop();
  for (const name of PROBES)
    t.equal(await kubeletProbe(container[name]), 200, `${name} passes with the API server gone`);

  child.kill('SIGTERM');
  t.equal(await exited, 0, `stops cleanly on SIGTERM\n${output}`);
});

t.test('npm run image: without a container builder, a clear message and no build', async (t) => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  t.equal(pkg.scripts.image, 'bash scripts/image.sh');
  // A PATH with the tools the script reads with, and a docker client whose daemon is not running
  // (as on the development machines).
  mkdirSync(join(root, '.cache'), { recursive: true });
  const bin = mkdtempSync(join(root, '.cache', 'image-bin-'));
  t.teardown(() => rmSync(bin, { recursive: true, force: true }));
  for (const tool of ['sed', 'head', 'git', 'cat', 'dirname']) {
    const found = run('bash', ['-c', `command -v ${tool}`]).stdout.trim();
    if (found) symlinkSync(found, join(bin, tool));
  }
  writeFileSync(join(bin, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2\nexit 1\n', {
    mode: 0o755,
  });
  const result = run('/bin/bash', [join(root, 'scripts/image.sh')], root, {
    env: { PATH: bin, HOME: process.env.HOME },
  });
  t.equal(result.code, 1, 'fails');
  t.match(result.stderr, /no container builder on this machine/);
  t.match(result.stderr, /docker, with a running daemon/);
  t.match(result.stderr, /podman/);
  t.match(result.stderr, /docs\/image\.md/);
});
