// The Helm chart (helm/stow), rendered offline with the helm binary from scripts/helm.sh: lint, every
// switch, the values schema, the CRD against `stow crds`, the webhooks against registration.ts, the
// generated certificates, RBAC, the `restricted` Pod Security Standard, and the chart README.
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parse, parseAllDocuments } from 'yaml';
import { LEASE_NAME } from '../../src/operator.js';
import { loadConfig } from '../../src/config/load.js';
import { OperatorConfigFile } from '../../src/config/schema.js';
import { buildWebhookConfigurations } from '../../src/admission/registration.js';

const root = new URL('../../../', import.meta.url).pathname;
const chart = join(root, 'helm/stow');
const NS = 'stow-system';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are arbitrary JSON
type Manifest = Record<string, any>;

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

const helm = (args: string[]) => run('bash', [join(root, 'scripts/helm.sh'), ...args]);

/** `helm template` with --set flags; the rendered objects, or the failure. */
function template(sets: string[] = [], extra: string[] = []) {
  const result = helm([
    'template',
    'stow',
    chart,
    '--namespace',
    NS,
    ...sets.flatMap((set) => ['--set', set]),
    ...extra,
  ]);
  const objects =
    result.code === 0
      ? parseAllDocuments(result.stdout)
          .map((doc) => doc.toJSON() as Manifest | null)
          .filter((object): object is Manifest => object !== null)
      : [];
  return { ...result, objects };
}

function render(t: Test, sets: string[] = []): Manifest[] {
  const result = template(sets);
  t.equal(result.code, 0, `helm template ${sets.join(' ')} renders\n${result.stderr}`);
  return result.objects;
}

const find = (objects: Manifest[], kind: string, name?: string) =>
  objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
function one(objects: Manifest[], kind: string, name?: string): Manifest {
  const found = find(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0]!;
}

/** What OpenShift's restricted-v2 needs: no fixed UID or GID (the README's recipe). */
const OPENSHIFT = [
  'podSecurityContext.runAsUser=null',
  'podSecurityContext.runAsGroup=null',
  'podSecurityContext.fsGroup=null',
  'containerSecurityContext.runAsUser=null',
  'containerSecurityContext.runAsGroup=null',
];

const SWITCHES: Record<string, string[]> = {
  defaults: [],
  'cert-manager off': ['certManager.enabled=false'],
  'ServiceMonitor on': ['metrics.serviceMonitor.enabled=true'],
  'NetworkPolicy on': ['networkPolicy.enabled=true'],
  'IRSA role annotation': ['aws.roleArn=arn:aws:iam::123456789012:role/stow'],
  watchNamespaces: ['config.watchNamespaces={team-a,team-b}'],
  'external issuer': ['certManager.issuerRef.kind=ClusterIssuer', 'certManager.issuerRef.name=corp-ca'],
  'OpenShift (UIDs left to the platform)': OPENSHIFT,
  'failurePolicy Ignore': ['webhook.failurePolicy=Ignore'],
  'Pod Identity egress off, instance metadata on': [
    'networkPolicy.enabled=true',
    'networkPolicy.podIdentityAgent=false',
    'networkPolicy.instanceMetadata=true',
  ],
  'second release without CRDs': ['crds.install=false'],
  'global values (as a subchart)': ['global.imageRegistry=registry.example.com', 'global.team=db'],
};
/** Outside the `restricted` Pod Security Standard on purpose (host namespaces). */
const HOST_NETWORK = ['hostNetwork=true', 'dnsPolicy=ClusterFirstWithHostNet'];

t.test('helm lint --strict passes for the defaults and every switch', async (t) => {
  for (const [title, sets] of Object.entries({ ...SWITCHES, hostNetwork: HOST_NETWORK })) {
    const result = helm(['lint', '--strict', chart, ...sets.flatMap((set) => ['--set', set])]);
    t.equal(result.code, 0, `${title}\n${result.stdout}${result.stderr}`);
  }
});

t.test('the defaults render the whole operator', async (t) => {
  const objects = render(t);
  const kinds = objects.map((object) => `${object.kind}/${object.metadata.name}`).sort();
  t.same(kinds, [
    'Certificate/stow-ca',
    'Certificate/stow-webhook',
    'ClusterRole/stow-operator',
    'ClusterRole/stow-policy-reader',
    'ClusterRole/stow-policy-view',
    'ClusterRole/stow-postgresdatabase-edit',
    'ClusterRole/stow-postgresdatabase-view',
    'ClusterRole/stow-postgresdb-adopt',
    'ClusterRole/stow-postgresdb-edit',
    'ClusterRole/stow-postgresdb-view',
    'ClusterRole/stow-postgresdbsnapshot-edit',
    'ClusterRole/stow-postgresdbsnapshot-view',
    'ClusterRoleBinding/stow-operator',
    'ClusterRoleBinding/stow-policy-reader',
    'ConfigMap/stow-config',
    'CustomResourceDefinition/postgresdatabases.stow.dev',
    'CustomResourceDefinition/postgresdbpolicies.stow.dev',
    'CustomResourceDefinition/postgresdbs.stow.dev',
    'CustomResourceDefinition/postgresdbsnapshots.stow.dev',
    'Deployment/stow',
    'Issuer/stow-ca',
    'Issuer/stow-selfsigned',
    'MutatingWebhookConfiguration/stow-mutating',
    'PodDisruptionBudget/stow',
    'Role/stow-leader-election',
    'RoleBinding/stow-leader-election',
    'Service/stow-metrics',
    'Service/stow-webhook',
    'ServiceAccount/stow',
    'ValidatingWebhookConfiguration/stow-validating',
  ]);
  const clusterScoped = new Set([
    'ClusterRole',
    'ClusterRoleBinding',
    'CustomResourceDefinition',
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
  ]);
  for (const object of objects) {
    if (clusterScoped.has(object.kind))
      t.notOk(object.metadata.namespace, `${object.kind} is cluster-scoped`);
    else
      t.equal(
        object.metadata.namespace,
        NS,
        `${object.kind}/${object.metadata.name} in the release namespace`,
      );
    t.equal(object.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm', `${object.kind} labelled`);
  }
  const pdb = one(objects, 'PodDisruptionBudget');
  t.equal(pdb.apiVersion, 'policy/v1');
  t.equal(pdb.spec.minAvailable, 1);
  t.same(pdb.spec.selector.matchLabels, one(objects, 'Deployment').spec.selector.matchLabels);
  t.equal(
    find(render(t, ['replicaCount=1']), 'PodDisruptionBudget').length,
    0,
    'no PDB for a single replica',
  );
  const chartYaml = parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  t.equal(chartYaml.apiVersion, 'v2');
  t.equal(chartYaml.appVersion, pkg.version, 'appVersion is the package version');
});

t.test('Deployment: replicas, args, env, probes, ports, volumes', async (t) => {
  const objects = render(t);
  const deployment = one(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  t.equal(deployment.spec.replicas, 2);
  t.equal(pod.containers.length, 1);
  t.equal(container.image, 'ghcr.io/stow-dev/stow:0.1.0');
  t.same(container.args, [
    'run',
    '--config',
    '/etc/stow/operator.yaml',
    '--tls-dir',
    '/etc/stow/tls',
    '--webhook-port',
    '9443',
    '--metrics-port',
    '8080',
    '--leader-election-namespace',
    NS,
    '--leader-election-id',
    LEASE_NAME,
  ]);
  const env = Object.fromEntries(container.env.map((e: Manifest) => [e.name, e.value ?? e.valueFrom]));
  t.same(env.POD_NAME, { fieldRef: { fieldPath: 'metadata.name' } });
  t.same(env.POD_NAMESPACE, { fieldRef: { fieldPath: 'metadata.namespace' } });
  t.equal(env.AWS_REGION, 'us-east-1');
  t.equal(env.LOG_LEVEL, 'info');
  t.notOk('AWS_ENDPOINT_URL_RDS' in env);
  // On the webhook's TLS listener, the one the API server calls; never on the Kubernetes API server.
  t.same(container.startupProbe.httpGet, { path: '/healthz', port: 'webhook', scheme: 'HTTPS' });
  t.same(container.livenessProbe.httpGet, { path: '/healthz', port: 'webhook', scheme: 'HTTPS' });
  t.same(container.readinessProbe.httpGet, { path: '/readyz', port: 'webhook', scheme: 'HTTPS' });
  t.equal(
    container.startupProbe.periodSeconds * container.startupProbe.failureThreshold,
    300,
    'five minutes to start (policies and namespaces are listed first)',
  );
  t.same([container.livenessProbe.timeoutSeconds, container.readinessProbe.timeoutSeconds], [5, 2]);
  t.equal(pod.dnsPolicy, 'ClusterFirst');
  t.notOk(pod.hostNetwork, 'pod network by default');
  t.same(
    container.ports.map((p: Manifest) => [p.name, p.containerPort]),
    [
      ['webhook', 9443],
      ['metrics', 8080],
    ],
  );
  t.ok(container.resources.requests.cpu && container.resources.requests.memory, 'requests set');
  t.ok(container.resources.limits.memory, 'memory limit set');
  t.ok(pod.terminationGracePeriodSeconds >= 10);
  t.same(
    pod.topologySpreadConstraints.map((c: Manifest) => [c.topologyKey, c.labelSelector.matchLabels]),
    ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((key) => [
      key,
      deployment.spec.selector.matchLabels,
    ]),
  );
  const projected = pod.volumes.find((v: Manifest) => v.name === 'stow').projected.sources;
  t.equal(projected[0].configMap.name, one(objects, 'ConfigMap').metadata.name);
  t.equal(projected[1].secret.name, one(objects, 'Certificate', 'stow-webhook').spec.secretName);
  t.same(
    projected[1].secret.items.map((i: Manifest) => i.path),
    ['tls/tls.crt', 'tls/tls.key'],
  );
  t.same(
    container.volumeMounts.map((m: Manifest) => m.mountPath),
    ['/etc/stow', '/tmp'],
  );
  t.ok(pod.volumes.find((v: Manifest) => v.name === 'tmp').emptyDir, '/tmp is an emptyDir');
  t.equal(pod.serviceAccountName, one(objects, 'ServiceAccount').metadata.name);

  const webhookService = one(objects, 'Service', 'stow-webhook');
  t.same(webhookService.spec.ports, [{ name: 'https', port: 443, targetPort: 'webhook', protocol: 'TCP' }]);
  t.same(webhookService.spec.selector, deployment.spec.selector.matchLabels);
  t.same(one(objects, 'Service', 'stow-metrics').spec.ports[0].targetPort, 'metrics');

  const checksum = deployment.spec.template.metadata.annotations['checksum/config'];
  t.match(checksum, /^[0-9a-f]{64}$/);
  const changed = one(render(t, ['config.reconcileConcurrency=8']), 'Deployment');
  t.not(changed.spec.template.metadata.annotations['checksum/config'], checksum, 'config change rolls pods');

  const custom = one(
    render(t, [
      'aws.endpointUrlRds=http://rds-emulator:4566',
      'logLevel=debug',
      'image.digest=sha256:' + 'a'.repeat(64),
      'config.region=eu-west-1',
    ]),
    'Deployment',
  ).spec.template.spec.containers[0];
  const customEnv = Object.fromEntries(custom.env.map((e: Manifest) => [e.name, e.value]));
  t.equal(customEnv.AWS_ENDPOINT_URL_RDS, 'http://rds-emulator:4566');
  t.equal(customEnv.LOG_LEVEL, 'debug');
  t.equal(customEnv.AWS_REGION, 'eu-west-1');
  t.equal(custom.image, `ghcr.io/stow-dev/stow@sha256:${'a'.repeat(64)}`);
});

/** The `restricted` Pod Security Standard (Kubernetes docs, "Pod Security Standards"), field by field. */
function restrictedViolations(pod: Manifest): string[] {
  const problems: string[] = [];
  const podSc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push('host namespaces');
  const allowedVolumes = [
    'configMap',
    'csi',
    'downwardAPI',
    'emptyDir',
    'ephemeral',
    'persistentVolumeClaim',
    'projected',
    'secret',
  ];
  for (const volume of pod.volumes ?? []) {
    const types = Object.keys(volume).filter((key) => key !== 'name');
    if (!types.every((type) => allowedVolumes.includes(type)))
      problems.push(`volume ${volume.name}: ${types}`);
  }
  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const sc = container.securityContext ?? {};
    const name = container.name;
    if (sc.privileged) problems.push(`${name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false)
      problems.push(`${name}: allowPrivilegeEscalation must be false`);
    if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) problems.push(`${name}: runAsNonRoot must be true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) problems.push(`${name}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp))
      problems.push(`${name}: seccompProfile ${seccomp}`);
    if (!sc.capabilities?.drop?.includes('ALL')) problems.push(`${name}: capabilities must drop ALL`);
    const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
    if (added.length) problems.push(`${name}: adds capabilities ${added}`);
    if ((container.ports ?? []).some((port: Manifest) => port.hostPort)) problems.push(`${name}: hostPort`);
    if (
      sc.seLinuxOptions?.type &&
      !['container_t', 'container_init_t', 'container_kvm_t'].includes(sc.seLinuxOptions.type)
    )
      problems.push(`${name}: seLinuxOptions`);
    if (sc.procMount && sc.procMount !== 'Default') problems.push(`${name}: procMount`);
  }
  return problems;
}

t.test('the pod passes the restricted Pod Security Standard, with a read-only root filesystem', async (t) => {
  for (const [title, sets] of Object.entries(SWITCHES)) {
    const pod = one(render(t, sets), 'Deployment').spec.template.spec;
    t.same(restrictedViolations(pod), [], title);
    const container = pod.containers[0];
    t.equal(container.securityContext.readOnlyRootFilesystem, true, `${title}: read-only root`);
    const uid = sets === OPENSHIFT ? undefined : 65532;
    t.equal(container.securityContext.runAsUser, uid, `${title}: container UID`);
    t.equal(pod.securityContext.runAsUser, uid, `${title}: pod UID`);
    t.same(container.securityContext.capabilities, { drop: ['ALL'] });
    t.equal(container.securityContext.seccompProfile.type, 'RuntimeDefault');
  }
  const openShift = one(render(t, OPENSHIFT), 'Deployment').spec.template.spec;
  t.same(
    openShift.securityContext,
    { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    'OpenShift: no UID, GID or fsGroup on the pod',
  );
  t.notOk(
    ['runAsUser', 'runAsGroup'].some((key) => key in openShift.containers[0].securityContext),
    'nor on the container',
  );
  const bare = one(render(t, ['podSecurityContext=null', 'containerSecurityContext=null']), 'Deployment').spec
    .template.spec;
  t.notOk(bare.securityContext || bare.containers[0].securityContext, 'null leaves the contexts out');
  const hostNetwork = one(render(t, HOST_NETWORK), 'Deployment').spec.template.spec;
  t.same([hostNetwork.hostNetwork, hostNetwork.dnsPolicy], [true, 'ClusterFirstWithHostNet']);
  t.same(
    restrictedViolations(hostNetwork),
    ['host namespaces'],
    'hostNetwork: outside restricted, on purpose',
  );
  const bad = restrictedViolations({
    hostNetwork: true,
    containers: [{ name: 'bad', securityContext: { runAsUser: 0 } }],
    volumes: [{ name: 'h', hostPath: {} }],
  });
  t.same(
    bad.map((problem) => problem.replace(/:.*/, '')),
    ['host namespaces', 'volume h', 'bad', 'bad', 'bad', 'bad', 'bad'],
    `the checker catches what it should: ${bad.join('; ')}`,
  );
});

t.test('the CRD is what `stow crds` prints, pointed at the release webhook Service', async (t) => {
  const printed = run(process.execPath, [join(root, 'dist/src/cli/main.js'), 'crds']);
  t.equal(printed.code, 0, printed.stderr);
  const [generated, generatedPolicy, generatedDatabase, generatedSnapshot] = parseAllDocuments(
    printed.stdout,
  ).map((document) => document.toJS());
  const committed = parse(readFileSync(join(chart, 'files/postgresdbs.stow.dev.yaml'), 'utf8'));
  t.same(committed, generated, 'helm/stow/files/postgresdbs.stow.dev.yaml is up to date with `stow crds`');
  const committedPolicy = parse(readFileSync(join(chart, 'files/postgresdbpolicies.stow.dev.yaml'), 'utf8'));
  t.same(
    committedPolicy,
    generatedPolicy,
    'files/postgresdbpolicies.stow.dev.yaml is up to date with `stow crds`',
  );
  const renderedPolicy = one(render(t), 'CustomResourceDefinition', 'postgresdbpolicies.stow.dev');
  t.same(renderedPolicy.spec, generatedPolicy.spec, 'the chart installs the policy CRD as generated');
  t.same(
    parse(readFileSync(join(chart, 'files/postgresdatabases.stow.dev.yaml'), 'utf8')),
    generatedDatabase,
    'files/postgresdatabases.stow.dev.yaml is up to date with `stow crds`',
  );
  const renderedDatabase = one(render(t), 'CustomResourceDefinition', 'postgresdatabases.stow.dev');
  t.same(
    renderedDatabase.spec,
    generatedDatabase.spec,
    'the chart installs the PostgresDatabase CRD as generated',
  );
  t.equal(renderedDatabase.metadata.annotations['helm.sh/resource-policy'], 'keep');
  t.same(
    parse(readFileSync(join(chart, 'files/postgresdbsnapshots.stow.dev.yaml'), 'utf8')),
    generatedSnapshot,
    'files/postgresdbsnapshots.stow.dev.yaml is up to date with `stow crds`',
  );
  const renderedSnapshot = one(render(t), 'CustomResourceDefinition', 'postgresdbsnapshots.stow.dev');
  t.same(renderedSnapshot.spec, generatedSnapshot.spec, 'the chart installs the PostgresDBSnapshot CRD');
  t.equal(renderedSnapshot.metadata.annotations['helm.sh/resource-policy'], 'keep');

  for (const [title, sets, namespace] of [
    ['defaults', [], NS],
    ['another namespace and release', [], 'databases'],
  ] as const) {
    const result = template([...sets], namespace === NS ? [] : ['--namespace', namespace]);
    t.equal(result.code, 0, result.stderr);
    const crd = one(result.objects, 'CustomResourceDefinition', 'postgresdbs.stow.dev');
    t.same(crd.metadata.name, generated.metadata.name, title);
    t.same(crd.spec.versions, generated.spec.versions, `${title}: versions and schemas equal`);
    t.same(crd.spec.names, generated.spec.names);
    t.equal(crd.spec.group, generated.spec.group);
    t.equal(crd.spec.scope, generated.spec.scope);
    t.equal(crd.spec.conversion.strategy, 'Webhook');
    t.same(crd.spec.conversion.webhook.conversionReviewVersions, ['v1']);
    t.same(crd.spec.conversion.webhook.clientConfig, {
      service: { namespace, name: 'stow-webhook', port: 443, path: '/convert' },
    });
    t.equal(crd.metadata.annotations['cert-manager.io/inject-ca-from'], `${namespace}/stow-webhook`);
    t.equal(crd.metadata.annotations['helm.sh/resource-policy'], 'keep');
  }
  const objects = render(t, ['crds.install=false']);
  t.equal(find(objects, 'CustomResourceDefinition').length, 0, 'crds.install=false leaves it out');
  const notKept = one(render(t, ['crds.keep=false']), 'CustomResourceDefinition', 'postgresdbs.stow.dev');
  t.notOk(notKept.metadata.annotations?.['helm.sh/resource-policy']);
});

t.test('webhook configurations equal registration.ts apart from clientConfig', async (t) => {
  const objects = render(t);
  const expected = buildWebhookConfigurations({
    service: { namespace: NS, name: 'stow-webhook', port: 443 },
  });
  for (const want of expected) {
    const got = one(objects, want.kind as string);
    const strip = (webhooks: Manifest[]) => webhooks.map(({ clientConfig, ...rest }) => rest);
    t.same(strip(got.webhooks), strip(want.webhooks as Manifest[]), `${want.kind} entries`);
    t.same(
      got.webhooks.map((w: Manifest) => w.clientConfig),
      (want.webhooks as Manifest[]).map((w) => w.clientConfig),
      `${want.kind} clientConfig (service)`,
    );
    t.equal(got.metadata.annotations['cert-manager.io/inject-ca-from'], `${NS}/stow-webhook`);
    for (const webhook of got.webhooks) {
      t.equal(webhook.failurePolicy, 'Fail');
      t.ok(webhook.timeoutSeconds >= 1 && webhook.timeoutSeconds <= 30);
    }
  }
  t.same(
    expected.map((c) => (c.metadata as Manifest).name),
    ['stow-mutating', 'stow-validating'],
    'release "stow" gives registration.ts names',
  );
  const slow = one(render(t, ['webhook.timeoutSeconds=25']), 'ValidatingWebhookConfiguration');
  t.equal(slow.webhooks[0].timeoutSeconds, 25);
  const ignoring = render(t, SWITCHES['failurePolicy Ignore']!);
  t.same(
    [
      ...find(ignoring, 'MutatingWebhookConfiguration'),
      ...find(ignoring, 'ValidatingWebhookConfiguration'),
    ].map((configuration) => configuration.webhooks[0].failurePolicy),
    ['Ignore', 'Ignore'],
    'webhook.failurePolicy reaches both webhooks',
  );
});

t.test('cert-manager: Issuer chain and a Certificate for the webhook Service', async (t) => {
  const objects = render(t);
  const certificate = one(objects, 'Certificate', 'stow-webhook');
  t.same(certificate.spec.dnsNames, [`stow-webhook.${NS}.svc`, `stow-webhook.${NS}.svc.cluster.local`]);
  t.equal(certificate.spec.secretName, 'stow-webhook-tls');
  t.same(certificate.spec.issuerRef, { kind: 'Issuer', name: 'stow-ca' });
  const ca = one(objects, 'Certificate', 'stow-ca');
  t.equal(ca.spec.isCA, true);
  t.same(ca.spec.issuerRef, { kind: 'Issuer', name: 'stow-selfsigned' });
  t.same(one(objects, 'Issuer', 'stow-selfsigned').spec, { selfSigned: {} });
  t.same(one(objects, 'Issuer', 'stow-ca').spec, { ca: { secretName: ca.spec.secretName } });
  t.equal(find(objects, 'Secret').length, 0, 'no generated Secret');

  const external = render(t, SWITCHES['external issuer']!);
  t.equal(find(external, 'Issuer').length, 0, 'an external issuer: no Issuers of our own');
  t.same(one(external, 'Certificate').spec.issuerRef, { kind: 'ClusterIssuer', name: 'corp-ca' });
});

t.test('cert-manager off: a generated CA, certificate and caBundle that belong together', async (t) => {
  const objects = render(t, SWITCHES['cert-manager off']!);
  t.equal(find(objects, 'Certificate').length + find(objects, 'Issuer').length, 0, 'no cert-manager kinds');
  const secret = one(objects, 'Secret');
  t.equal(secret.type, 'kubernetes.io/tls');
  const pem = (key: string) => Buffer.from(secret.data[key], 'base64').toString('utf8');
  const ca = new X509Certificate(pem('ca.crt'));
  const cert = new X509Certificate(pem('tls.crt'));
  t.ok(ca.ca, 'ca.crt is a CA');
  t.ok(cert.verify(ca.publicKey), 'tls.crt is signed by ca.crt');
  t.ok(cert.checkPrivateKey(createPrivateKey(pem('tls.key'))), 'tls.key belongs to tls.crt');
  for (const name of [`stow-webhook.${NS}.svc`, `stow-webhook.${NS}.svc.cluster.local`]) {
    t.ok(cert.checkHost(name), `certificate valid for ${name}`);
  }
  t.ok(new Date(cert.validTo).getTime() > Date.now() + 365 * 86400_000, 'valid for years');

  const crd = one(objects, 'CustomResourceDefinition', 'postgresdbs.stow.dev');
  const bundles = [
    crd.spec.conversion.webhook.clientConfig.caBundle,
    ...one(objects, 'MutatingWebhookConfiguration').webhooks.map((w: Manifest) => w.clientConfig.caBundle),
    ...one(objects, 'ValidatingWebhookConfiguration').webhooks.map((w: Manifest) => w.clientConfig.caBundle),
  ];
  t.same(
    bundles,
    Array(bundles.length).fill(secret.data['ca.crt']),
    'the CRD and every webhook trust the generated CA',
  );
  t.equal(bundles.length, 7, 'the CRD, and three webhooks in each configuration');
  t.notOk(crd.metadata.annotations?.['cert-manager.io/inject-ca-from'], 'no injection annotation');
  const projected = one(objects, 'Deployment').spec.template.spec.volumes[0].projected.sources;
  t.equal(projected[1].secret.name, secret.metadata.name, 'the pod mounts the generated Secret');
});

t.test('ServiceMonitor, NetworkPolicy and IRSA switches', async (t) => {
  const withMonitor = render(t, [
    ...SWITCHES['ServiceMonitor on']!,
    'metrics.serviceMonitor.labels.release=prom',
  ]);
  const monitor = one(withMonitor, 'ServiceMonitor');
  const metricsService = one(withMonitor, 'Service', 'stow-metrics');
  t.equal(monitor.apiVersion, 'monitoring.coreos.com/v1');
  t.equal(monitor.metadata.labels.release, 'prom');
  for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels)) {
    t.equal(metricsService.metadata.labels[key], value, `selects the metrics Service by ${key}`);
  }
  t.notOk(
    Object.entries(monitor.spec.selector.matchLabels).every(
      ([key, value]) => one(withMonitor, 'Service', 'stow-webhook').metadata.labels[key] === value,
    ),
    'not the webhook Service',
  );
  t.same(monitor.spec.endpoints[0], { port: 'metrics', path: '/metrics', scheme: 'http', interval: '30s' });
  t.equal(find(render(t), 'ServiceMonitor').length, 0, 'off by default');
  const bad = template([...SWITCHES['ServiceMonitor on']!, 'metrics.service.enabled=false']);
  t.not(bad.code, 0, 'a ServiceMonitor without the metrics Service is refused');

  const policy = one(render(t, SWITCHES['NetworkPolicy on']!), 'NetworkPolicy');
  t.same(policy.spec.policyTypes, ['Ingress', 'Egress']);
  t.same(policy.spec.podSelector.matchLabels, {
    'app.kubernetes.io/name': 'stow',
    'app.kubernetes.io/instance': 'stow',
  });
  t.same(
    policy.spec.ingress.map((rule: Manifest) => rule.ports.map((p: Manifest) => p.port)),
    [[9443], [8080]],
  );
  t.notOk(policy.spec.ingress[0].from, 'webhook port open to the API server wherever it is');
  t.same(policy.spec.ingress[1].from, [
    { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
  ]);
  t.same(
    policy.spec.egress.map((rule: Manifest) => rule.ports.map((p: Manifest) => `${p.port}/${p.protocol}`)),
    [['53/UDP', '53/TCP'], ['443/TCP', '6443/TCP'], ['443/TCP'], ['80/TCP']],
  );
  t.same(
    policy.spec.egress[3].to,
    [{ ipBlock: { cidr: '169.254.170.23/32' } }, { ipBlock: { cidr: 'fd00:ec2::23/128' } }],
    'the EKS Pod Identity agent, IPv4 and IPv6',
  );
  const metadataOnly = one(
    render(t, SWITCHES['Pod Identity egress off, instance metadata on']!),
    'NetworkPolicy',
  );
  t.same(
    metadataOnly.spec.egress.slice(3).map((rule: Manifest) => rule.to.map((to: Manifest) => to.ipBlock.cidr)),
    [['169.254.169.254/32', 'fd00:ec2::254/128']],
    'the instance metadata service instead, when asked',
  );
  const pinned = one(
    render(t, [...SWITCHES['NetworkPolicy on']!, 'networkPolicy.apiServer.cidrs={10.0.0.1/32}']),
    'NetworkPolicy',
  );
  t.same(pinned.spec.egress[1].to, [{ ipBlock: { cidr: '10.0.0.1/32' } }]);
  t.equal(find(render(t), 'NetworkPolicy').length, 0, 'off by default');

  const irsa = one(
    render(t, [...SWITCHES['IRSA role annotation']!, 'serviceAccount.annotations.team=db']),
    'ServiceAccount',
  );
  t.same(irsa.metadata.annotations, {
    team: 'db',
    'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/stow',
  });
  t.notOk(one(render(t), 'ServiceAccount').metadata.annotations, 'no annotations by default');
});

/** The operator's own rules, by kind/namespace: what src/controller calls, nothing else. */
const MANAGED_RULES = [
  {
    apiGroups: ['stow.dev'],
    resources: ['postgresdbs', 'postgresdatabases', 'postgresdbsnapshots'],
    verbs: ['get', 'list', 'watch', 'patch'],
  },
  // The final snapshot of a PostgresDB deleted with deletionPolicy Snapshot.
  { apiGroups: ['stow.dev'], resources: ['postgresdbsnapshots'], verbs: ['create'] },
  {
    apiGroups: ['stow.dev'],
    resources: ['postgresdbs/status', 'postgresdatabases/status', 'postgresdbsnapshots/status'],
    verbs: ['get', 'patch'],
  },
  {
    apiGroups: ['stow.dev'],
    resources: ['postgresdbs/finalizers', 'postgresdatabases/finalizers'],
    verbs: ['update'],
  },
  { apiGroups: [''], resources: ['secrets', 'services'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
];
/**
 * Leader election: create (RBAC cannot limit a create to a name), then read and renew its own Lease;
 * Events about that Lease (orphaned instances) in the release namespace.
 */
const LEASE_RULES = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: [LEASE_NAME],
    verbs: ['get', 'update'],
  },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
];

t.test('each release elects its leader on a Lease of its own, and may touch only that one', async (t) => {
  const objects = render(t, ['fullnameOverride=payments-stow']);
  const args = one(objects, 'Deployment', 'payments-stow').spec.template.spec.containers[0].args as string[];
  t.equal(args[args.indexOf('--leader-election-id') + 1], 'payments-stow-controller');
  const leases = one(objects, 'Role', 'payments-stow-leader-election').rules.find(
    (rule: Manifest) => rule.resourceNames,
  );
  t.same(leases.resourceNames, ['payments-stow-controller']);
});

const POLICY_READER_RULES = [
  { apiGroups: ['stow.dev'], resources: ['postgresdbpolicies'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  // The source a new PostgresDB restores from, read by name at admission.
  { apiGroups: ['stow.dev'], resources: ['postgresdbsnapshots', 'postgresdbs'], verbs: ['get'] },
];

t.test('RBAC: least privilege, cluster-wide or per watched namespace', async (t) => {
  const objects = render(t);
  t.same(one(objects, 'ClusterRole', 'stow-operator').rules, MANAGED_RULES);
  const leaderRole = one(objects, 'Role', 'stow-leader-election');
  t.equal(leaderRole.metadata.namespace, NS);
  t.same(leaderRole.rules, LEASE_RULES);
  const subject = [{ kind: 'ServiceAccount', name: 'stow', namespace: NS }];
  t.same(one(objects, 'ClusterRoleBinding', 'stow-operator').subjects, subject);
  t.same(one(objects, 'ClusterRoleBinding', 'stow-policy-reader').subjects, subject);
  t.same(
    one(objects, 'ClusterRole', 'stow-policy-reader').rules,
    POLICY_READER_RULES,
    'read-only, plus SubjectAccessReviews',
  );
  t.same(one(objects, 'ClusterRole', 'stow-postgresdb-adopt').rules, [
    { apiGroups: ['stow.dev'], resources: ['postgresdbs'], verbs: ['adopt'] },
  ]);
  t.notOk(
    one(objects, 'ClusterRole', 'stow-postgresdb-adopt').metadata.labels[
      'rbac.authorization.k8s.io/aggregate-to-edit'
    ],
    'the adopt verb is not aggregated into edit',
  );
  const databaseView = one(objects, 'ClusterRole', 'stow-postgresdatabase-view');
  t.same(databaseView.rules, [
    {
      apiGroups: ['stow.dev'],
      resources: ['postgresdatabases', 'postgresdatabases/status'],
      verbs: ['get', 'list', 'watch'],
    },
  ]);
  t.equal(databaseView.metadata.labels['rbac.authorization.k8s.io/aggregate-to-view'], 'true');
  const databaseEdit = one(objects, 'ClusterRole', 'stow-postgresdatabase-edit');
  t.same(databaseEdit.rules, [
    {
      apiGroups: ['stow.dev'],
      resources: ['postgresdatabases'],
      verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'],
    },
  ]);
  t.match(databaseEdit.metadata.labels, {
    'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
    'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
  });
  t.same(one(objects, 'ClusterRole', 'stow-postgresdbsnapshot-view').rules, [
    {
      apiGroups: ['stow.dev'],
      resources: ['postgresdbsnapshots', 'postgresdbsnapshots/status'],
      verbs: ['get', 'list', 'watch'],
    },
  ]);
  const snapshotEdit = one(objects, 'ClusterRole', 'stow-postgresdbsnapshot-edit');
  t.same(snapshotEdit.rules, [
    {
      apiGroups: ['stow.dev'],
      resources: ['postgresdbsnapshots'],
      verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'],
    },
  ]);
  t.equal(snapshotEdit.metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
  for (const role of find(objects, 'ClusterRole').filter((r) => r.metadata.name !== 'stow-operator'))
    for (const rule of role.rules)
      if (rule.resources.includes('postgresdbpolicies'))
        t.same(rule.verbs, ['get', 'list', 'watch'], `${role.metadata.name}: policies are read-only`);
  t.same(one(objects, 'RoleBinding').subjects, subject);
  for (const role of [...find(objects, 'ClusterRole'), ...find(objects, 'Role')]) {
    for (const rule of role.rules) {
      t.notOk(
        rule.verbs.includes('*') || rule.resources.includes('*') || rule.apiGroups.includes('*'),
        'no wildcards',
      );
      t.notOk(rule.resources.includes('pods'), 'nothing on pods');
    }
  }
  t.same(
    find(objects, 'ClusterRoleBinding').map((b) => b.roleRef.name),
    ['stow-operator', 'stow-policy-reader'],
    'the aggregated ClusterRoles and the adopt role are bound to nobody',
  );

  const scoped = render(t, SWITCHES.watchNamespaces!);
  t.same(
    find(scoped, 'ClusterRole')
      .map((r) => r.metadata.name)
      .sort(),
    [
      'stow-policy-reader',
      'stow-policy-view',
      'stow-postgresdatabase-edit',
      'stow-postgresdatabase-view',
      'stow-postgresdb-adopt',
      'stow-postgresdb-edit',
      'stow-postgresdb-view',
      'stow-postgresdbsnapshot-edit',
      'stow-postgresdbsnapshot-view',
    ],
    'no operator ClusterRole (the policy reader is read-only)',
  );
  t.same(
    find(scoped, 'ClusterRoleBinding').map((b) => b.roleRef.name),
    ['stow-policy-reader'],
    'only the policy reader is bound cluster-wide',
  );
  const roles = find(scoped, 'Role', 'stow-operator');
  t.same(
    roles.map((r) => r.metadata.namespace),
    ['team-a', 'team-b'],
  );
  for (const role of roles) t.same(role.rules, MANAGED_RULES);
  t.same(
    find(scoped, 'RoleBinding', 'stow-operator').map((b) => [b.metadata.namespace, b.roleRef, b.subjects]),
    ['team-a', 'team-b'].map((ns) => [
      ns,
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'stow-operator' },
      subject,
    ]),
  );
  t.same(one(scoped, 'Role', 'stow-leader-election').metadata.namespace, NS);
  t.same(parse(one(scoped, 'ConfigMap').data['operator.yaml']).watchNamespaces, ['team-a', 'team-b']);

  const none = render(t, ['rbac.create=false', 'rbac.aggregateToDefaultRoles=false']);
  t.equal(
    none.filter((o) => /Role/.test(o.kind)).length,
    0,
    'rbac.create=false and aggregateToDefaultRoles=false: no RBAC objects',
  );
});

t.test('ConfigMap: operator.yaml from values loads, storage-rules.yaml is the config copy', async (t) => {
  t.equal(
    readFileSync(join(chart, 'files/storage-rules.yaml'), 'utf8'),
    readFileSync(join(root, 'config/storage-rules.yaml'), 'utf8'),
    'helm/stow/files/storage-rules.yaml equals config/storage-rules.yaml',
  );
  const dir = mkdtempSync(join(tmpdir(), 'stow-helm-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const load = (objects: Manifest[]) => {
    const data = one(objects, 'ConfigMap').data;
    t.same(Object.keys(data).sort(), ['operator.yaml', 'storage-rules.yaml']);
    writeFileSync(join(dir, 'operator.yaml'), data['operator.yaml']);
    writeFileSync(join(dir, 'storage-rules.yaml'), data['storage-rules.yaml']);
    return loadConfig(join(dir, 'operator.yaml'));
  };
  t.same(
    load(render(t)),
    loadConfig(join(root, 'config/operator.yaml')),
    'chart defaults = operator defaults',
  );
  const custom = load(
    render(t, [
      'config.clusterName=prod-eu',
      'config.region=eu-west-1',
      'config.securityGroupIds={sg-0123456789abcdef0}',
      'config.defaults.storageType=io1',
      'config.extraTags.team=payments',
      'config.watchNamespaces={team-a}',
    ]),
  );
  t.match(custom, {
    clusterName: 'prod-eu',
    region: 'eu-west-1',
    securityGroupIds: ['sg-0123456789abcdef0'],
    defaults: { storageType: 'io1', engineVersion: '16' },
    extraTags: { team: 'payments' },
    watchNamespaces: ['team-a'],
  });
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8'));
  const chartKeys = Object.keys(schema.properties.config.properties).sort();
  const operatorKeys = Object.keys(OperatorConfigFile.properties)
    .filter((key) => !['storageRulesFile', 'storageRules'].includes(key))
    .sort();
  t.same(
    chartKeys,
    operatorKeys,
    'values `config` has every operator.yaml key (the chart owns the storage rules)',
  );
  t.same(
    Object.keys(schema.properties.config.properties.defaults.properties).sort(),
    Object.keys(OperatorConfigFile.properties.defaults.properties).sort(),
  );
});

t.test('the values schema rejects bad values', async (t) => {
  const BAD: Array<[string, string[], RegExp]> = [
    ['replicas "two"', ['replicaCount=two'], /replicaCount.*want integer|integer/],
    ['zero replicas', ['replicaCount=0'], /replicaCount/],
    ['an unknown top-level key', ['replicas=2'], /additional propert(y|ies) 'replicas' not allowed/],
    ['an unknown nested key', ['config.regoin=eu-west-1'], /additional propert(y|ies) 'regoin' not allowed/],
    ['a bad watchNamespaces entry', ['config.watchNamespaces={Team_A}'], /watchNamespaces\/0/],
    ['a bad clusterName', ['config.clusterName=Prod EU'], /clusterName/],
    ['a bad security group', ['config.securityGroupIds={sg-zz}'], /securityGroupIds\/0/],
    ['an unknown storage type', ['config.defaults.storageType=ssd'], /storageType/],
    ['a bad log level', ['logLevel=verbose'], /logLevel/],
    ['a bad role ARN', ['aws.roleArn=my-role'], /roleArn/],
    ['a webhook timeout above 30', ['webhook.timeoutSeconds=31'], /timeoutSeconds/],
    ['an issuerRef without a name', ['certManager.issuerRef.kind=ClusterIssuer'], /issuerRef/],
    ['a bad duration', ['certManager.duration=90 days'], /duration/],
    ['a privileged port for the webhook', ['webhook.port=443'], /webhook\/port/],
    ['a string for a boolean', ['certManager.enabled=maybe'], /enabled/],
    ['an unknown failurePolicy', ['webhook.failurePolicy=Sometimes'], /failurePolicy/],
    ['an unknown dnsPolicy', ['dnsPolicy=ClusterLast'], /dnsPolicy/],
    ['dnsPolicy None, which needs a dnsConfig the chart does not set', ['dnsPolicy=None'], /dnsPolicy/],
    ['hostNetwork "yes"', ['hostNetwork=yes'], /hostNetwork/],
    ['a negative UID', ['podSecurityContext.runAsUser=-1'], /podSecurityContext\/runAsUser/],
    ['a misspelt security context key', ['containerSecurityContext.readOnlyRootFS=true'], /readOnlyRootFS/],
    ['a lowercase capability', ['containerSecurityContext.capabilities.add={net_admin}'], /capabilities/],
    ['an unknown seccomp type', ['podSecurityContext.seccompProfile.type=Default'], /seccompProfile/],
    ['a start-up probe that never fails', ['probes.startup.failureThreshold=0'], /startup/],
    ['a string for podIdentityAgent', ['networkPolicy.podIdentityAgent=maybe'], /podIdentityAgent/],
    ['global that is not a map', ['global=x'], /global/],
  ];
  for (const [title, sets, message] of BAD) {
    const result = template(sets);
    t.not(result.code, 0, `${title} is rejected`);
    t.match(result.stderr, message, `${title}: the error names it`);
  }
  const good = template([
    'replicaCount=3',
    'config.watchNamespaces={team-a,b}',
    'certManager.issuerRef.name=corp-ca',
    'podDisruptionBudget.minAvailable=50%',
    'global.anything.nested=1',
    'podSecurityContext.runAsUser=1000700000',
  ]);
  t.equal(good.code, 0, `good values pass\n${good.stderr}`);
});

t.test('the chart README lists every value', async (t) => {
  const readme = readFileSync(join(chart, 'README.md'), 'utf8');
  const values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8'));
  const leaves = (value: unknown, prefix: string): string[] =>
    value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length
      ? Object.entries(value).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key))
      : [prefix];
  const all = leaves(values, '');
  t.ok(all.length > 60, `${all.length} values`);
  const missing = all.filter((key) => !readme.includes(`| \`${key}\` |`));
  t.same(missing, [], 'every leaf of values.yaml has a row in the README');
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8'));
  t.same(
    Object.keys(schema.properties).sort(),
    Object.keys(values).sort(),
    'the schema covers every top-level value',
  );
});

t.test('NOTES: a warning while config.clusterName is the default', async (t) => {
  const notes = (sets: string[]) => {
    const result = helm([
      'install',
      'stow',
      chart,
      '--dry-run=client',
      '--namespace',
      NS,
      ...sets.flatMap((set) => ['--set', set]),
    ]);
    t.equal(result.code, 0, result.stderr);
    return result.stdout.slice(result.stdout.indexOf('NOTES:'));
  };
  t.match(notes([]), /WARNING: config\.clusterName is left at its default, "local"/);
  t.notMatch(notes(['config.clusterName=prod-eu']), /WARNING/);
  t.match(notes(['hostNetwork=true']), /dnsPolicy=ClusterFirstWithHostNet/);
  t.notMatch(notes(HOST_NETWORK), /dnsPolicy=ClusterFirstWithHostNet/);
  t.match(notes(['webhook.failurePolicy=Ignore']), /failurePolicy is Ignore/);
  t.match(notes(['crds.install=false']), /relies on CRDs installed by another release/);
});

t.test("Node's heap limit follows the container's memory limit", async (t) => {
  const heapFlag = (sets: string[]) => {
    const deployment = one(render(t, sets), 'Deployment');
    const env: Array<{ name: string; value?: string }> = deployment.spec.template.spec.containers[0].env;
    return env.find((variable) => variable.name === 'NODE_OPTIONS')?.value;
  };
  t.equal(heapFlag([]), '--max-old-space-size=288', '75% of the default 384Mi');
  t.equal(heapFlag(['resources.limits.memory=512Mi']), '--max-old-space-size=384', '512Mi');
  t.equal(heapFlag(['resources.limits.memory=2Gi']), '--max-old-space-size=1536', '2Gi');
  t.equal(heapFlag(['resources.limits.memory=1G']), '--max-old-space-size=715', '1G (decimal)');
  t.equal(heapFlag(['heapLimitMiB=300']), '--max-old-space-size=300', 'set explicitly');
  t.equal(heapFlag(['resources.limits=null']), undefined, 'no limit: Node sizes the heap itself');
  const odd = template(['resources.limits.memory=400000Ki']);
  t.not(odd.code, 0, 'a unit it cannot read fails the install');
  t.match(odd.stderr, /resources\.limits\.memory "400000Ki": use Mi, Gi, M or G, or set heapLimitMiB/);
});
