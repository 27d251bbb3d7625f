// The Helm chart against a real kube-apiserver (1.20, RBAC on): every rendered manifest passes a
// server-side dry-run, everything but the cert-manager kinds and the ServiceMonitor is applied for
// real, `kubectl auth can-i` as the chart's ServiceAccount shows the operator may do exactly what the
// controller does (cluster-wide, and per namespace with config.watchNamespaces), and a real
// `helm install` / `helm upgrade` without cert-manager keeps its generated CA.
import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { type ControlPlane, startControlPlane } from '../../src/dev/control-plane/control-plane.js';
import { writeKubeconfig } from '../../src/dev/control-plane/kubeconfig.js';
import { freeLoopbackPorts } from '../../src/dev/control-plane/ports.js';
import { runCommand } from '../../src/dev/control-plane/run-command.js';
import { type RdsEmulator, startRdsEmulator } from '../../src/dev/emulator/index.js';

const root = new URL('../../../', import.meta.url).pathname;
const chart = join(root, 'helm/stow');

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are arbitrary JSON
type Manifest = Record<string, any>;

function helm(args: string[]) {
  return runCommand('bash', [join(root, 'scripts/helm.sh'), ...args], undefined, { cwd: root });
}

/** Open-schema stand-ins for the cert-manager and Prometheus Operator CRDs, so their kinds resolve. */
function stubCrd(group: string, kind: string, plural: string): Manifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}
const STUB_CRDS = [
  stubCrd('cert-manager.io', 'Certificate', 'certificates'),
  stubCrd('cert-manager.io', 'Issuer', 'issuers'),
  stubCrd('monitoring.coreos.com', 'ServiceMonitor', 'servicemonitors'),
];
const NOT_APPLIED_GROUPS = ['cert-manager.io/', 'monitoring.coreos.com/'];

const list = (items: Manifest[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

/** What the controller uses, as `kubectl auth can-i --list` shows it (resource → verbs). */
/** Cluster-wide and read-only in every mode: policies, the namespace labels they select on, SARs. */
const POLICY_READER_RULES: Record<string, string[]> = {
  'postgresdbpolicies.stow.dev': ['get', 'list', 'watch'],
  namespaces: ['get', 'list', 'watch'],
  'subjectaccessreviews.authorization.k8s.io': ['create'],
  // The source of a restore, read by name at admission.
  'postgresdbsnapshots.stow.dev': ['get'],
  'postgresdbs.stow.dev': ['get'],
};
const OPERATOR_RULES: Record<string, string[]> = {
  ...POLICY_READER_RULES,
  'postgresdbs.stow.dev': ['get', 'list', 'patch', 'watch'],
  'postgresdbs.stow.dev/status': ['get', 'patch'],
  'postgresdbs.stow.dev/finalizers': ['update'],
  'postgresdatabases.stow.dev': ['get', 'list', 'patch', 'watch'],
  'postgresdatabases.stow.dev/status': ['get', 'patch'],
  'postgresdatabases.stow.dev/finalizers': ['update'],
  // Final snapshots are PostgresDBSnapshots the controller creates.
  'postgresdbsnapshots.stow.dev': ['create', 'get', 'list', 'patch', 'watch'],
  'postgresdbsnapshots.stow.dev/status': ['get', 'patch'],
  secrets: ['create', 'get', 'list', 'patch', 'watch'],
  services: ['create', 'get', 'list', 'patch', 'watch'],
  events: ['create', 'patch'],
};
/**
 * Any Lease may be created (RBAC cannot limit a create to a name); only the release's own
 * (`<fullname>-controller`) is read and renewed. Events in the release namespace are about that Lease
 * (orphaned instances).
 */
const leaseRules = (fullname: string) => ({
  'leases.coordination.k8s.io': ['create'],
  [`leases.coordination.k8s.io/${fullname}-controller`]: ['get', 'update'],
  events: ['create', 'patch'],
});
const LEASE_RULES = leaseRules('stow');
const OPERATOR_USER = 'system:serviceaccount:stow-system:stow';
const SCOPED_USER = 'system:serviceaccount:stow-scoped:scoped-stow';
/** What every authenticated user may do (system:basic-user, system:discovery). */
const EVERYONE = [
  'selfsubjectaccessreviews.authorization.k8s.io',
  'selfsubjectrulesreviews.authorization.k8s.io',
];

t.test('the chart on a real API server', async (t) => {
  // A static token for the chart's ServiceAccount name: RBAC bindings to the ServiceAccount match it,
  // so the operator can run under exactly the chart's RBAC (no kube-controller-manager needed).
  const [cp, emulator]: [ControlPlane, RdsEmulator] = await Promise.all([
    startControlPlane({
      controllerManager: false,
      extraUsers: [
        { name: OPERATOR_USER, groups: ['system:serviceaccounts', 'system:serviceaccounts:stow-system'] },
        { name: SCOPED_USER, groups: ['system:serviceaccounts', 'system:serviceaccounts:stow-scoped'] },
      ],
    }),
    startRdsEmulator({ delays: { creating: 200, backingUp: 100, modifying: 200, deleting: 200 } }),
  ]);
  t.teardown(() => Promise.all([cp.stop(), emulator.close()]));
  const kubectl = async (args: string[], input?: string) => {
    const result = await cp.kubectl(args, input === undefined ? {} : { input });
    return { ...result, stderr: result.stderr.replace(/^WARNING: version difference.*\n/m, '') };
  };

  /** `helm template` with the API server's capabilities (policy/v1beta1 PDB on 1.20) and lookups. */
  async function render(release: string, namespace: string, sets: string[]): Promise<Manifest[]> {
    const result = await helm([
      'template',
      release,
      chart,
      '--namespace',
      namespace,
      '--kubeconfig',
      cp.kubeconfigPath,
      '--dry-run=server',
      ...sets.flatMap((set) => ['--set', set]),
    ]);
    if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
    return parseAllDocuments(result.stdout)
      .map((doc) => doc.toJSON() as Manifest | null)
      .filter((object): object is Manifest => object !== null);
  }
  const applied = (objects: Manifest[]) =>
    objects.filter((object) => !NOT_APPLIED_GROUPS.some((group) => object.apiVersion.startsWith(group)));

  for (const ns of ['stow-system', 'stow-scoped', 'team-a', 'team-b', 'team-c']) {
    const created = await kubectl(['create', 'namespace', ns]);
    t.equal(created.code, 0, `namespace ${ns} ${created.stderr}`);
  }
  const stubs = await kubectl(['apply', '-f', '-'], list(STUB_CRDS));
  t.equal(stubs.code, 0, `stand-in CRDs for cert-manager and ServiceMonitor ${stubs.stderr}`);
  const established = await kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=30s',
    ...STUB_CRDS.map((crd) => `crd/${crd.metadata.name}`),
  ]);
  t.equal(established.code, 0, `stand-in CRDs established ${established.stderr}`);

  const ALL_ON = [
    'metrics.serviceMonitor.enabled=true',
    'networkPolicy.enabled=true',
    'networkPolicy.apiServer.cidrs={10.0.0.1/32}',
    'aws.roleArn=arn:aws:iam::123456789012:role/stow',
  ];
  /** Every value added for real platforms, at once (issue 15): each must render and pass the server. */
  const PLATFORM = [
    'podSecurityContext.runAsUser=null',
    'podSecurityContext.runAsGroup=null',
    'podSecurityContext.fsGroup=null',
    'containerSecurityContext.runAsUser=null',
    'containerSecurityContext.runAsGroup=null',
    'hostNetwork=true',
    'dnsPolicy=ClusterFirstWithHostNet',
    'webhook.failurePolicy=Ignore',
    'probes.startup.periodSeconds=10',
    'probes.startup.failureThreshold=30',
    'probes.liveness.timeoutSeconds=3',
    'probes.readiness.timeoutSeconds=3',
    'networkPolicy.enabled=true',
    'networkPolicy.instanceMetadata=true',
    'global.imageRegistry=registry.example.com',
  ];
  const VARIANTS: Array<{ title: string; release: string; namespace: string; sets: string[] }> = [
    { title: 'defaults', release: 'stow', namespace: 'stow-system', sets: [] },
    {
      title: 'ServiceMonitor, NetworkPolicy, IRSA on',
      release: 'stow',
      namespace: 'stow-system',
      sets: ALL_ON,
    },
    {
      title: 'cert-manager off',
      release: 'stow',
      namespace: 'stow-system',
      sets: [...ALL_ON, 'certManager.enabled=false'],
    },
    {
      title: 'platform values: OpenShift UIDs, hostNetwork, failurePolicy, probes, egress, global',
      release: 'stow',
      namespace: 'stow-system',
      sets: PLATFORM,
    },
    {
      title: 'watchNamespaces',
      release: 'scoped',
      namespace: 'stow-scoped',
      sets: [
        'config.watchNamespaces={team-a,team-b}',
        'crds.install=false',
        'rbac.aggregateToDefaultRoles=false',
      ],
    },
  ];

  await t.test('server-side dry-run accepts every rendered manifest', async (t) => {
    for (const { title, release, namespace, sets } of VARIANTS) {
      const objects = await render(release, namespace, sets);
      t.equal(
        objects.find((object) => object.kind === 'PodDisruptionBudget')?.apiVersion ?? 'policy/v1beta1',
        'policy/v1beta1',
        `${title}: the PDB version the 1.20 server serves`,
      );
      const result = await kubectl(['apply', '--dry-run=server', '-f', '-'], list(objects));
      t.equal(result.code, 0, `${title}: ${objects.length} objects\n${result.stderr}`);
      t.equal(
        result.stdout
          .trim()
          .split('\n')
          .filter((line) => line.endsWith('(server dry run)')).length,
        objects.length,
        `${title}: every object went through the server`,
      );
    }
  });

  await t.test('platform values: what the API server makes of them', async (t) => {
    const objects = await render('stow', 'stow-system', PLATFORM);
    const deployment = objects.find((object) => object.kind === 'Deployment')!;
    const result = await kubectl(
      ['apply', '--dry-run=server', '-o', 'json', '-f', '-'],
      JSON.stringify(deployment),
    );
    t.equal(result.code, 0, result.stderr);
    const pod = JSON.parse(result.stdout).spec.template.spec;
    t.same([pod.hostNetwork, pod.dnsPolicy], [true, 'ClusterFirstWithHostNet']);
    t.same(
      pod.containers[0].ports.map((port: Manifest) => [port.containerPort, port.hostPort]),
      [
        [9443, 9443],
        [8080, 8080],
      ],
      'host ports: the scheduler keeps two pods off one node',
    );
    t.same(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    t.same(
      ['startupProbe', 'livenessProbe', 'readinessProbe'].map(
        (probe) => pod.containers[0][probe].httpGet.scheme,
      ),
      ['HTTPS', 'HTTPS', 'HTTPS'],
    );
  });

  /** What the next test applied (rendering again would hit helm's ownership check on the live objects). */
  let liveObjects: Manifest[] = [];
  await t.test('a real apply of everything but the cert-manager kinds and the ServiceMonitor', async (t) => {
    liveObjects = await render('stow', 'stow-system', ALL_ON);
    const objects = applied(liveObjects);
    t.ok(objects.length >= 15, `${objects.length} objects`);
    const result = await kubectl(['apply', '-f', '-'], list(objects));
    t.equal(result.code, 0, `kubectl apply ${result.stderr}`);
    const crdReady = await kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=30s',
      'crd/postgresdbs.stow.dev',
    ]);
    t.equal(crdReady.code, 0, `the CRD is established ${crdReady.stderr}`);
    const stored = JSON.parse((await kubectl(['get', 'crd', 'postgresdbs.stow.dev', '-o', 'json'])).stdout);
    t.same(stored.spec.conversion.webhook.clientConfig.service, {
      namespace: 'stow-system',
      name: 'stow-webhook',
      port: 443,
      path: '/convert',
    });
    t.same(
      stored.spec.versions.map((v: Manifest) => [v.name, v.served, v.storage]),
      [
        ['v1alpha1', true, false],
        ['v1beta1', true, true],
      ],
    );
    const gets = await Promise.all(
      objects.map((object) => {
        const group = object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
        const namespace = object.metadata.namespace ? ['-n', object.metadata.namespace] : [];
        return kubectl(['get', `${object.kind.toLowerCase()}${group}`, object.metadata.name, ...namespace]);
      }),
    );
    gets.forEach((got, i) => {
      t.equal(got.code, 0, `${objects[i]!.kind}/${objects[i]!.metadata.name} exists\n${got.stderr}`);
    });
    const sa = JSON.parse((await kubectl(['get', 'sa', 'stow', '-n', 'stow-system', '-o', 'json'])).stdout);
    t.equal(sa.metadata.annotations['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/stow');
  });

  const canI = async (as: string, args: string[]) => {
    const result = await kubectl(['auth', 'can-i', ...args, '--as', as]);
    if (!/^(yes|no)/.test(result.stdout.trim())) throw new Error(`can-i ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim().startsWith('yes');
  };
  /** The resource rules the subject has in a namespace (`can-i --list`), minus what everyone has. */
  const rulesIn = async (as: string, namespace: string) => {
    const result = await kubectl(['auth', 'can-i', '--list', '-n', namespace, '--as', as]);
    t.equal(result.code, 0, `can-i --list ${result.stderr}`);
    const rules: Record<string, string[]> = {};
    for (const line of result.stdout.split('\n').slice(1)) {
      const match = /^(\S+)\s+\[[^\]]*\]\s+\[([^\]]*)\]\s+\[([^\]]*)\]/.exec(line);
      if (!match || EVERYONE.includes(match[1]!)) continue;
      const key = match[2] ? `${match[1]}/${match[2]}` : match[1]!;
      rules[key] = [...new Set([...(rules[key] ?? []), ...match[3]!.split(' ')])].sort();
    }
    return rules;
  };
  async function expectAll(t: Test, as: string, checks: Array<[boolean, string[]]>) {
    const answers = await Promise.all(checks.map(([, args]) => canI(as, args)));
    checks.forEach(([want, args], i) => {
      t.equal(answers[i], want, `${want ? 'may' : 'may not'}: ${args.join(' ')}`);
    });
  }

  await t.test('RBAC: the operator may do exactly what it uses, nothing else', async (t) => {
    const as = OPERATOR_USER;
    t.same(await rulesIn(as, 'team-c'), OPERATOR_RULES, 'in any namespace: the managed resources only');
    t.same(
      await rulesIn(as, 'stow-system'),
      { ...OPERATOR_RULES, ...LEASE_RULES },
      'in the release namespace: plus the leader-election Lease',
    );
    await expectAll(t, as, [
      [true, ['list', 'postgresdbs.stow.dev', '-A']],
      [true, ['watch', 'postgresdbs.stow.dev', '-A']],
      [true, ['patch', 'postgresdbs.stow.dev', '-n', 'team-c']],
      [true, ['patch', 'postgresdbs.stow.dev', '--subresource=status', '-n', 'team-c']],
      [true, ['update', 'postgresdbs.stow.dev', '--subresource=finalizers', '-n', 'team-c']],
      [true, ['watch', 'secrets', '-A']],
      [true, ['create', 'secrets', '-n', 'team-c']],
      [true, ['patch', 'services', '-n', 'team-c']],
      [true, ['create', 'events', '-n', 'team-c']],
      [true, ['get', 'leases.coordination.k8s.io/stow-controller', '-n', 'stow-system']],
      [true, ['update', 'leases.coordination.k8s.io/stow-controller', '-n', 'stow-system']],
      [true, ['create', 'leases.coordination.k8s.io', '-n', 'stow-system']],
      [false, ['update', 'leases.coordination.k8s.io/another-lease', '-n', 'stow-system']],
      [false, ['list', 'leases.coordination.k8s.io', '-n', 'stow-system']],
      // Not used by the controller:
      [false, ['create', 'postgresdbs.stow.dev', '-n', 'team-c']],
      [false, ['update', 'postgresdbs.stow.dev', '-n', 'team-c']],
      [false, ['delete', 'postgresdbs.stow.dev', '-n', 'team-c']],
      [false, ['update', 'postgresdbs.stow.dev', '--subresource=status', '-n', 'team-c']],
      [false, ['delete', 'secrets', '-n', 'team-c']],
      [false, ['update', 'secrets', '-n', 'team-c']],
      [false, ['deletecollection', 'secrets', '-n', 'team-c']],
      [false, ['delete', 'services', '-n', 'team-c']],
      [false, ['delete', 'events', '-n', 'team-c']],
      [false, ['create', 'events.events.k8s.io', '-n', 'team-c']],
      [false, ['get', 'pods', '-n', 'stow-system']],
      [false, ['list', 'pods', '-A']],
      [false, ['create', 'pods', '--subresource=exec', '-n', 'stow-system']],
      [false, ['get', 'configmaps', '-n', 'stow-system']],
      [false, ['get', 'leases.coordination.k8s.io', '-n', 'team-c']],
      [false, ['delete', 'leases.coordination.k8s.io', '-n', 'stow-system']],
      [false, ['list', 'certificates.cert-manager.io', '-A']],
      [false, ['get', 'servicemonitors.monitoring.coreos.com', '-n', 'stow-system']],
      [false, ['get', 'customresourcedefinitions.apiextensions.k8s.io']],
      [false, ['patch', 'customresourcedefinitions.apiextensions.k8s.io/postgresdbs.stow.dev']],
      [false, ['patch', 'mutatingwebhookconfigurations.admissionregistration.k8s.io']],
      [true, ['list', 'namespaces']],
      [false, ['create', 'namespaces']],
      [false, ['create', 'postgresdbpolicies.stow.dev']],
      [false, ['delete', 'postgresdbpolicies.stow.dev']],
      [false, ['create', 'clusterroles.rbac.authorization.k8s.io']],
      [false, ['impersonate', 'users']],
      [false, ['list', 'deployments.apps', '-A']],
    ]);
  });

  /**
   * Runs `stow run` from the checkout with the Deployment's arguments and the rendered ConfigMap, as
   * the chart's ServiceAccount (a static token for its name, so exactly the chart's RBAC applies),
   * controller half only: the API server cannot reach the webhook Service (no pods here), so the
   * admission webhooks are removed first and the controller applies the defaults itself. A
   * PostgresDB in `dbNamespace` must go Ready (Secret, Service, Events) and be deleted through the
   * finalizer, with no request refused; one in `ignoredNamespace` must be left alone.
   */
  async function operatorScenario(
    t: Test,
    opts: { user: string; objects: Manifest[]; dbNamespace: string; ignoredNamespace?: string },
  ) {
    const releaseNamespace = opts.objects.find((object) => object.kind === 'Deployment')!.metadata.namespace;
    const removed = await kubectl([
      'delete',
      'mutatingwebhookconfigurations,validatingwebhookconfigurations',
      '-l',
      'app.kubernetes.io/part-of=stow',
    ]);
    t.equal(removed.code, 0, `webhook configurations removed ${removed.stderr}`);
    const dir = await mkdtemp(join(tmpdir(), 'stow-helm-operator-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const configMap = opts.objects.find((object) => object.kind === 'ConfigMap')!;
    const container = opts.objects.find((object) => object.kind === 'Deployment')!.spec.template.spec
      .containers[0];
    // The rendered ConfigMap, with a 1 s resync (chart value config.resyncPeriodSeconds) so the
    // emulator's state changes are seen at once rather than at the 15 s poll.
    const operatorYaml = parse(configMap.data['operator.yaml']);
    operatorYaml.resyncPeriodSeconds = 1;
    await writeFile(join(dir, 'operator.yaml'), stringify(operatorYaml));
    await writeFile(join(dir, 'storage-rules.yaml'), configMap.data['storage-rules.yaml']);
    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, {
      server: cp.server,
      caPem: cp.caPem,
      token: cp.tokens[opts.user]!,
      user: opts.user,
    });
    const [metricsPort] = await freeLoopbackPorts(1);
    const args = (container.args as string[])
      .map((arg) => arg.replace(/^\/etc\/stow\/operator\.yaml$/, join(dir, 'operator.yaml')))
      .map((arg) => (arg === '8080' ? String(metricsPort) : arg));
    t.equal(
      args[args.indexOf('--leader-election-namespace') + 1],
      releaseNamespace,
      'Lease in the release namespace',
    );
    const operator: ChildProcess = spawn(
      'env',
      [
        '-u',
        'NODE_OPTIONS',
        process.execPath,
        join(root, 'dist/src/cli/main.js'),
        ...args,
        '--no-webhooks',
        '--bind-address',
        '127.0.0.1',
      ],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          KUBECONFIG: kubeconfig,
          POD_NAME: 'stow-0',
          POD_NAMESPACE: releaseNamespace,
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL_RDS: emulator.url,
          AWS_ACCESS_KEY_ID: 'emulator',
          AWS_SECRET_ACCESS_KEY: 'emulator',
          AWS_EC2_METADATA_DISABLED: 'true',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    operator.stdout!.on('data', (chunk) => {
      output += chunk;
    });
    operator.stderr!.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => operator.once('exit', (code) => resolve(code)));
    t.teardown(() => {
      if (operator.exitCode === null) operator.kill('SIGKILL');
    });
    const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (operator.exitCode !== null)
          throw new Error(`the operator exited while waiting for ${what}: ${output}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const getJson = async (args: string[]) => {
      const result = await kubectl(['get', ...args, '-o', 'json']);
      return result.code === 0 ? (JSON.parse(result.stdout) as Manifest) : undefined;
    };

    const leaseName = args[args.indexOf('--leader-election-id') + 1]!;
    await until('the Lease', async () => {
      const lease = await getJson(['lease.coordination.k8s.io', leaseName, '-n', releaseNamespace]);
      return lease?.spec?.holderIdentity === 'stow-0';
    });
    t.pass(`leader election with the chart Role: stow-0 holds Lease ${releaseNamespace}/${leaseName}`);

    const db = (namespace: string) => ({
      apiVersion: 'stow.dev/v1beta1',
      kind: 'PostgresDB',
      metadata: { name: 'orders', namespace },
      spec: { instanceClass: 'db.t3.small', storage: { sizeGiB: 20 }, deletionPolicy: 'Delete' },
    });
    const namespaces = [opts.dbNamespace, ...(opts.ignoredNamespace ? [opts.ignoredNamespace] : [])];
    const created = await kubectl(['apply', '-f', '-'], list(namespaces.map(db)));
    t.equal(created.code, 0, `PostgresDBs created ${created.stderr}`);
    const get = (namespace: string) => getJson(['postgresdb.stow.dev', 'orders', '-n', namespace]);
    await until('Ready', async () =>
      ((await get(opts.dbNamespace))?.status?.conditions ?? []).some(
        (c: Manifest) => c.type === 'Ready' && c.status === 'True',
      ),
    );
    t.pass(`the PostgresDB in ${opts.dbNamespace} is Ready`);
    const secret = await getJson(['secret', 'orders', '-n', opts.dbNamespace]);
    t.ok(secret?.data?.DB_PASSWORD && secret.data.DB_HOST, 'connection Secret written');
    const service = await getJson(['service', 'orders', '-n', opts.dbNamespace]);
    t.equal(service?.spec?.type, 'ExternalName', 'ExternalName Service written');
    const events = await getJson(['events', '-n', opts.dbNamespace]);
    t.ok((events?.items ?? []).length > 0, 'Events written');
    if (opts.ignoredNamespace) {
      const ignored = await get(opts.ignoredNamespace);
      t.notOk(ignored?.status || ignored?.metadata?.finalizers, `${opts.ignoredNamespace} is not watched`);
      await kubectl(['delete', 'postgresdb.stow.dev', 'orders', '-n', opts.ignoredNamespace]);
    }

    const deleted = await kubectl([
      'delete',
      'postgresdb.stow.dev',
      'orders',
      '-n',
      opts.dbNamespace,
      '--wait=false',
    ]);
    t.equal(deleted.code, 0, deleted.stderr);
    await until('the finalizer to go', async () => !(await get(opts.dbNamespace)));
    t.pass('deleted: the finalizer was removed');

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const requests = [...metrics.matchAll(/kube_requests_total\{([^}]*)\} \d+/g)].map((m) => m[1]!);
    t.ok(requests.length > 0, `the operator counted its Kubernetes requests:\n${requests.join('\n')}`);
    t.same(
      requests.filter((labels) => /code="(401|403)"/.test(labels)),
      [],
      'no request refused: the chart RBAC covers every call',
    );
    t.notMatch(output, /forbidden/i, 'no "forbidden" in the log');
    operator.kill('SIGTERM');
    t.equal(await exited, 0, 'stops cleanly');
  }

  await t.test('the operator runs under the chart RBAC: a PostgresDB goes Ready, then away', (t) =>
    operatorScenario(t, { user: OPERATOR_USER, objects: liveObjects, dbNamespace: 'team-c' }),
  );

  let scopedObjects: Manifest[] = [];
  await t.test('watchNamespaces: Roles in those namespaces, no Secret access elsewhere', async (t) => {
    scopedObjects = await render('scoped', 'stow-scoped', VARIANTS.find((v) => v.release === 'scoped')!.sets);
    const objects = applied(scopedObjects);
    t.same(
      objects.filter((object) => object.kind === 'ClusterRoleBinding').map((object) => object.roleRef.name),
      ['scoped-stow-policy-reader'],
      'the only cluster-wide binding is the read-only policy reader',
    );
    const result = await kubectl(['apply', '-f', '-'], list(objects));
    t.equal(result.code, 0, `kubectl apply (watchNamespaces) ${result.stderr}`);
    const as = SCOPED_USER;
    for (const ns of ['team-a', 'team-b']) t.same(await rulesIn(as, ns), OPERATOR_RULES, `rules in ${ns}`);
    t.same(
      await rulesIn(as, 'stow-scoped'),
      { ...POLICY_READER_RULES, ...leaseRules('scoped-stow') },
      'release namespace: its own Lease, and Events (about orphaned instances, on that Lease)',
    );
    t.same(
      await rulesIn(as, 'team-c'),
      POLICY_READER_RULES,
      'nothing in an unwatched namespace but reads of policies',
    );
    await expectAll(t, as, [
      [true, ['get', 'secrets', '-n', 'team-a']],
      [true, ['watch', 'secrets', '-n', 'team-b']],
      [true, ['create', 'secrets', '-n', 'team-b']],
      [true, ['list', 'postgresdbs.stow.dev', '-n', 'team-a']],
      [false, ['get', 'secrets', '-n', 'team-c']],
      [false, ['list', 'secrets', '-n', 'default']],
      [false, ['get', 'secrets', '-n', 'stow-scoped']],
      [false, ['get', 'secrets', '-n', 'kube-system']],
      [false, ['list', 'secrets', '-A']],
      [false, ['watch', 'secrets', '-A']],
      [false, ['list', 'postgresdbs.stow.dev', '-A']],
      [false, ['list', 'postgresdbs.stow.dev', '-n', 'team-c']],
      [false, ['create', 'events', '-n', 'team-c']],
      [true, ['create', 'events', '-n', 'stow-scoped']],
    ]);
  });

  await t.test(
    'watchNamespaces: the operator works with Roles only, and leaves other namespaces alone',
    (t) =>
      operatorScenario(t, {
        user: SCOPED_USER,
        objects: scopedObjects,
        dbNamespace: 'team-a',
        ignoredNamespace: 'team-c',
      }),
  );

  await t.test('helm install/upgrade without cert-manager keeps the generated CA', async (t) => {
    const sets = [
      'certManager.enabled=false',
      'crds.install=false',
      'rbac.aggregateToDefaultRoles=false',
      'podDisruptionBudget.enabled=false',
    ].flatMap((set) => ['--set', set]);
    const common = ['--namespace', 'stow-gen', '--kubeconfig', cp.kubeconfigPath];
    const install = await helm(['install', 'gen', chart, ...common, '--create-namespace', ...sets]);
    t.equal(install.code, 0, `helm install ${install.stderr}`);
    t.match(install.stdout, /STATUS: deployed/);
    const read = async () => {
      const secret = JSON.parse(
        (await kubectl(['get', 'secret', 'gen-stow-webhook-tls-generated', '-n', 'stow-gen', '-o', 'json']))
          .stdout,
      );
      const webhook = JSON.parse(
        (await kubectl(['get', 'validatingwebhookconfiguration', 'gen-stow-validating', '-o', 'json']))
          .stdout,
      );
      return {
        data: secret.data as Record<string, string>,
        caBundle: webhook.webhooks[0].clientConfig.caBundle,
      };
    };
    const first = await read();
    t.equal(first.caBundle, first.data['ca.crt'], 'the webhook trusts the generated CA');
    const cert = new X509Certificate(Buffer.from(first.data['tls.crt']!, 'base64'));
    t.ok(cert.checkHost('gen-stow-webhook.stow-gen.svc'), 'certificate for the webhook Service');
    const upgrade = await helm(['upgrade', 'gen', chart, ...common, ...sets, '--set', 'replicaCount=3']);
    t.equal(upgrade.code, 0, `helm upgrade ${upgrade.stderr}`);
    const second = await read();
    t.same(second, first, 'same CA, certificate and key after the upgrade (lookup)');
    const deployment = JSON.parse(
      (await kubectl(['get', 'deployment', 'gen-stow', '-n', 'stow-gen', '-o', 'json'])).stdout,
    );
    t.equal(deployment.spec.replicas, 3, 'the upgrade applied');
  });

  await t.test(
    'as a subchart of a parent chart with global values: rendered, dry-run, installed',
    async (t) => {
      const dir = await mkdtemp(join(tmpdir(), 'stow-helm-parent-'));
      t.teardown(() => rm(dir, { recursive: true, force: true }));
      const parent = join(dir, 'platform');
      await mkdir(parent);
      const stowChart = parse(await readFile(join(chart, 'Chart.yaml'), 'utf8'));
      await writeFile(
        join(parent, 'Chart.yaml'),
        stringify({
          apiVersion: 'v2',
          name: 'platform',
          version: '1.0.0',
          dependencies: [{ name: 'stow', version: stowChart.version, repository: `file://${chart}` }],
        }),
      );
      // A parent's values: globals every subchart receives, and Stow's own under its name.
      await writeFile(
        join(parent, 'values.yaml'),
        stringify({
          global: { imageRegistry: 'registry.example.com', imagePullSecrets: [{ name: 'corp' }], team: 'db' },
          stow: {
            config: { clusterName: 'platform-test' },
            certManager: { enabled: false },
            crds: { install: false },
            rbac: { aggregateToDefaultRoles: false },
            podDisruptionBudget: { enabled: false },
          },
        }),
      );
      const built = await helm(['dependency', 'build', parent]);
      t.equal(built.code, 0, `helm dependency build ${built.stderr}`);
      const common = ['--namespace', 'platform', '--kubeconfig', cp.kubeconfigPath];
      const rendered = await helm(['template', 'platform', parent, ...common, '--dry-run=server']);
      t.equal(rendered.code, 0, `helm template of the parent ${rendered.stderr}`);
      const objects = parseAllDocuments(rendered.stdout)
        .map((doc) => doc.toJSON() as Manifest | null)
        .filter((object): object is Manifest => object !== null);
      const configMap = objects.find((object) => object.kind === 'ConfigMap')!;
      t.equal(
        parse(configMap.data['operator.yaml']).clusterName,
        'platform-test',
        "the parent's values reach Stow",
      );
      t.equal(objects.find((object) => object.kind === 'Deployment')?.metadata.name, 'platform-stow');
      const created = await kubectl(['create', 'namespace', 'platform']);
      t.equal(created.code, 0, created.stderr);
      const dryRun = await kubectl(['apply', '--dry-run=server', '-f', '-'], list(objects));
      t.equal(dryRun.code, 0, `server-side dry-run of ${objects.length} objects ${dryRun.stderr}`);
      const install = await helm(['install', 'platform', parent, ...common, '--render-subchart-notes']);
      t.equal(install.code, 0, `helm install of the parent chart ${install.stderr}`);
      t.match(install.stdout, /STATUS: deployed/);
      t.match(install.stdout, /Stow \S+ is installed in namespace platform/, "Stow's NOTES");
      t.notMatch(install.stdout, /clusterName is left at its default/, "the parent's clusterName is used");
      const deployment = await kubectl([
        'get',
        'deployment',
        'platform-stow',
        '-n',
        'platform',
        '-o',
        'json',
      ]);
      t.equal(deployment.code, 0, `the Deployment exists ${deployment.stderr}`);
    },
  );
});
