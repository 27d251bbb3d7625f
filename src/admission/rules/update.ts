import { ANNOTATION_IDENTIFIER } from '../../api/constants.js';
import type { PostgresDB } from '../../api/v1beta1.js';
import type { StorageRules } from '../../config/schema.js';
import { type FieldError, fieldError } from './field-error.js';
import { parseEngineVersion } from './settings.js';

type Getter = (object: PostgresDB) => string | undefined;

const IMMUTABLE: Array<[string, Getter, string]> = [
  ['spec.masterUsername', (o) => o.spec.masterUsername, 'RDS cannot rename the master user'],
  ['spec.databaseName', (o) => o.spec.databaseName, 'RDS cannot rename the initial database'],
  // Empty means the AWS managed key: going from it to a customer key is a change of key as well.
  [
    'spec.encryption.kmsKeyId',
    (o) => o.spec.encryption?.kmsKeyId || '',
    'RDS cannot re-encrypt storage with another key',
  ],
  ['spec.secretName', (o) => o.spec.secretName, 'the password lives in that Secret'],
  ['spec.serviceName', (o) => o.spec.serviceName, 'clients resolve the database by that name'],
];

export function validateImmutableFields(next: PostgresDB, previous: PostgresDB): FieldError[] {
  return IMMUTABLE.flatMap(([path, get, why]) => {
    const before = get(previous);
    const after = get(next);
    return before !== undefined && before !== after
      ? [fieldError(path, `is immutable (${why}); it was ${JSON.stringify(before)}`, after ?? null)]
      : [];
  });
}

export function validateStorageChange(
  next: PostgresDB,
  previous: PostgresDB,
  rules: StorageRules,
): FieldError[] {
  const before = previous.spec.storage.sizeGiB;
  const after = next.spec.storage.sizeGiB;
  const path = 'spec.storage.sizeGiB';
  if (after === before) return [];
  if (after < before)
    return [fieldError(path, `cannot shrink: RDS storage only grows; it was ${before}`, after)];
  const minimum = Math.ceil((before * (100 + rules.growth.minPercent)) / 100);
  return after < minimum
    ? [
        fieldError(
          path,
          `must grow by at least ${rules.growth.minPercent}% (to at least ${minimum}); it was ${before}`,
          after,
        ),
      ]
    : [];
}

/** "16" means "the latest 16.x", so only a lower major, or a lower minor of the same major, is a downgrade. */
export function validateEngineUpgrade(next: PostgresDB, previous: PostgresDB): FieldError[] {
  const before = parseEngineVersion(previous.spec.engineVersion);
  const after = parseEngineVersion(next.spec.engineVersion);
  if (!before || !after) return [];
  const downgrade =
    after.major < before.major ||
    (after.major === before.major &&
      after.minor !== undefined &&
      before.minor !== undefined &&
      after.minor < before.minor);
  return downgrade
    ? [
        fieldError(
          'spec.engineVersion',
          `cannot be downgraded (RDS upgrades only); it was ${JSON.stringify(previous.spec.engineVersion)}`,
          next.spec.engineVersion,
        ),
      ]
    : [];
}

export function validateIdentifierUnchanged(next: PostgresDB, previous: PostgresDB): FieldError[] {
  const before =
    previous.metadata?.annotations?.[ANNOTATION_IDENTIFIER] ?? previous.status?.dbInstanceIdentifier;
  const after = next.metadata?.annotations?.[ANNOTATION_IDENTIFIER];
  if (after === undefined || before === undefined || after === before) return [];
  return [
    fieldError(
      `metadata.annotations[${ANNOTATION_IDENTIFIER}]`,
      `cannot change once the resource is bound to instance ${JSON.stringify(before)}`,
      after,
    ),
  ];
}
