#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { renderAllCrds } from './crds.js';

const USAGE = `Usage: stow <command> [flags]

Commands:
  run               webhooks + controller (the default; what the container runs)
      --config FILE       operator configuration (default: config/operator.yaml)
      --tls-dir DIR       folder holding tls.crt and tls.key, reloaded on change (default: certs/dev)
      --webhook-port N    default 9443        --metrics-port N   default 8080 (/metrics /healthz /readyz)
      --bind-address IP   default 0.0.0.0
      --no-controller / --no-webhooks          run one half only
      --leader-election-namespace NS           default: POD_NAMESPACE, else "default"
      --leader-election-id NAME                the Lease's name (default: stow-controller)
  crds              print the CRD manifest generated from the schemas
      --webhook-url URL | --service-namespace NS --service-name NAME   conversion webhook target
      --ca-bundle-file FILE                    CA for the conversion webhook
  migrate-storage   rewrite every stored PostgresDB in the storage version, then trim storedVersions
      --dry-run
  upgrade-check     before serving v1beta1: check every stored PostgresDB converts (changes nothing)
      --version V                              the version objects are read in (default: v1alpha1)
  playground        the embedded default: local control plane + RDS emulator + operator

Environment: KUBECONFIG (else in-cluster), AWS_REGION, AWS_ENDPOINT_URL_RDS, LOG_LEVEL.
`;

async function main(argv: string[]): Promise<number> {
  const [command = 'run', ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const { values } = parseArgs({
    args: rest,
    strict: true,
    allowNegative: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      config: { type: 'string' },
      'tls-dir': { type: 'string' },
      'webhook-port': { type: 'string' },
      'metrics-port': { type: 'string' },
      'bind-address': { type: 'string' },
      controller: { type: 'boolean' },
      webhooks: { type: 'boolean' },
      'leader-election-namespace': { type: 'string' },
      'leader-election-id': { type: 'string' },
      'webhook-url': { type: 'string' },
      'ca-bundle-file': { type: 'string' },
      'service-namespace': { type: 'string' },
      'service-name': { type: 'string' },
      'dry-run': { type: 'boolean' },
      version: { type: 'string' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (command) {
    case 'run': {
      const { runOperator } = await import('./run.js');
      return runOperator(values);
    }
    case 'crds':
      process.stdout.write(renderAllCrds(values));
      return 0;
    case 'migrate-storage': {
      const { runMigrateStorage } = await import('./migrate-storage.js');
      return runMigrateStorage({ dryRun: values['dry-run'] ?? false });
    }
    case 'upgrade-check': {
      const { runUpgradeCheck } = await import('./migrate-storage.js');
      return runUpgradeCheck({ version: values.version ?? 'v1alpha1' });
    }
    case 'playground': {
      const { runPlayground } = await import('./playground.js');
      return runPlayground(values);
    }
    default:
      process.stderr.write(`stow: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const err = error as Error & { code?: string };
    const known =
      ['ConfigError', 'CertificateError', 'UsageError'].includes(err.name) ||
      ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'].includes(err.code ?? '') ||
      err.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`stow: ${known ? err.message : (err.stack ?? String(err))}\n`);
    if (err.code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write('Run `stow --help` for usage.\n');
    process.exitCode = 1;
  },
);
