import { OWNERSHIP_TAG_KEYS } from '../../api/constants.js';
import { PASSWORD_ROTATION_DAYS, type PostgresDBSpec } from '../../api/v1beta1.js';
import { isAsciiTagText, isEngineVersion } from '../../engine/char-classes.js';
import { type FieldError, fieldError } from './field-error.js';

const SECURITY_GROUP = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;
const KMS_KEY =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+|alias\/[A-Za-z0-9/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** The common case, checked first: a Unicode-class regex costs several times more. */
const isTagText = (text: string) => isAsciiTagText(text) || TAG_TEXT.test(text);
const RESERVED_TAG_PREFIXES = ['aws:', 'rds:', 'stow.dev/'];
export const RDS_MAX_TAGS = 50;
export const MANAGED_TAG_COUNT = OWNERSHIP_TAG_KEYS.length;
const MAX_RETENTION_DAYS = 35;

export function parseEngineVersion(
  version: string | undefined,
): { major: number; minor?: number } | undefined {
  if (version === undefined || !isEngineVersion(version)) return undefined;
  const [major, minor] = version.split('.');
  return minor === undefined ? { major: Number(major) } : { major: Number(major), minor: Number(minor) };
}

export function validateEngineVersion(value: string | undefined): FieldError[] {
  if (value === undefined || isEngineVersion(value)) return [];
  return [
    fieldError(
      'spec.engineVersion',
      'must be a PostgreSQL major version ("16") or major.minor ("16.4")',
      value,
    ),
  ];
}

export function validateBackupRetention(value: number | undefined): FieldError[] {
  if (value === undefined || (value >= 0 && value <= MAX_RETENTION_DAYS)) return [];
  return [fieldError('spec.backup.retentionDays', `must be between 0 and ${MAX_RETENTION_DAYS}`, value)];
}

/** The days between scheduled password rotations, within the bounds the CRD states too. */
export function validatePasswordRotation(everyDays: number | undefined): FieldError[] {
  const { minimum, maximum } = PASSWORD_ROTATION_DAYS;
  if (everyDays === undefined || (everyDays >= minimum && everyDays <= maximum)) return [];
  return [
    fieldError('spec.passwordRotation.everyDays', `must be between ${minimum} and ${maximum}`, everyDays),
  ];
}

export function validateSecurityGroups(ids: string[] | undefined): FieldError[] {
  if (!ids?.length) return [];
  return ids.flatMap((id, index) =>
    SECURITY_GROUP.test(id)
      ? []
      : [
          fieldError(
            `spec.securityGroupIds[${index}]`,
            'must be a VPC security group id like sg-0123456789abcdef0',
            id,
          ),
        ],
  );
}

export function validateKmsKey(value: string | undefined): FieldError[] {
  if (value === undefined || value === '' || KMS_KEY.test(value)) return [];
  return [
    fieldError('spec.encryption.kmsKeyId', 'must be a KMS key ARN, key id, alias/NAME or alias ARN', value),
  ];
}

/** Keys AWS or Stow itself manage: never accepted in spec.tags, never removed by Stow. */
export function isReservedTagKey(key: string): boolean {
  const lower = key.toLowerCase();
  return RESERVED_TAG_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

export function validateTags(tags: Record<string, string> | undefined, extraTagCount: number): FieldError[] {
  const errors: FieldError[] = [];
  if (tags === undefined) return errors;
  let count = 0;
  for (const key in tags) {
    if (!Object.hasOwn(tags, key)) continue;
    count++;
    const value = tags[key] as string;
    if (isReservedTagKey(key)) {
      errors.push(
        fieldError(
          `spec.tags[${key}]`,
          `key is reserved (keys starting with ${RESERVED_TAG_PREFIXES.join(', ')} are managed by AWS or Stow)`,
          key,
        ),
      );
    } else if (key.length < 1 || key.length > 128 || !isTagText(key)) {
      errors.push(
        fieldError(`spec.tags[${key}]`, 'key must be 1-128 letters, digits, spaces or _ . : / = + - @', key),
      );
    }
    if (value.length > 256 || !isTagText(value)) {
      errors.push(
        fieldError(
          `spec.tags[${key}]`,
          'value must be at most 256 letters, digits, spaces or _ . : / = + - @',
          value,
        ),
      );
    }
  }
  const room = RDS_MAX_TAGS - MANAGED_TAG_COUNT - extraTagCount;
  if (count > room) {
    errors.push(
      fieldError(
        'spec.tags',
        `may hold at most ${room} tags (RDS allows ${RDS_MAX_TAGS}; Stow and the operator configuration use the rest)`,
        count,
      ),
    );
  }
  return errors;
}

export function settingsWarnings(spec: PostgresDBSpec): string[] {
  const warnings: string[] = [];
  if (spec.deletionPolicy === 'Delete') {
    warnings.push(
      spec.backup?.keepAfterDeletion
        ? 'spec.deletionPolicy: Delete removes the instance without a final snapshot when this resource is deleted; its automated backups are kept until their retention period ends'
        : 'spec.deletionPolicy: Delete removes the instance without a final snapshot when this resource is deleted, and its automated backups too (spec.backup.keepAfterDeletion: true keeps them)',
    );
  }
  if (spec.publiclyAccessible)
    warnings.push('spec.publiclyAccessible: the instance gets a public IP address');
  if (spec.backup?.retentionDays === 0) {
    warnings.push('spec.backup.retentionDays: 0 disables automated backups and point-in-time recovery');
  }
  if (spec.deletionProtection && spec.deletionPolicy !== 'Retain') {
    warnings.push(
      'spec.deletionProtection: deleting this resource will wait until deletion protection is turned off',
    );
  }
  return warnings;
}
