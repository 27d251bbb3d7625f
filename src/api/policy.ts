import { type Static, Type } from 'typebox';
import { ObjectMeta } from './meta.js';
import { DeletionPolicy, StorageType } from './v1beta1.js';
import { POLICY_KIND, POLICY_PLURAL } from './constants.js';
import { stowResource } from './resource-type.js';

const Patterns = (description: string) =>
  Type.Array(Type.String({ minLength: 1 }), {
    description: `${description} Patterns may use * (any run of characters) and ? (one character).`,
  });

export const LabelSelectorRequirement = Type.Object(
  {
    key: Type.String({ description: 'The label key.' }),
    operator: Type.Union(
      [Type.Literal('In'), Type.Literal('NotIn'), Type.Literal('Exists'), Type.Literal('DoesNotExist')],
      { description: 'In, NotIn, Exists or DoesNotExist.' },
    ),
    values: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Values for In and NotIn; empty for Exists and DoesNotExist.',
      }),
    ),
  },
  { description: 'A label selector requirement.' },
);

export const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Labels a namespace must carry, all of them.',
      }),
    ),
    matchExpressions: Type.Optional(
      Type.Array(LabelSelectorRequirement, {
        description: 'Requirements a namespace must meet, all of them.',
      }),
    ),
  },
  { description: 'A Kubernetes label selector. Empty selects every namespace.' },
);
export type LabelSelector = Static<typeof LabelSelector>;

/** A setting the policy either pins to one value (filled in when left empty) or limits to a list. */
const Choice = (what: string, example: string) =>
  Type.Object(
    {
      pinned: Type.Optional(
        Type.String({
          minLength: 1,
          description: `The only ${what} allowed; filled in when the PostgresDB leaves it empty. Example: ${example}.`,
        }),
      ),
      allowed: Type.Optional(Patterns(`The ${what}s allowed.`)),
    },
    { description: `Which ${what} PostgresDBs may use: pinned to one, or limited to a list.` },
  );

export const PostgresDBPolicySpec = Type.Object(
  {
    namespaceSelector: Type.Optional(LabelSelector),
    instanceClasses: Type.Optional(Patterns('Instance classes allowed, e.g. ["db.t3.*", "db.t4g.*"].')),
    storage: Type.Optional(
      Type.Object(
        {
          types: Type.Optional(Type.Array(StorageType, { description: 'Storage types allowed.' })),
          maxSizeGiB: Type.Optional(
            Type.Integer({ minimum: 0, description: 'Upper limit on spec.storage.sizeGiB.' }),
          ),
          maxAutoscalingGiB: Type.Optional(
            Type.Integer({ minimum: 0, description: 'Upper limit on spec.storage.maxSizeGiB.' }),
          ),
          maxIops: Type.Optional(
            Type.Integer({ minimum: 0, description: 'Upper limit on spec.storage.iops.' }),
          ),
          maxThroughputMiBps: Type.Optional(
            Type.Integer({ minimum: 0, description: 'Upper limit on spec.storage.throughputMiBps.' }),
          ),
        },
        { description: 'Limits on storage.' },
      ),
    ),
    allowPublicAccess: Type.Optional(
      Type.Boolean({
        description:
          'Whether spec.publiclyAccessible may be true. Unset: this policy has no say (set it to false to forbid public access).',
      }),
    ),
    subnetGroup: Type.Optional(Choice('DB subnet group', 'tenants-private')),
    securityGroups: Type.Optional(
      Type.Object(
        {
          pinned: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), {
              description:
                'The only set of security groups allowed; filled in when the PostgresDB leaves spec.securityGroupIds empty.',
            }),
          ),
          allowed: Type.Optional(
            Patterns('Security group ids allowed; each id of a PostgresDB must match one.'),
          ),
        },
        {
          description:
            'Which VPC security groups PostgresDBs may use: pinned to one set, or limited to a list.',
        },
      ),
    ),
    kmsKeys: Type.Optional(Choice('KMS key', 'alias/tenants')),
    parameterGroup: Type.Optional(Choice('DB parameter group', 'tenants-pg16')),
    deletionPolicies: Type.Optional(
      Type.Array(DeletionPolicy, { description: 'Deletion policies allowed, e.g. [Snapshot, Retain].' }),
    ),
    requireDeletionProtection: Type.Optional(
      Type.Boolean({ description: 'spec.deletionProtection must be true. Default false.' }),
    ),
    adoption: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({
            description:
              'Whether PostgresDBs may adopt existing RDS instances (the stow.dev/identifier annotation). Off unless set.',
          }),
          identifiers: Type.Optional(Patterns('RDS instance identifiers that may be adopted. Empty: none.')),
        },
        {
          description:
            'Adoption of existing RDS instances. The user also needs the adopt verb on postgresdbs (the stow-postgresdb-adopt ClusterRole).',
        },
      ),
    ),
    sharing: Type.Optional(
      Type.Object(
        {
          namespaceSelector: {
            ...LabelSelector,
            description:
              'The namespaces whose PostgresDatabases may place databases on the instances of the namespaces this policy selects. {} selects every namespace.',
          },
          instances: Type.Optional(
            Patterns('Names of the PostgresDBs shared. Unset: every PostgresDB of the selected namespaces.'),
          ),
          extensions: Type.Optional(
            Patterns('Extensions a database placed through this policy may have. Unset or empty: none.'),
          ),
        },
        {
          description:
            'Sharing of instances across namespaces (the multi-team pattern). A PostgresDatabase in another namespace may use a PostgresDB here when a policy selecting this namespace shares it with that namespace.',
        },
      ),
    ),
    snapshotSharing: Type.Optional(
      Type.Object(
        {
          namespaceSelector: {
            ...LabelSelector,
            description:
              'The namespaces whose PostgresDBs may restore from the PostgresDBSnapshots of the namespaces this policy selects. {} selects every namespace.',
          },
          snapshots: Type.Optional(
            Patterns(
              'Names of the PostgresDBSnapshots shared. Unset: every PostgresDBSnapshot of the selected namespaces.',
            ),
          ),
        },
        {
          description:
            'Restores across namespaces: a PostgresDB in another namespace may restore from a PostgresDBSnapshot here (spec.restoreFrom.snapshot.namespace) when a policy selecting this namespace shares its snapshots with that namespace. A snapshot holds all the data of its instance.',
        },
      ),
    ),
    rdsSnapshotRestore: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({
            description:
              'Whether PostgresDBs may restore from RDS snapshots named by identifier (spec.restoreFrom.rdsSnapshotIdentifier). Off unless set.',
          }),
          identifiers: Type.Optional(Patterns('RDS snapshot identifiers that may be restored. Empty: none.')),
        },
        {
          description:
            'Restores from RDS snapshots no PostgresDBSnapshot stands for, which may hold any data of the account: like adoption, only the identifiers a platform team lists.',
        },
      ),
    ),
  },
  {
    description:
      'Limits for the PostgresDBs of the namespaces this policy selects. Every policy that selects a namespace applies.',
  },
);
export type PostgresDBPolicySpec = Static<typeof PostgresDBPolicySpec>;

export const PostgresDBPolicy = Type.Object(
  {
    apiVersion: Type.String({ description: 'stow.dev/v1beta1' }),
    kind: Type.String({ description: 'PostgresDBPolicy' }),
    metadata: ObjectMeta,
    spec: PostgresDBPolicySpec,
  },
  {
    description:
      'Platform policy for PostgresDBs: allowed classes, storage, network, keys, deletion and adoption, by namespace.',
  },
);
export type PostgresDBPolicy = Static<typeof PostgresDBPolicy>;

export const POSTGRESDB_POLICIES = stowResource<PostgresDBPolicy>(POLICY_KIND, POLICY_PLURAL, 'Cluster');
