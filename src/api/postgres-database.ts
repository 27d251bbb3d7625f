import { type Static, Type } from 'typebox';
import { literalUnion } from './literal-union.js';
import { DATABASE_KIND, DATABASE_PLURAL, GROUP, HUB_VERSION } from './constants.js';
import { ObjectMeta } from './meta.js';
import type { ResourceType } from './resource-type.js';
import { Condition, PASSWORD_ROTATION_DAYS, Phase, passwordRotationSchema } from './v1beta1.js';

export const DATABASE_ACCESS = ['readWrite', 'readOnly'] as const;
export type DatabaseAccess = (typeof DATABASE_ACCESS)[number];
export const DATABASE_DELETION_POLICIES = ['Retain', 'Drop'] as const;
export type DatabaseDeletionPolicy = (typeof DATABASE_DELETION_POLICIES)[number];

export const InstanceRef = Type.Object(
  {
    name: Type.String({ description: 'Name of the PostgresDB whose instance holds the database.' }),
    namespace: Type.Optional(
      Type.String({
        description:
          'Namespace of that PostgresDB. Empty: this namespace. Another namespace only when a PostgresDBPolicy shares its instances with this one (spec.sharing). Immutable.',
      }),
    ),
  },
  { description: 'The instance the database lives in. Immutable.' },
);
export type InstanceRef = Static<typeof InstanceRef>;

export const DatabaseUser = Type.Object(
  {
    name: Type.String({
      description:
        'Role name: a lowercase letter, then lowercase letters, digits and underscores, at most 63. Immutable for a given entry: remove it and add another to rename.',
    }),
    access: literalUnion(DATABASE_ACCESS, {
      description:
        'readWrite: read and write the rows of every table (no schema changes); readOnly: read them.',
    }),
    secretName: Type.Optional(
      Type.String({
        description:
          "Secret receiving this user's credentials. Default: <metadata.name>-<name, with _ as ->. Immutable.",
      }),
    ),
  },
  { description: 'An extra role with its own Secret.' },
);
export type DatabaseUser = Static<typeof DatabaseUser>;

export const DatabaseExtension = Type.Object(
  {
    name: Type.String({
      description:
        'Extension name, e.g. pgcrypto or uuid-ossp: lowercase letters, digits, underscores and hyphens, at most 63.',
    }),
  },
  { description: 'An extension created in the database.' },
);
export type DatabaseExtension = Static<typeof DatabaseExtension>;

export const DatabaseDeletionPolicy = literalUnion(DATABASE_DELETION_POLICIES, {
  description:
    'What happens inside the instance when this resource is deleted: Retain (keep the database and its roles) or Drop (close its connections, drop the database, then its roles). Default Retain.',
});

export const PostgresDatabaseSpec = Type.Object(
  {
    instanceRef: InstanceRef,
    databaseName: Type.Optional(
      Type.String({
        description:
          'Name of the database: a lowercase letter, then lowercase letters, digits and underscores, at most 63. Default: derived from metadata.name. Immutable.',
      }),
    ),
    owner: Type.Optional(
      Type.String({
        description:
          'Role owning the database, whose credentials go to spec.secretName. Default: the database name. Immutable.',
      }),
    ),
    users: Type.Optional(
      Type.Array(DatabaseUser, { description: 'Extra roles, each with its own Secret. At most 100.' }),
    ),
    extensions: Type.Optional(
      Type.Array(DatabaseExtension, {
        description:
          'Extensions to create in the database. Removing one from the list does not drop it. At most 100.',
      }),
    ),
    deletionPolicy: Type.Optional(DatabaseDeletionPolicy),
    secretName: Type.Optional(
      Type.String({
        description: "Secret receiving the owner's credentials. Default: metadata.name. Immutable.",
      }),
    ),
    passwordRotation: Type.Optional(passwordRotationSchema(PASSWORD_ROTATION_DAYS)),
  },
  { description: 'Desired state of the database.' },
);
export type PostgresDatabaseSpec = Static<typeof PostgresDatabaseSpec>;

export const PostgresDatabaseStatus = Type.Object(
  {
    phase: Type.Optional(Phase),
    instance: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ description: 'Name of the PostgresDB.' })),
          namespace: Type.Optional(Type.String({ description: 'Namespace of the PostgresDB.' })),
        },
        { description: 'The PostgresDB the database was placed on.' },
      ),
    ),
    databaseName: Type.Optional(Type.String({ description: 'Name of the database in the instance.' })),
    owner: Type.Optional(Type.String({ description: 'Role owning the database.' })),
    secretName: Type.Optional(Type.String({ description: "Secret holding the owner's credentials." })),
    users: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.Optional(Type.String({ description: 'Role name.' })),
            secretName: Type.Optional(Type.String({ description: 'Secret holding its credentials.' })),
          },
          { description: 'An extra role in place.' },
        ),
        { description: 'The extra roles in place, and their Secrets.' },
      ),
    ),
    observedGeneration: Type.Optional(Type.Integer({ description: 'Last generation reconciled.' })),
    conditions: Type.Optional(
      Type.Array(Condition, {
        description:
          'Ready: the database, its roles and Secrets are in place. Synced: the last reconcile of this generation succeeded.',
      }),
    ),
  },
  { description: 'Observed state, written by the controller.' },
);
export type PostgresDatabaseStatus = Static<typeof PostgresDatabaseStatus>;

export const PostgresDatabase = Type.Object(
  {
    apiVersion: Type.String({ description: 'stow.dev/v1beta1' }),
    kind: Type.String({ description: 'PostgresDatabase' }),
    metadata: ObjectMeta,
    spec: PostgresDatabaseSpec,
    status: Type.Optional(PostgresDatabaseStatus),
  },
  {
    description: 'A database and its owner role inside the instance of a PostgresDB, with a Secret per role.',
  },
);
export type PostgresDatabase = Static<typeof PostgresDatabase>;

export const POSTGRES_DATABASES: ResourceType<PostgresDatabase> = {
  group: GROUP,
  version: HUB_VERSION,
  kind: DATABASE_KIND,
  plural: DATABASE_PLURAL,
  namespaced: true,
};
