export type { CallRecord, CallReport } from './call-log.js';
export type { EmulatorControl, InstanceView, SeedInstanceInput, SnapshotView } from './control.js';
export { RdsError } from './errors.js';
export { type DataSource, type InstanceData, NO_DATA } from './instance-data.js';
export { SERVER_MODE_VARIABLE, SERVER_MODES, type ServerMode } from './instance-servers.js';
export type {
  DbAutomatedBackup,
  DbInstance,
  DbSnapshot,
  DeferrableSettings,
  StorageConfig,
  StorageType,
} from './model.js';
export {
  defaultDelays,
  type FaultSettings,
  noFaults,
  type RdsEmulatorOptions,
  type StateDelays,
} from './options.js';
export {
  adminPrefix,
  buildEmulatorServer,
  type EmulatorServer,
  type RdsEmulator,
  startRdsEmulator,
} from './server.js';
export type { EmulatorState } from './state.js';
