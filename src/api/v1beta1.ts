import { type Static, Type } from 'typebox';
import { literalUnion } from './literal-union.js';
import { ObjectMeta } from './meta.js';
import { KIND, PLURAL } from './constants.js';
import { stowResource } from './resource-type.js';

export const STORAGE_TYPES = ['gp2', 'gp3', 'io1', 'io2', 'standard'] as const;
export const DELETION_POLICIES = ['Delete', 'Snapshot', 'Retain'] as const;

export const StorageType = literalUnion(STORAGE_TYPES, {
  description:
    'RDS storage type: gp2, gp3 (general purpose SSD), io1, io2 (provisioned IOPS SSD), standard (legacy magnetic).',
});
export type StorageType = Static<typeof StorageType>;

export const DeletionPolicy = literalUnion(DELETION_POLICIES, {
  description:
    'What happens to the RDS instance when this resource is deleted: Delete (no final snapshot; automated backups deleted too unless backup.keepAfterDeletion), Snapshot (final snapshot, then delete; automated backups kept until their retention ends unless backup.keepAfterDeletion is false), Retain (leave the instance running).',
});
export type DeletionPolicy = Static<typeof DeletionPolicy>;

export const StorageSpec = Type.Object(
  {
    type: Type.Optional({
      ...StorageType,
      description: 'Storage type. Default: the operator configuration (gp3).',
    }),
    sizeGiB: Type.Integer({ description: 'Allocated storage in GiB. Limits depend on the storage type.' }),
    iops: Type.Optional(
      Type.Integer({ description: 'Provisioned IOPS. Required for io1/io2; for gp3 only from 400 GiB.' }),
    ),
    throughputMiBps: Type.Optional(
      Type.Integer({ description: 'Provisioned throughput in MiB/s. gp3 only, from 400 GiB.' }),
    ),
    maxSizeGiB: Type.Optional(
      Type.Integer({ description: 'Storage autoscaling ceiling in GiB; at least 10% above sizeGiB.' }),
    ),
  },
  { description: 'Storage of the instance.' },
);
export type StorageSpec = Static<typeof StorageSpec>;

export const BackupSpec = Type.Object(
  {
    retentionDays: Type.Optional(
      Type.Integer({
        description: 'Days automated backups are kept (0-35; 0 disables them). Default: config.',
      }),
    ),
    window: Type.Optional(
      Type.String({ description: 'Daily backup window in UTC, hh24:mi-hh24:mi, at least 30 minutes.' }),
    ),
    keepAfterDeletion: Type.Optional(
      Type.Boolean({
        description:
          'Keep the automated backups when the instance is deleted (RDS retained automated backups, removed by RDS when their retention period ends). Default: kept with deletionPolicy Snapshot, deleted with Delete. Not used with Retain.',
      }),
    ),
  },
  { description: 'Automated backups.' },
);

export const EncryptionSpec = Type.Object(
  {
    kmsKeyId: Type.Optional(
      Type.String({
        description:
          'KMS key (ARN, key id or alias) for storage encryption. Empty: the config default, else the AWS managed key. Immutable.',
      }),
    ),
  },
  { description: 'Storage encryption. Storage is always encrypted.' },
);

/** Days between scheduled password rotations: at least one, at most ten years. */
export const PASSWORD_ROTATION_DAYS = { minimum: 1, maximum: 3650 } as const;

/**
 * A schedule of password rotations. `bounds` puts the limits into the schema itself (PostgresDatabase);
 * PostgresDB's admission schema stays without them, and its CRD gets them from crd-bounds.ts (ADR 0019).
 */
export function passwordRotationSchema(bounds: { minimum?: number; maximum?: number } = {}) {
  return Type.Object(
    {
      everyDays: Type.Integer({
        ...bounds,
        description:
          'Rotate the password(s) this many days after the last rotation (1-3650). Rotation on request: the annotation stow.dev/rotate-password.',
      }),
    },
    { description: 'Scheduled password rotation. Absent: passwords change only on request.' },
  );
}

export const RestoreFrom = Type.Object(
  {
    snapshot: Type.Optional(
      Type.Object(
        {
          name: Type.String({ description: 'Name of the PostgresDBSnapshot.' }),
          namespace: Type.Optional(
            Type.String({
              description:
                'Its namespace. Empty: this namespace. Another namespace only when a PostgresDBPolicy selecting that namespace shares its snapshots with this one (spec.snapshotSharing).',
            }),
          ),
        },
        { description: 'A PostgresDBSnapshot, once it is Available.' },
      ),
    ),
    rdsSnapshotIdentifier: Type.Optional(
      Type.String({
        description:
          'An RDS DB snapshot by identifier, for snapshots no PostgresDBSnapshot stands for. Only when a PostgresDBPolicy selecting this namespace allows the identifier (spec.rdsSnapshotRestore).',
      }),
    ),
    pointInTime: Type.Optional(
      Type.Object(
        {
          postgresDBRef: Type.Object(
            { name: Type.String({ description: 'Name of the PostgresDB in this namespace.' }) },
            { description: 'The PostgresDB whose instance is restored, from its automated backups.' },
          ),
          time: Type.Optional(
            Type.String({
              description:
                "The time to restore to, RFC 3339 (e.g. 2026-12-01T10:00:00Z), within the source's backup retention. Exactly one of time and latest.",
            }),
          ),
          latest: Type.Optional(
            Type.Boolean({ description: 'true: the latest time RDS can restore to (minutes ago).' }),
          ),
        },
        { description: 'A point in time of a PostgresDB of this namespace.' },
      ),
    ),
  },
  {
    description:
      'Create the instance from a backup instead of empty: exactly one of snapshot, rdsSnapshotIdentifier and pointInTime. Set only at creation, immutable. The master user, database name, engine version and KMS key come from the source (leave them empty); the Secret gets a new master password, set on the instance after the restore.',
  },
);
export type RestoreFrom = Static<typeof RestoreFrom>;

export const PostgresDBSpec = Type.Object(
  {
    instanceClass: Type.String({ description: 'RDS instance class, db.<family>.<size>, e.g. db.t3.small.' }),
    engineVersion: Type.Optional(
      Type.String({
        description: 'PostgreSQL version, major ("16") or major.minor ("16.4"). Default: config.',
      }),
    ),
    storage: StorageSpec,
    multiAZ: Type.Optional(Type.Boolean({ description: 'Run a standby in another availability zone.' })),
    databaseName: Type.Optional(
      Type.String({
        description:
          'Name of the database created in the instance. Default: derived from metadata.name. Immutable.',
      }),
    ),
    masterUsername: Type.Optional(
      Type.String({ description: 'Master user name, 1-16 characters. Default: config. Immutable.' }),
    ),
    backup: Type.Optional(BackupSpec),
    maintenanceWindow: Type.Optional(
      Type.String({
        description: 'Weekly maintenance window in UTC, ddd:hh24:mi-ddd:hh24:mi, at least 30 minutes.',
      }),
    ),
    deletionPolicy: Type.Optional(DeletionPolicy),
    deletionProtection: Type.Optional(
      Type.Boolean({ description: 'Set RDS deletion protection on the instance.' }),
    ),
    publiclyAccessible: Type.Optional(
      Type.Boolean({ description: 'Give the instance a public IP address. Default false.' }),
    ),
    encryption: Type.Optional(EncryptionSpec),
    subnetGroupName: Type.Optional(
      Type.String({ description: 'DB subnet group. Default: the operator configuration.' }),
    ),
    securityGroupIds: Type.Optional(
      Type.Array(Type.String(), {
        description: 'VPC security group ids. Default: the operator configuration.',
      }),
    ),
    parameterGroupName: Type.Optional(
      Type.String({
        description: 'DB parameter group. Default: the operator configuration, else the engine default.',
      }),
    ),
    tags: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Extra AWS tags for the instance. Keys starting with aws: or stow.dev/ are reserved.',
      }),
    ),
    secretName: Type.Optional(
      Type.String({
        description: 'Secret receiving the connection details. Default: metadata.name. Immutable.',
      }),
    ),
    serviceName: Type.Optional(
      Type.String({
        description: 'ExternalName Service pointing at the instance. Default: metadata.name. Immutable.',
      }),
    ),
    passwordRotation: Type.Optional(passwordRotationSchema()),
    restoreFrom: Type.Optional(RestoreFrom),
  },
  { description: 'Desired state of the PostgreSQL database.' },
);
export type PostgresDBSpec = Static<typeof PostgresDBSpec>;

export const Phase = literalUnion(
  ['Pending', 'Provisioning', 'Available', 'Modifying', 'Deleting', 'Failed'],
  { description: 'Coarse lifecycle phase.' },
);
export type Phase = 'Pending' | 'Provisioning' | 'Available' | 'Modifying' | 'Deleting' | 'Failed';

export const Condition = Type.Object(
  {
    type: Type.String({ description: 'Condition type; the list of conditions says which there are.' }),
    status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')], {
      description: 'True, False or Unknown.',
    }),
    observedGeneration: Type.Optional(Type.Integer({ description: 'Generation the condition was set for.' })),
    lastTransitionTime: Type.String({ description: 'When the status last changed (RFC 3339).' }),
    reason: Type.String({ description: 'Machine-readable CamelCase reason.' }),
    message: Type.String({ description: 'Human-readable details.' }),
  },
  { description: 'A metav1.Condition.' },
);
export type Condition = Static<typeof Condition>;

export const PostgresDBStatus = Type.Object(
  {
    phase: Type.Optional(Phase),
    rdsStatus: Type.Optional(Type.String({ description: 'Raw RDS instance status, e.g. available.' })),
    dbInstanceIdentifier: Type.Optional(Type.String({ description: 'RDS DB instance identifier.' })),
    arn: Type.Optional(Type.String({ description: 'RDS DB instance ARN.' })),
    endpoint: Type.Optional(
      Type.Object(
        {
          address: Type.Optional(Type.String({ description: 'Host name of the instance.' })),
          port: Type.Optional(Type.Integer({ description: 'Port of the instance.' })),
        },
        { description: 'Where to connect.' },
      ),
    ),
    secretName: Type.Optional(Type.String({ description: 'Secret holding the credentials.' })),
    serviceName: Type.Optional(Type.String({ description: 'Service pointing at the instance.' })),
    observedGeneration: Type.Optional(Type.Integer({ description: 'Last generation reconciled.' })),
    tagKeys: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'Keys of the spec.tags and configured extra tags Stow has put on the instance. A key that leaves both is removed from the instance; tags Stow never put there are left alone.',
      }),
    ),
    conditions: Type.Optional(
      Type.Array(Condition, {
        description:
          "Ready: RDS reports the instance available. Synced: the last reconcile of this generation succeeded. PolicyCompliant: the spec meets the namespace's PostgresDBPolicies. Connectable: the operator connected with the Secret's credentials.",
      }),
    ),
  },
  { description: 'Observed state, written by the controller.' },
);
export type PostgresDBStatus = Static<typeof PostgresDBStatus>;

export const PostgresDB = Type.Object(
  {
    apiVersion: Type.String({ description: 'stow.dev/v1beta1' }),
    kind: Type.String({ description: 'PostgresDB' }),
    metadata: ObjectMeta,
    spec: PostgresDBSpec,
    status: Type.Optional(PostgresDBStatus),
  },
  {
    description:
      'A PostgreSQL database on AWS RDS, with a Secret holding its credentials and a Service pointing at it.',
  },
);
export type PostgresDB = Static<typeof PostgresDB>;

export const POSTGRESDBS = stowResource<PostgresDB>(KIND, PLURAL, 'Namespaced');
