import { writeFile } from 'node:fs/promises';

export interface KubeconfigParams {
  server: string;
  caPem: string;
  token: string;
  user?: string;
}

/** Writes a single-context kubeconfig. JSON is valid YAML, so every client reads it. */
export async function writeKubeconfig(path: string, params: KubeconfigParams): Promise<void> {
  const user = params.user ?? 'admin';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'stow-dev',
        cluster: {
          server: params.server,
          'certificate-authority-data': Buffer.from(params.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: user, user: { token: params.token } }],
    contexts: [{ name: 'stow-dev', context: { cluster: 'stow-dev', user, namespace: 'default' } }],
    'current-context': 'stow-dev',
  };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
