import { findUnconvertibleObjects, migrateStorage } from '../migrate/index.js';
import { loadKubeConfig } from '../kube/kubeconfig.js';

export async function runMigrateStorage(opts: { dryRun: boolean }): Promise<number> {
  const log = {
    info: (message: string) => process.stdout.write(`${message}\n`),
    warn: (message: string) => process.stderr.write(`warning: ${message}\n`),
  };
  const result = await migrateStorage({ kubeConfig: loadKubeConfig(), dryRun: opts.dryRun, log });
  log.info(
    `${result.dryRun ? 'dry run: ' : ''}${result.rewritten}/${result.total} object(s) ${result.dryRun ? 'checked' : 'rewritten'}, ` +
      `${result.gone} gone, ${result.failed.length} failed; storedVersions ${JSON.stringify(result.storedVersionsBefore)} -> ${JSON.stringify(result.storedVersionsAfter)}`,
  );
  return result.ok ? 0 : 1;
}

export async function runUpgradeCheck(opts: { version: string }): Promise<number> {
  const result = await findUnconvertibleObjects({ kubeConfig: loadKubeConfig(), version: opts.version });
  for (const { object, reason } of result.unconvertible) process.stderr.write(`${object}: ${reason}\n`);
  process.stdout.write(
    `${result.checked} PostgresDB object(s) read as ${opts.version}: ${result.unconvertible.length} would not convert to v1beta1\n`,
  );
  return result.unconvertible.length ? 1 : 0;
}
