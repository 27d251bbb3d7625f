import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CRD_NAME, POLICY_CRD_NAME, SNAPSHOT_CRD_NAME } from '../../api/constants.js';
import { buildCrd, buildPolicyCrd, buildSnapshotCrd } from '../../api/crd.js';
import { type RunFlags, type RunningOperator, startOperator } from '../../operator.js';
import { makeDevCerts } from '../control-plane/certs.js';
import { type RdsEmulator, type StateDelays, startRdsEmulator } from '../emulator/index.js';
import {
  type ControlPlane,
  type ControlPlaneUser,
  type KubectlResult,
  startControlPlane,
} from '../control-plane/control-plane.js';
import { freeLoopbackPorts } from '../control-plane/ports.js';
import { buildWebhookConfigurations } from '../../admission/registration.js';

export interface LocalEnvironmentOptions {
  /** Served CRD versions; both (with the conversion webhook) by default. */
  crdVersions?: Array<'v1alpha1' | 'v1beta1'>;
  /** Register the admission webhooks with the API server. Default true. */
  admissionWebhooks?: boolean;
  /** Extra flags for the operator (`stow run`), e.g. `{ controller: false }`. */
  operatorFlags?: Partial<RunFlags>;
  /** Start the operator at all (false: control plane and CRD only). Default true. */
  operator?: boolean;
  controllerManager?: boolean;
  /** Users (besides the admin) the API server authenticates by token; see `controlPlane.tokens`. */
  users?: ControlPlaneUser[];
  /** Start the RDS emulator and point the operator at it (AWS_ENDPOINT_URL_RDS). */
  rdsEmulator?: { delays?: Partial<StateDelays> };
  log?: (line: string) => void;
}

export interface LocalEnvironment {
  controlPlane: ControlPlane;
  operator?: RunningOperator;
  emulator?: RdsEmulator;
  /** https://127.0.0.1:PORT of the webhook server */
  webhookUrl?: string;
  certsDir: string;
  caBundle: string;
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
  /** `kubectl apply -f -` of one or more objects (or YAML text). */
  apply(manifest: object | object[] | string, extraArgs?: string[]): Promise<KubectlResult>;
  installCrd(versions: Array<'v1alpha1' | 'v1beta1'>): Promise<void>;
  stop(): Promise<void>;
}

export function toYamlDocuments(manifest: object | object[] | string): string {
  if (typeof manifest === 'string') return manifest;
  const items = Array.isArray(manifest) ? manifest : [manifest];
  return items.map((item) => stringify(item, { lineWidth: 0 })).join('---\n');
}

async function mustSucceed(result: KubectlResult, what: string): Promise<KubectlResult> {
  if (result.code !== 0)
    throw new Error(`${what} failed (exit ${result.code}): ${result.stderr || result.stdout}`);
  return result;
}

/**
 * A real kube-apiserver + etcd with the PostgresDB CRD and Stow's webhooks registered in URL mode,
 * pointing at an operator started through the same code path as `stow run`.
 */
export async function startLocalEnvironment(opts: LocalEnvironmentOptions = {}): Promise<LocalEnvironment> {
  const log = opts.log ?? (() => {});
  const controlPlane = await startControlPlane({
    log,
    ...(opts.users ? { extraUsers: opts.users } : {}),
    ...(opts.controllerManager === undefined ? {} : { controllerManager: opts.controllerManager }),
  });
  const workDir = await mkdtemp(join(tmpdir(), 'stow-local-'));
  const stops: Array<() => Promise<void>> = [
    async () => rm(workDir, { recursive: true, force: true }),
    () => controlPlane.stop(),
  ];
  const stopAll = async () => {
    for (const stop of stops.splice(0)) await stop().catch(() => undefined);
  };
  try {
    const certsDir = join(workDir, 'certs');
    const certs = await makeDevCerts(certsDir);
    const caBundle = Buffer.from(certs.caPem).toString('base64');
    const kubectl = (args: string[], input?: string) =>
      controlPlane.kubectl(args, input === undefined ? {} : { input });
    const apply = (manifest: object | object[] | string, extraArgs: string[] = []) =>
      kubectl(['apply', '-f', '-', ...extraArgs], toYamlDocuments(manifest));

    let emulator: RdsEmulator | undefined;
    if (opts.rdsEmulator) {
      emulator = await startRdsEmulator({
        port: 0,
        ...(opts.rdsEmulator.delays ? { delays: opts.rdsEmulator.delays } : {}),
      });
      stops.unshift(() => emulator!.close());
      // The SDK's default chain reads these; the emulator accepts any credentials.
      process.env.AWS_ENDPOINT_URL_RDS = emulator.url;
      process.env.AWS_REGION ??= 'us-east-1';
      process.env.AWS_ACCESS_KEY_ID ??= 'local';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    }

    // The webhook port is chosen first so the CRD (whose conversion webhook points at it) exists
    // before the controller starts listing PostgresDBs.
    const startsOperator = opts.operator ?? true;
    const webhooksOn = startsOperator && (opts.operatorFlags?.webhooks ?? true);
    const [webhookPort] = webhooksOn ? await freeLoopbackPorts(1) : [];
    const webhookUrl = webhookPort ? `https://127.0.0.1:${webhookPort}` : undefined;

    const installCrd = async (versions: Array<'v1alpha1' | 'v1beta1'>) => {
      const crd = buildCrd({ versions, ...(webhookUrl ? { webhookUrl, caBundle } : {}) });
      await mustSucceed(await apply(crd), 'installing the CRD');
      await mustSucceed(
        await kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${CRD_NAME}`]),
        'waiting for the CRD',
      );
    };
    await installCrd(opts.crdVersions ?? ['v1alpha1', 'v1beta1']);
    await mustSucceed(await apply(buildPolicyCrd()), 'installing the PostgresDBPolicy CRD');
    await mustSucceed(
      await kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${POLICY_CRD_NAME}`]),
      'waiting for the PostgresDBPolicy CRD',
    );
    await mustSucceed(await apply(buildSnapshotCrd()), 'installing the PostgresDBSnapshot CRD');
    await mustSucceed(
      await kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${SNAPSHOT_CRD_NAME}`]),
      'waiting for the PostgresDBSnapshot CRD',
    );
    if (webhookUrl && (opts.admissionWebhooks ?? true)) {
      await mustSucceed(
        await apply(buildWebhookConfigurations({ url: webhookUrl, caBundle })),
        'registering the webhooks',
      );
    }

    let operator: RunningOperator | undefined;
    if (startsOperator) {
      process.env.KUBECONFIG = controlPlane.kubeconfigPath;
      operator = await startOperator({
        'tls-dir': certsDir,
        'webhook-port': String(webhookPort ?? 0),
        'metrics-port': '0',
        'bind-address': '127.0.0.1',
        ...opts.operatorFlags,
      });
      stops.unshift(() => operator!.stop());
    }
    log(`local environment ready: ${controlPlane.server}${webhookUrl ? `, webhooks at ${webhookUrl}` : ''}`);
    return {
      controlPlane,
      operator,
      emulator,
      webhookUrl,
      certsDir,
      caBundle,
      kubectl,
      apply,
      installCrd,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
