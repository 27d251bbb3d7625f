import { type Static, Type } from 'typebox';
import { literalUnion } from './literal-union.js';
import { ObjectMeta } from './meta.js';
import { GROUP, HUB_VERSION, KIND, PLURAL } from './constants.js';
import type { ResourceType } from './resource-type.js';

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
    type: Type.String({ description: 'Condition type: Ready or Synced.' }),
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
          'Ready: the database can be connected to. Synced: the last reconcile of this generation succeeded.',
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

export const POSTGRESDBS: ResourceType<PostgresDB> = {
  group: GROUP,
  version: HUB_VERSION,
  kind: KIND,
  plural: PLURAL,
  namespaced: true,
};
