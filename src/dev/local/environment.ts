import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { setTimeout as sleep } from 'node:timers/promises';
import { GROUP, PLURAL } from '../../api/constants.js';
import { buildAllCrds, buildCrd } from '../../api/crd.js';
import { type RunFlags, type RunningOperator, startOperator } from '../../operator.js';
import { makeDevCerts } from '../control-plane/certs.js';
import { type RdsEmulator, type ServerMode, type StateDelays, startRdsEmulator } from '../emulator/index.js';
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
  rdsEmulator?: { delays?: Partial<StateDelays>; servers?: ServerMode };
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

/**
 * Waits for a CRD to be Established. Right after it is created `kubectl wait` can find no conditions
 * at all yet, and says so as an error ("status.conditions accessor error"): that is asked again.
 */
async function waitEstablished(
  kubectl: (args: string[]) => Promise<KubectlResult>,
  name: string,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/${name}`]);
    if (result.code === 0) return;
    if (attempt >= 20 || !/accessor error/.test(result.stderr)) {
      await mustSucceed(result, `waiting for the ${name} CRD`);
      return;
    }
    await sleep(250);
  }
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
        ...(opts.rdsEmulator.servers ? { servers: opts.rdsEmulator.servers } : {}),
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

    const crdOptions = (versions: Array<'v1alpha1' | 'v1beta1'>) => ({
      versions,
      ...(webhookUrl ? { webhookUrl, caBundle } : {}),
    });
    const install = async ({ plural, crd }: { plural: string; crd: object }) => {
      await mustSucceed(await apply(crd), `installing the ${plural} CRD`);
      await waitEstablished(kubectl, `${plural}.${GROUP}`);
    };
    /** PostgresDB's CRD, serving these versions (tests of version upgrades install it again). */
    const installCrd = (versions: Array<'v1alpha1' | 'v1beta1'>) =>
      install({ plural: PLURAL, crd: buildCrd(crdOptions(versions)) });
    for (const crd of buildAllCrds(crdOptions(opts.crdVersions ?? ['v1alpha1', 'v1beta1'])))
      await install(crd);
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
