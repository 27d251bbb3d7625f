import { type KindRegistration, postgresDBKind, postgresDBSnapshotKind } from './index.js';
import { postgresDatabaseKind } from './postgres-database/controller.js';

/** The kinds the controller reconciles, under one leader election: a new kind is one line here. */
export const RECONCILED_KINDS: readonly KindRegistration[] = [
  postgresDBKind,
  postgresDatabaseKind,
  postgresDBSnapshotKind,
];
