export {
  MIGRATION_FIELD_MANAGER,
  type MigrateStorageOptions,
  type MigrateStorageResult,
  migrateStorage,
  type ProgressLog,
} from './migrate-storage.js';
export { findUnconvertibleObjects, type UpgradeCheckResult } from './preflight.js';
