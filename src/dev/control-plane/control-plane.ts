import { generateKeyPair, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ControlPlaneBinaries, locateControlPlaneBinaries } from './binaries.js';
import { makeDevCerts } from './certs.js';
import { writeKubeconfig } from './kubeconfig.js';
import { type ManagedProcess, startManagedProcess } from './managed-process.js';
import { guardDir, releaseDir } from './orphan-guard.js';
import { freeLoopbackPorts } from './ports.js';
import { type CommandResult, runCommand } from './run-command.js';
import { waitForHttpOk } from './wait-ready.js';

export interface ControlPlaneUser {
  name: string;
  groups?: string[];
}

export interface StartControlPlaneOptions {
  /**
   * Run kube-controller-manager (garbage collection, namespace deletion, service-account tokens).
   * Default: when its binary is there (envtest's KUBEBUILDER_ASSETS has none). `true` requires it.
   */
  controllerManager?: boolean;
  /** Progress lines (and install.sh's output while it builds). */
  log?: (line: string) => void;
  /** Users the token file also knows, each with a token of its own in `ControlPlane.tokens`. */
  extraUsers?: ControlPlaneUser[];
  /** Per component. Default 60 s. */
  startupTimeoutMs?: number;
}

export interface KubectlOptions {
  input?: string;
  /** Act as another user (see `ControlPlane.tokens`) instead of the admin. */
  token?: string;
}

export type KubectlResult = CommandResult;

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  server: string;
  kubeconfigPath: string;
  /** CA of the API server's serving certificate. */
  caPem: string;
  /** Admin token: user `admin` in group `system:masters`. It may impersonate anyone (`--as`). */
  token: string;
  /** Tokens of `extraUsers`, by name. */
  tokens: Record<string, string>;
  /** Temp dir holding the kubeconfig, certificates, data and logs; removed by stop(). */
  dir: string;
  controllerManager: boolean;
  processes: ReadonlyArray<{ name: string; pid: number; logFile: string }>;
  startupMs: number;
  /** Runs kubectl against this control plane; a non-zero exit is a result, not a rejection. */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Stops every process (whole process groups) and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
/** Enough for owner-reference GC, namespace deletion, default service accounts and aggregated roles. */
const CONTROLLERS = [
  'garbagecollector',
  'resourcequota',
  'namespace',
  'serviceaccount',
  'serviceaccount-token',
  'clusterrole-aggregation',
  'root-ca-cert-publisher',
];
const STOP_GRACE_MS = 5000;
const MAX_ATTEMPTS = 3;

export async function startControlPlane(opts: StartControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  const binaries = await locateControlPlaneBinaries(log);
  if (opts.controllerManager === true && !binaries.kubeControllerManager) {
    throw new Error(`no kube-controller-manager in ${binaries.dir}`);
  }
  const withControllerManager =
    opts.controllerManager !== false && binaries.kubeControllerManager !== undefined;
  if (opts.controllerManager === undefined && !withControllerManager) {
    log(`no kube-controller-manager in ${binaries.dir}: no garbage collection or namespace deletion`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binaries, withControllerManager, opts, log);
    } catch (error) {
      // Free ports are picked before the servers bind them; another process can win the race.
      if (
        attempt === MAX_ATTEMPTS ||
        !(error instanceof Error) ||
        !/address already in use/.test(error.message)
      ) {
        throw error;
      }
      log(`a port was taken meanwhile; starting again (attempt ${attempt + 1})`);
    }
  }
}

async function startOnce(
  binaries: ControlPlaneBinaries,
  withControllerManager: boolean,
  opts: StartControlPlaneOptions,
  log: (line: string) => void,
): Promise<ControlPlane> {
  const started = performance.now();
  const timeoutMs = opts.startupTimeoutMs ?? 60_000;
  const dir = await mkdtemp(join(tmpdir(), 'stow-control-plane-'));
  guardDir(dir);
  const etcdDataDir = await makeEtcdDataDir(dir);
  const processes: ManagedProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const component of [...processes].reverse()) await component.stop(STOP_GRACE_MS);
      for (const path of new Set([etcdDataDir, dir])) {
        await rm(path, { recursive: true, force: true });
        releaseDir(path);
      }
    })();
    return stopping;
  };
  const start = (name: string, command: string, args: string[]) => {
    const component = startManagedProcess(name, command, args, join(dir, `${name}.log`));
    processes.push(component);
    component.exited.then(async (reason) => {
      if (!stopping) log(`${name} exited unexpectedly (${reason}):\n${await component.logTail()}`);
    });
    return component;
  };

  try {
    const [etcdPort, etcdPeerPort, apiserverPort, controllerManagerPort] = await freeLoopbackPorts(4);
    const etcd = start('etcd', binaries.etcd, etcdArgs(etcdDataDir, etcdPort!, etcdPeerPort!));
    const users = [{ name: 'admin', groups: ['system:masters'] }, ...(opts.extraUsers ?? [])];
    const [pki, serviceAccountKey, tokens] = await Promise.all([
      makeDevCerts(join(dir, 'pki'), {
        hosts: [
          'kubernetes',
          'kubernetes.default',
          'kubernetes.default.svc',
          'kubernetes.default.svc.cluster.local',
        ],
      }),
      writeServiceAccountKeys(join(dir, 'service-account')),
      writeTokenFile(join(dir, 'tokens.csv'), users),
    ]);
    const server = `https://127.0.0.1:${apiserverPort}`;
    const token = tokens.admin!;
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, { server, caPem: pki.caPem, token });
    await waitForHttpOk(etcd, { url: `http://127.0.0.1:${etcdPort}/health` }, timeoutMs);
    log(`etcd ready after ${elapsed(started)}`);

    const apiserver = start('kube-apiserver', binaries.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiserverPort}`,
      '--advertise-address=127.0.0.1',
      // Endpoints may not point at loopback, so the `kubernetes` Service gets none.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${pki.certFile}`,
      `--tls-private-key-file=${pki.keyFile}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${serviceAccountKey.publicKeyFile}`,
      `--service-account-signing-key-file=${serviceAccountKey.privateKeyFile}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      '--enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
      `--cert-dir=${join(dir, 'kube-apiserver-certs')}`,
      '--profiling=false',
    ]);
    await waitForHttpOk(apiserver, { url: `${server}/readyz`, caPem: pki.caPem, token }, timeoutMs);
    log(`kube-apiserver ready after ${elapsed(started)}`);

    if (withControllerManager) {
      const controllerManager = start('kube-controller-manager', binaries.kubeControllerManager!, [
        `--kubeconfig=${kubeconfigPath}`,
        `--controllers=${CONTROLLERS.join(',')}`,
        '--leader-elect=false',
        '--use-service-account-credentials=false',
        `--service-account-private-key-file=${serviceAccountKey.privateKeyFile}`,
        `--root-ca-file=${pki.caCert}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${controllerManagerPort}`,
        '--port=0',
        `--cert-dir=${join(dir, 'kube-controller-manager-certs')}`,
        '--profiling=false',
        // Quotas are recounted every 15 s rather than 5 min: a quota that missed its first count
        // (the quota monitors still syncing) is not left without status for long.
        '--resource-quota-sync-period=15s',
      ]);
      await waitForHttpOk(
        controllerManager,
        { url: `https://127.0.0.1:${controllerManagerPort}/healthz`, insecure: true },
        timeoutMs,
      );
      log(`kube-controller-manager ready after ${elapsed(started)}`);
    }

    const kubectlCacheDir = join(dir, 'kubectl-cache');
    return {
      server,
      kubeconfigPath,
      caPem: pki.caPem,
      token,
      tokens: Object.fromEntries(Object.entries(tokens).filter(([name]) => name !== 'admin')),
      dir,
      controllerManager: withControllerManager,
      processes: processes.map(({ name, pid, logFile }) => ({ name, pid, logFile })),
      startupMs: Math.round(performance.now() - started),
      kubectl: (args, kubectlOpts = {}) =>
        runCommand(
          binaries.kubectl,
          [
            `--kubeconfig=${kubeconfigPath}`,
            // Not ~/.kube/cache: ports are reused by later control planes with other CRDs.
            `--cache-dir=${kubectlCacheDir}`,
            ...(kubectlOpts.token ? [`--token=${kubectlOpts.token}`] : []),
            ...args,
          ],
          kubectlOpts.input,
        ),
      stop,
    };
  } catch (error) {
    const logs = await Promise.all(
      processes.map(
        async (component) => `--- ${component.name} (${component.logFile}) ---\n${await component.logTail()}`,
      ),
    );
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`control plane failed to start: ${reason}\n${logs.join('\n')}`, { cause: error });
  }
}

function etcdArgs(dataDir: string, port: number, peerPort: number): string[] {
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=stow',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=http://127.0.0.1:${port}`,
    `--advertise-client-urls=http://127.0.0.1:${port}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=stow=${peerUrl}`,
    '--initial-cluster-state=new',
    // A lone member still waits one election timeout before leading; the default is 1 s.
    '--heartbeat-interval=10',
    '--election-timeout=50',
    '--logger=zap',
    '--log-outputs=stderr',
  ];
}

/** etcd fsyncs every write; on tmpfs that costs nothing (etcd 3.4 has no --unsafe-no-fsync). */
async function makeEtcdDataDir(dir: string): Promise<string> {
  if (!existsSync('/dev/shm')) return join(dir, 'etcd');
  const dataDir = await mkdtemp('/dev/shm/stow-etcd-');
  guardDir(dataDir);
  return dataDir;
}

async function writeServiceAccountKeys(
  dir: string,
): Promise<{ privateKeyFile: string; publicKeyFile: string }> {
  await mkdir(dir, { recursive: true });
  const { privateKey, publicKey } = await promisify(generateKeyPair)('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const privateKeyFile = join(dir, 'sa.key');
  const publicKeyFile = join(dir, 'sa.pub');
  await writeFile(privateKeyFile, privateKey, { mode: 0o600 });
  await writeFile(publicKeyFile, publicKey);
  return { privateKeyFile, publicKeyFile };
}

/** kube-apiserver's --token-auth-file: token,user,uid,"group1,group2". Returns tokens by user. */
async function writeTokenFile(path: string, users: ControlPlaneUser[]): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  const lines = users.map(({ name, groups = [] }) => {
    if (/[,"\n]/.test(name) || groups.some((group) => /[,"\n]/.test(group))) {
      throw new Error(`user and group names may not contain commas, quotes or newlines: ${name}`);
    }
    if (tokens[name]) throw new Error(`user ${name} is listed twice`);
    const token = randomBytes(24).toString('hex');
    tokens[name] = token;
    return `${token},${name},${name},"${groups.join(',')}"`;
  });
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return tokens;
}

function elapsed(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}
