import { type Static, Type } from 'typebox';
import { ObjectMeta } from './meta.js';

/** Integer or numeric string: the seed operator stored storage as "10". */
export const IntOrString = Type.Union([Type.Integer(), Type.String()], {
  'x-kubernetes-int-or-string': true,
});

export const PostgresDBSpec = Type.Object(
  {
    size: Type.String({ description: 'RDS instance class, e.g. db.t3.small.' }),
    storage: { ...IntOrString, description: 'Allocated storage in GiB: an integer or a numeric string.' },
    storageType: Type.Optional(
      Type.Union(
        [
          Type.Literal('gp2'),
          Type.Literal('gp3'),
          Type.Literal('io1'),
          Type.Literal('io2'),
          Type.Literal('standard'),
        ],
        { description: 'RDS storage type: gp2, gp3, io1, io2 or standard.' },
      ),
    ),
    iops: Type.Optional(Type.Integer({ description: 'Provisioned IOPS.' })),
  },
  { description: 'Desired state (v1alpha1, deprecated: use v1beta1).' },
);
export type PostgresDBSpec = Static<typeof PostgresDBSpec>;

export const PostgresDBStatus = Type.Object(
  {
    arn: Type.Optional(Type.String({ description: 'RDS DB instance ARN.' })),
    ready: Type.Optional(Type.String({ description: 'Raw RDS instance status, e.g. available.' })),
  },
  { description: 'Observed state.' },
);
export type PostgresDBStatus = Static<typeof PostgresDBStatus>;

export const PostgresDB = Type.Object(
  {
    apiVersion: Type.String({ description: 'stow.dev/v1alpha1' }),
    kind: Type.String({ description: 'PostgresDB' }),
    metadata: ObjectMeta,
    spec: PostgresDBSpec,
    status: Type.Optional(PostgresDBStatus),
  },
  { description: 'A PostgreSQL database on AWS RDS (v1alpha1, deprecated: use v1beta1).' },
);
export type PostgresDB = Static<typeof PostgresDB>;
