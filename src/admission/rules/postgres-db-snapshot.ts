import { Compile } from 'typebox/compile';
import {
  type PostgresDBSnapshot,
  PostgresDBSnapshotSpec,
  type SnapshotDeletionPolicy,
} from '../../api/postgres-db-snapshot.js';
import { isDnsSubdomain } from '../../engine/char-classes.js';
import { isJsonObject } from '../../util/json-object.js';
import { type FieldError, fieldError } from './field-error.js';
import { specShapeErrors } from './shape.js';

export const DEFAULT_SNAPSHOT_DELETION_POLICY: SnapshotDeletionPolicy = 'Retain';

const specChecker = Compile(PostgresDBSnapshotSpec);

export function validateSnapshotShape(spec: unknown): FieldError[] {
  return specShapeErrors(specChecker, PostgresDBSnapshotSpec, spec);
}

/** A Kubernetes object name (DNS subdomain, at most 253 characters), as a PostgresDB's must be. */
export function validateObjectName(path: string, value: string): FieldError[] {
  return value.length <= 253 && isDnsSubdomain(value)
    ? []
    : [
        fieldError(
          path,
          'must be a Kubernetes object name: lowercase letters, digits, "-" and ".", at most 253 characters',
          value,
        ),
      ];
}

/** Fills the deletion policy only: the rest of a snapshot's spec is the user's to say. */
export function applySnapshotDefaults(object: PostgresDBSnapshot): PostgresDBSnapshot | undefined {
  if (!isJsonObject(object.spec) || object.spec.deletionPolicy !== undefined) return undefined;
  return { ...object, spec: { ...object.spec, deletionPolicy: DEFAULT_SNAPSHOT_DELETION_POLICY } };
}

/** CREATE and UPDATE: the shape, the name of the PostgresDB, and on UPDATE that it is the same one. */
export function validateSnapshot(next: PostgresDBSnapshot, previous?: PostgresDBSnapshot): FieldError[] {
  const shape = validateSnapshotShape(next.spec);
  if (shape.length) return shape;
  const errors = validateObjectName('spec.postgresDBRef.name', next.spec.postgresDBRef.name);
  const before = previous && specChecker.Check(previous.spec) ? previous.spec.postgresDBRef.name : undefined;
  if (before !== undefined && before !== next.spec.postgresDBRef.name)
    errors.push(
      fieldError(
        'spec.postgresDBRef.name',
        `is immutable (a snapshot stays the snapshot of the PostgresDB it was taken of); it was ${JSON.stringify(before)}`,
        next.spec.postgresDBRef.name,
      ),
    );
  return errors;
}
