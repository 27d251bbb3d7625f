import { migrateStorage } from '../migrate/index.js';
import { loadKubeConfig } from './controller.js';

export async function runMigrateStorage(opts: { dryRun: boolean }): Promise<number> {
  const log = {
    info: (message: string) => process.stdout.write(`${message}\n`),
    warn: (message: string) => process.stderr.write(`warning: ${message}\n`),
  };
  const result = await migrateStorage({ kubeConfig: loadKubeConfig(), dryRun: opts.dryRun, log });
  for (const failure of result.failed) log.warn(`${failure.object}: ${failure.reason}`);
  log.info(
    `${result.dryRun ? 'dry run: ' : ''}${result.rewritten}/${result.total} object(s) ${result.dryRun ? 'checked' : 'rewritten'}, ` +
      `${result.gone} gone, ${result.failed.length} failed; storedVersions ${JSON.stringify(result.storedVersionsBefore)} -> ${JSON.stringify(result.storedVersionsAfter)}`,
  );
  return result.ok ? 0 : 1;
}
