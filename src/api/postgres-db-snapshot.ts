import { type Static, Type } from 'typebox';
import { literalUnion } from './literal-union.js';
import { SNAPSHOT_KIND, SNAPSHOT_PLURAL } from './constants.js';
import { ObjectMeta } from './meta.js';
import { stowResource } from './resource-type.js';
import { Condition } from './v1beta1.js';

export const SNAPSHOT_DELETION_POLICIES = ['Retain', 'Delete'] as const;
export type SnapshotDeletionPolicy = (typeof SNAPSHOT_DELETION_POLICIES)[number];
export const SNAPSHOT_PHASES = ['Pending', 'Creating', 'Available', 'Deleting', 'Failed'] as const;
export type SnapshotPhase = (typeof SNAPSHOT_PHASES)[number];

export const PostgresDBSnapshotSpec = Type.Object(
  {
    postgresDBRef: Type.Object(
      {
        name: Type.String({
          description: 'Name of the PostgresDB, in this namespace, whose instance is snapshotted.',
        }),
      },
      { description: 'The PostgresDB to snapshot. Immutable.' },
    ),
    deletionPolicy: Type.Optional(
      literalUnion(SNAPSHOT_DELETION_POLICIES, {
        description:
          'What happens to the RDS snapshot when this resource is deleted: Retain (the default) keeps it, Delete removes it. A snapshot that failed is removed either way: it holds no data.',
      }),
    ),
  },
  { description: 'Which PostgresDB to snapshot, and what becomes of the snapshot.' },
);
export type PostgresDBSnapshotSpec = Static<typeof PostgresDBSnapshotSpec>;

export const PostgresDBSnapshotStatus = Type.Object(
  {
    phase: Type.Optional(
      literalUnion(SNAPSHOT_PHASES, { description: 'Pending, Creating, Available, Deleting or Failed.' }),
    ),
    snapshotIdentifier: Type.Optional(Type.String({ description: 'RDS DB snapshot identifier.' })),
    arn: Type.Optional(Type.String({ description: 'RDS DB snapshot ARN.' })),
    rdsStatus: Type.Optional(Type.String({ description: 'Raw RDS snapshot status, e.g. available.' })),
    dbInstanceIdentifier: Type.Optional(
      Type.String({ description: 'The RDS instance the snapshot was taken of.' }),
    ),
    creationTime: Type.Optional(Type.String({ description: 'When RDS started the snapshot (RFC 3339).' })),
    sizeGiB: Type.Optional(
      Type.Integer({ description: 'Allocated storage of the instance when it was snapshotted, in GiB.' }),
    ),
    engineVersion: Type.Optional(Type.String({ description: 'PostgreSQL version of the snapshot.' })),
    progressPercent: Type.Optional(Type.Integer({ description: 'How far RDS is with the snapshot.' })),
    observedGeneration: Type.Optional(Type.Integer({ description: 'Last generation reconciled.' })),
    conditions: Type.Optional(
      Type.Array(Condition, {
        description:
          'Ready: the snapshot is available to restore from. Synced: the last reconcile of this generation succeeded.',
      }),
    ),
  },
  { description: 'Observed state, written by the controller.' },
);
export type PostgresDBSnapshotStatus = Static<typeof PostgresDBSnapshotStatus>;

export const PostgresDBSnapshot = Type.Object(
  {
    apiVersion: Type.String({ description: 'stow.dev/v1beta1' }),
    kind: Type.String({ description: 'PostgresDBSnapshot' }),
    metadata: ObjectMeta,
    spec: PostgresDBSnapshotSpec,
    status: Type.Optional(PostgresDBSnapshotStatus),
  },
  {
    description:
      'An on-demand RDS snapshot of the instance of a PostgresDB in the same namespace; a PostgresDB restores from it with spec.restoreFrom.snapshot.',
  },
);
export type PostgresDBSnapshot = Static<typeof PostgresDBSnapshot>;

export const POSTGRESDB_SNAPSHOTS = stowResource<PostgresDBSnapshot>(
  SNAPSHOT_KIND,
  SNAPSHOT_PLURAL,
  'Namespaced',
);
