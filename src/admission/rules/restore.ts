import type { PostgresDBSpec, RestoreFrom } from '../../api/v1beta1.js';
import { isDnsLabel } from '../../engine/char-classes.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { type FieldError, fieldError } from './field-error.js';
import { validateObjectName } from './postgres-db-snapshot.js';

const PATH = 'spec.restoreFrom';
const SOURCES = ['snapshot', 'rdsSnapshotIdentifier', 'pointInTime'] as const;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Settings a restored instance has from its source, which a restore cannot choose. */
const FROM_THE_SOURCE: ReadonlyArray<[string, (spec: PostgresDBSpec) => unknown]> = [
  ['spec.masterUsername', (spec) => spec.masterUsername],
  ['spec.databaseName', (spec) => spec.databaseName],
  ['spec.encryption.kmsKeyId', (spec) => spec.encryption?.kmsKeyId || undefined],
];

/** RDS DB snapshot identifiers: 1-255 letters, digits and hyphens, a letter first, no `--`, no trailing `-`. */
export function rdsSnapshotIdentifierProblem(value: string): string | undefined {
  if (value.length < 1 || value.length > 255) return 'must be 1-255 characters long';
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(value))
    return 'must start with a letter and contain only letters, digits and hyphens';
  if (value.includes('--') || value.endsWith('-')) return 'must not contain "--" or end with a hyphen';
  return undefined;
}

/**
 * spec.restoreFrom names exactly one source, each well formed; a PostgresDB does not restore from
 * itself; and the settings that come with the data are left empty.
 */
export function validateRestoreFrom(spec: PostgresDBSpec, name: string | undefined): FieldError[] {
  const restore = spec.restoreFrom;
  if (restore === undefined) return [];
  const named = SOURCES.filter((source) => restore[source] !== undefined);
  if (named.length !== 1) {
    return [
      fieldError(
        PATH,
        `must name exactly one source: snapshot, rdsSnapshotIdentifier or pointInTime${named.length ? ` (got ${named.join(' and ')})` : ''}`,
      ),
    ];
  }
  const errors = [...sourceErrors(restore, name)];
  for (const [path, get] of FROM_THE_SOURCE) {
    const value = get(spec);
    if (value !== undefined)
      errors.push(fieldError(path, 'comes from the source of spec.restoreFrom; leave it empty', value));
  }
  return errors;
}

function sourceErrors(restore: RestoreFrom, name: string | undefined): FieldError[] {
  if (restore.snapshot) {
    const { namespace } = restore.snapshot;
    const errors = validateObjectName(`${PATH}.snapshot.name`, restore.snapshot.name);
    if (namespace !== undefined && !(namespace.length <= 63 && isDnsLabel(namespace)))
      errors.push(fieldError(`${PATH}.snapshot.namespace`, 'must be a namespace name', namespace));
    return errors;
  }
  if (restore.rdsSnapshotIdentifier !== undefined) {
    const problem = rdsSnapshotIdentifierProblem(restore.rdsSnapshotIdentifier);
    return problem
      ? [
          fieldError(
            `${PATH}.rdsSnapshotIdentifier`,
            `${problem} (RDS snapshot identifier rules)`,
            restore.rdsSnapshotIdentifier,
          ),
        ]
      : [];
  }
  const pointInTime = restore.pointInTime!;
  const source = pointInTime.postgresDBRef.name;
  const errors = validateObjectName(`${PATH}.pointInTime.postgresDBRef.name`, source);
  if (source === name)
    errors.push(
      fieldError(`${PATH}.pointInTime.postgresDBRef.name`, 'cannot be this PostgresDB itself', source),
    );
  const latest = pointInTime.latest === true;
  if (latest === (pointInTime.time !== undefined))
    errors.push(
      fieldError(`${PATH}.pointInTime`, 'must have exactly one of time and latest: true', {
        ...(pointInTime.time === undefined ? {} : { time: pointInTime.time }),
        ...(pointInTime.latest === undefined ? {} : { latest: pointInTime.latest }),
      }),
    );
  const { time } = pointInTime;
  if (time !== undefined && !(RFC3339.test(time) && !Number.isNaN(Date.parse(time))))
    errors.push(
      fieldError(`${PATH}.pointInTime.time`, 'must be an RFC 3339 time, e.g. 2026-12-01T10:00:00Z', time),
    );
  return errors;
}

/** spec.restoreFrom is set at creation only: it can be neither added, changed nor removed. */
export function validateRestoreUnchanged(next: PostgresDBSpec, previous: PostgresDBSpec): FieldError[] {
  const before = previous.restoreFrom;
  const after = next.restoreFrom;
  if (canonicalJson(before ?? null) === canonicalJson(after ?? null)) return [];
  return [
    fieldError(
      PATH,
      `is immutable (set only when the PostgresDB is created); it was ${before === undefined ? 'unset' : canonicalJson(before)}`,
      after ?? null,
    ),
  ];
}
