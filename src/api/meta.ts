import { type Static, Type } from 'typebox';

/** Marks the schema the CRD generator replaces by a bare object (TypeBox copies schemas, so identity won't do). */
export const OBJECT_META_MARKER = 'x-stow-object-meta';

/**
 * The part of metav1.ObjectMeta the code reads. In the CRD it is replaced by `{type: object}`:
 * the API server owns metadata validation.
 */
export const ObjectMeta = Type.Object(
  {
    name: Type.Optional(Type.String()),
    generateName: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
    resourceVersion: Type.Optional(Type.String()),
    generation: Type.Optional(Type.Integer()),
    creationTimestamp: Type.Optional(Type.String()),
    deletionTimestamp: Type.Optional(Type.String()),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
    finalizers: Type.Optional(Type.Array(Type.String())),
    ownerReferences: Type.Optional(Type.Array(Type.Unknown())),
    managedFields: Type.Optional(Type.Array(Type.Unknown())),
  },
  { additionalProperties: true, description: 'Standard object metadata.', [OBJECT_META_MARKER]: true },
);
export type ObjectMeta = Static<typeof ObjectMeta>;
