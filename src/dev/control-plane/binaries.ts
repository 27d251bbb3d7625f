import { join } from 'node:path';
import { isExecutable, runInstallScript } from './install-script.js';

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
  located ??= runInstallScript('control-plane', log).then(binariesIn);
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
