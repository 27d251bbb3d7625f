import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_CONFIG_DIR } from '../config/load.js';
import { type LocalEnvironment, startLocalEnvironment } from '../dev/local/environment.js';

const SAMPLES_DIR = join(PACKAGE_CONFIG_DIR, 'samples');
const POLL_MS = 2000;

interface Row {
  namespace: string;
  name: string;
  phase: string;
  ready: string;
  connectable: string;
  endpoint: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function readSamples(): Promise<string[]> {
  const files = (await readdir(SAMPLES_DIR)).filter((file) => file.endsWith('.yaml')).sort();
  return Promise.all(files.map((file) => readFile(join(SAMPLES_DIR, file), 'utf8')));
}

async function listDatabases(env: LocalEnvironment): Promise<Row[]> {
  const result = await env.kubectl(['get', 'postgresdbs.v1beta1.stow.dev', '-A', '-o', 'json']);
  if (result.code !== 0) return [];
  const list = JSON.parse(result.stdout) as {
    items: Array<{
      metadata: { namespace: string; name: string };
      status?: {
        phase?: string;
        endpoint?: { address?: string; port?: number };
        conditions?: Array<{ type: string; status: string }>;
      };
    }>;
  };
  return list.items.map((item) => ({
    namespace: item.metadata.namespace,
    name: item.metadata.name,
    phase: item.status?.phase ?? '-',
    ready: item.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '-',
    connectable: item.status?.conditions?.find((c) => c.type === 'Connectable')?.status ?? '-',
    endpoint: item.status?.endpoint?.address
      ? `${item.status.endpoint.address}:${item.status.endpoint.port}`
      : '-',
  }));
}

function table(rows: Row[]): string {
  const header: Row = {
    namespace: 'NAMESPACE',
    name: 'NAME',
    phase: 'PHASE',
    ready: 'READY',
    connectable: 'CONNECTABLE',
    endpoint: 'ENDPOINT',
  };
  const all = [header, ...rows];
  const keys = Object.keys(header) as Array<keyof Row>;
  const widths = keys.map((key) => Math.max(...all.map((row) => row[key].length)));
  return all.map((row) => keys.map((key, i) => row[key].padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/**
 * The embedded default: a real kube-apiserver + etcd on loopback, the RDS emulator, and the operator
 * (webhooks + controller), with the samples applied. Needs no cluster and no AWS account.
 */
export async function runPlayground(_flags: object): Promise<number> {
  // The playground talks to a person: the operator's JSON log is kept to warnings unless asked for.
  process.env.LOG_LEVEL ??= 'warn';
  say('stow playground: starting a local control plane, the RDS emulator and the operator…');
  say('(the first run builds kube-apiserver from Debian sources and caches it: allow 5-10 minutes)');
  const env = await startLocalEnvironment({
    // A real PostgreSQL server behind every instance, so the Secrets' credentials work from here.
    rdsEmulator: {
      delays: { creating: 4000, backingUp: 2000, modifying: 2000, deleting: 2000 },
      servers: 'postgres',
    },
    operatorFlags: { 'leader-election-namespace': 'default' },
    log: (line) => say(`  ${line}`),
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    say('\nstopping the operator, the emulator and the control plane…');
    await env.stop();
    say('stopped.');
  };
  try {
    for (const sample of await readSamples()) {
      const result = await env.apply(sample);
      say((result.stdout + result.stderr).trim().replace(/^/gm, '  '));
    }
    say('\nwatching the samples (Ctrl-C to stop):');
    const signal = waitForSignal();
    let last = '';
    let announced = false;
    while (
      !(await Promise.race([
        signal.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), POLL_MS)),
      ]))
    ) {
      const rows = await listDatabases(env);
      const text = table(rows);
      if (text !== last) say(`\n${text}`);
      last = text;
      if (
        !announced &&
        rows.length > 0 &&
        rows.every((row) => row.ready === 'True' && row.connectable === 'True')
      ) {
        announced = true;
        say(`\nall ${rows.length} samples are Ready. Try it yourself in another terminal:`);
        say(`  export KUBECONFIG=${env.controlPlane.kubeconfigPath}`);
        say('  kubectl get pgdb -A');
        say('  kubectl get secret orders -o jsonpath="{.data.uri}" | base64 -d; echo');
        say(
          `  psql "$(kubectl get secret orders -o jsonpath='{.data.uri}' | base64 -d)"   # a real PostgreSQL server`,
        );
        say('  kubectl get service orders');
        say(`  kubectl apply -f ${join(SAMPLES_DIR, 'orders-v1beta1.yaml')}   # edit it and re-apply`);
        say(`RDS emulator: ${env.emulator?.url}/_emulator/instances   (Ctrl-C stops everything)`);
      }
    }
    await stop();
    return 0;
  } catch (error) {
    await stop();
    throw error;
  }
}
