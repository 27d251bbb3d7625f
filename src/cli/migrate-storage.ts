export async function runMigrateStorage(_opts: { dryRun: boolean }): Promise<number> {
  throw new Error('migrate-storage is being wired');
}
