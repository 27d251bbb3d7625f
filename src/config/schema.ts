import { type Static, Type } from 'typebox';
import { literalUnion } from '../api/literal-union.js';
import { DeletionPolicy, StorageType } from '../api/v1beta1.js';

const Range = Type.Object({ min: Type.Integer({ minimum: 0 }), max: Type.Integer({ minimum: 0 }) });

export const StorageTypeRule = Type.Object({
  sizeGiB: Range,
  provisionedFromGiB: Type.Optional(Type.Integer({ minimum: 0 })),
  iops: Type.Object({
    allowed: Type.Boolean(),
    required: Type.Optional(Type.Boolean()),
    min: Type.Optional(Type.Integer({ minimum: 0 })),
    max: Type.Optional(Type.Integer({ minimum: 0 })),
    minPerGiB: Type.Optional(Type.Number({ minimum: 0 })),
    maxPerGiB: Type.Optional(Type.Number({ minimum: 0 })),
  }),
  throughput: Type.Object({
    allowed: Type.Boolean(),
    min: Type.Optional(Type.Integer({ minimum: 0 })),
    max: Type.Optional(Type.Integer({ minimum: 0 })),
    maxPerIops: Type.Optional(Type.Number({ minimum: 0 })),
  }),
  warning: Type.Optional(Type.String()),
});
export type StorageTypeRule = Static<typeof StorageTypeRule>;

export const StorageRules = Type.Object({
  gp2: StorageTypeRule,
  gp3: StorageTypeRule,
  io1: StorageTypeRule,
  io2: StorageTypeRule,
  standard: StorageTypeRule,
  autoscaling: Type.Object({ minHeadroomPercent: Type.Number({ minimum: 0 }), maxSizeGiB: Type.Integer() }),
  growth: Type.Object({ minPercent: Type.Number({ minimum: 0 }) }),
});
export type StorageRules = Static<typeof StorageRules>;

/**
 * What the controller does with an orphan (an RDS instance tagged for this cluster that no PostgresDB
 * binds): `report` it (Events, log, metric), or also snapshot and delete it after the grace period.
 */
export const ORPHAN_ACTIONS = ['report', 'snapshotAndDelete'] as const;
export type OrphanAction = (typeof ORPHAN_ACTIONS)[number];

/**
 * The configuration file. Every key is optional, and its default is written here once: the loader
 * fills it from this schema, and config/operator.yaml and the chart's values are checked against it.
 */
export const OperatorConfigFile = Type.Object(
  {
    region: Type.Optional(Type.String({ minLength: 1, default: 'us-east-1' })),
    clusterName: Type.Optional(
      Type.String({ pattern: '^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$', default: 'local' }),
    ),
    identifierPrefix: Type.Optional(
      Type.String({ pattern: '^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$', default: 'stow' }),
    ),
    subnetGroupName: Type.Optional(Type.String({ default: '' })),
    securityGroupIds: Type.Optional(
      Type.Array(Type.String({ pattern: '^sg-([0-9a-f]{8}|[0-9a-f]{17})$' }), { default: [] }),
    ),
    parameterGroupName: Type.Optional(Type.String({ default: '' })),
    kmsKeyId: Type.Optional(Type.String({ default: '' })),
    defaults: Type.Optional(
      Type.Object(
        {
          engineVersion: Type.Optional(Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$', default: '16' })),
          storageType: Type.Optional({ ...StorageType, default: 'gp3' }),
          backupRetentionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 35, default: 7 })),
          deletionPolicy: Type.Optional({ ...DeletionPolicy, default: 'Snapshot' }),
          masterUsername: Type.Optional(
            Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,15}$', default: 'stow_admin' }),
          ),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    extraTags: Type.Optional(Type.Record(Type.String(), Type.String(), { default: {} })),
    resyncPeriodSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 300 })),
    reconcileConcurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, default: 4 })),
    watchNamespaces: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }), { default: [] }),
    ),
    requirePolicy: Type.Optional(Type.Boolean({ default: false })),
    orphans: Type.Optional(
      Type.Object(
        {
          action: Type.Optional(literalUnion(ORPHAN_ACTIONS, { default: 'report' })),
          graceSeconds: Type.Optional(Type.Integer({ minimum: 0, default: 86_400 })),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    accessCheck: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ default: true })),
          timeoutSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 5 })),
          caBundle: Type.Optional(Type.String({ default: '' })),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    awsCallBudget: Type.Optional(
      Type.Object(
        {
          ratePerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: 20 })),
          burst: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 40 })),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    /** Relative to the configuration file; default: the storage rules shipped with Stow. */
    storageRulesFile: Type.Optional(Type.String()),
    storageRules: Type.Optional(StorageRules),
  },
  { additionalProperties: false },
);
export type OperatorConfigFile = Static<typeof OperatorConfigFile>;

export interface OperatorConfig {
  region: string;
  clusterName: string;
  identifierPrefix: string;
  subnetGroupName: string;
  securityGroupIds: string[];
  parameterGroupName: string;
  kmsKeyId: string;
  defaults: {
    engineVersion: string;
    storageType: StorageType;
    backupRetentionDays: number;
    deletionPolicy: DeletionPolicy;
    masterUsername: string;
  };
  extraTags: Record<string, string>;
  resyncPeriodSeconds: number;
  reconcileConcurrency: number;
  /** Namespaces the controller watches; empty: all namespaces. */
  watchNamespaces?: string[];
  /** Deny PostgresDBs in namespaces no PostgresDBPolicy selects (false: no policy, no limits). */
  requirePolicy: boolean;
  orphans: {
    action: OrphanAction;
    /** With snapshotAndDelete: how long after it was first seen an orphan is snapshotted and deleted. */
    graceSeconds: number;
  };
  /** Connecting with each Secret's credentials once the instance is available (condition Connectable). */
  accessCheck: {
    enabled: boolean;
    timeoutSeconds: number;
    /** PEM certificates the database's certificate is verified against; empty: not verified. */
    caBundle: string;
  };
  /** RDS calls of the whole process share this budget (ADR 0024). */
  awsCallBudget: { ratePerSecond: number; burst: number };
  storageRules: StorageRules;
}
