import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** KUBECONFIG (or ~/.kube/config), else the in-cluster service account. */
export function loadKubeConfig(): KubeConfig {
  const home = process.env.HOME ?? homedir();
  const configured =
    Boolean(process.env.KUBECONFIG) ||
    existsSync(join(home, '.kube', 'config')) ||
    Boolean(process.env.KUBERNETES_SERVICE_HOST);
  const kubeConfig = new KubeConfig();
  // Without any of these, client-node would invent a cluster at http://localhost:8080.
  if (configured) kubeConfig.loadFromDefault();
  if (!configured || !kubeConfig.getCurrentCluster()) {
    throw Object.assign(
      new Error(
        'no Kubernetes cluster configured: set KUBECONFIG, run in a cluster, or try `stow playground`',
      ),
      { name: 'UsageError' },
    );
  }
  return kubeConfig;
}
