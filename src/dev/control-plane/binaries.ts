import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ControlPlaneBinaries {
  dir: string;
  etcd: string;
  kubeApiserver: string;
  /** Absent from envtest's KUBEBUILDER_ASSETS. */
  kubeControllerManager?: string;
  /** The one next to the API server when there is one (envtest), else kubectl from PATH. */
  kubectl: string;
}

let located: Promise<ControlPlaneBinaries> | undefined;

/**
 * Runs scripts/control-plane/install.sh once per process: it honours KUBEBUILDER_ASSETS, else
 * returns the cached build, else builds Kubernetes from Debian's source package (minutes).
 */
export function locateControlPlaneBinaries(
  log: (line: string) => void = () => {},
): Promise<ControlPlaneBinaries> {
  located ??= runInstallScript(log).then(binariesIn);
  located.catch(() => {
    located = undefined;
  });
  return located;
}

function binariesIn(dir: string): ControlPlaneBinaries {
  const inDir = (name: string) => (isExecutable(join(dir, name)) ? join(dir, name) : undefined);
  const etcd = inDir('etcd');
  const kubeApiserver = inDir('kube-apiserver');
  if (!etcd || !kubeApiserver) throw new Error(`${dir} lacks etcd or kube-apiserver`);
  return {
    dir,
    etcd,
    kubeApiserver,
    kubeControllerManager: inDir('kube-controller-manager'),
    kubectl: inDir('kubectl') ?? 'kubectl',
  };
}

function runInstallScript(log: (line: string) => void): Promise<string> {
  const script = findInstallScript();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      for (const line of chunk.trimEnd().split('\n')) log(line);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const dir = stdout.trimEnd().split('\n').pop()?.trim();
      if (code === 0 && dir) resolve(dir);
      else
        reject(
          new Error(`${script} failed (exit code ${code}):\n${stderr.split('\n').slice(-30).join('\n')}`),
        );
    });
  });
}

function findInstallScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'scripts', 'control-plane', 'install.sh');
    try {
      accessSync(candidate, constants.R_OK);
      return candidate;
    } catch {
      const parent = dirname(dir);
      if (parent === dir)
        throw new Error('scripts/control-plane/install.sh not found above ' + import.meta.url);
      dir = parent;
    }
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
