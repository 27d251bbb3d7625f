import type { TSchema } from 'typebox';
import { PASSWORD_ROTATION_DAYS, PostgresDB, PostgresDBSpec, PostgresDBStatus } from './v1beta1.js';

/**
 * What the v1beta1 CRD schema says beyond the TypeBox types (ADR 0019): the limits that hold whatever
 * the storage type, the operator configuration or the other fields, so the API server enforces them
 * and `kubectl explain` shows them even when the webhooks are bypassed. They are the syntax of each
 * field; what depends on the storage type, the configuration, other fields or reserved words stays
 * with the admission rules, which also give every violation at once with their own messages.
 *
 * Kept out of `PostgresDBSpec`, whose compiled check runs on every admission request.
 */
export type Keywords = Record<string, unknown>;

/** RDS's limits for PostgreSQL storage, across every storage type (the storage rules narrow them). */
export const RDS_STORAGE_LIMITS = {
  sizeGiB: { minimum: 5, maximum: 65536 },
  iops: { minimum: 1000, maximum: 256000 },
  throughputMiBps: { minimum: 500, maximum: 4000 },
} as const;

const SQL_IDENTIFIER = '^[A-Za-z][A-Za-z0-9_]*$';
const CLOCK = '([01][0-9]|2[0-3]):[0-5][0-9]';
const DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
  .map((day) => [...day].map((c) => `[${c.toUpperCase()}${c}]`).join(''))
  .join('|');
const DNS_LABEL_BODY = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const KMS_KEY = [
  'arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[A-Za-z0-9/_-]+',
  'alias/[A-Za-z0-9/_-]+',
  '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  'mrk-[0-9a-f]{32}',
].join('|');

/** By path under `spec` (`[]` is an array's items, `*` a map's values). */
export const SPEC_BOUNDS: Readonly<Record<string, Keywords>> = {
  instanceClass: { pattern: '^db\\.[a-z][a-z0-9-]*\\.[a-z0-9][a-z0-9-]*$' },
  engineVersion: { pattern: '^[0-9]+(\\.[0-9]+)?$' },
  'storage.sizeGiB': RDS_STORAGE_LIMITS.sizeGiB,
  'storage.iops': RDS_STORAGE_LIMITS.iops,
  'storage.throughputMiBps': RDS_STORAGE_LIMITS.throughputMiBps,
  'storage.maxSizeGiB': RDS_STORAGE_LIMITS.sizeGiB,
  databaseName: { minLength: 1, maxLength: 63, pattern: SQL_IDENTIFIER },
  masterUsername: { minLength: 1, maxLength: 16, pattern: SQL_IDENTIFIER },
  'backup.retentionDays': { minimum: 0, maximum: 35 },
  'backup.window': { pattern: `^${CLOCK}-${CLOCK}$` },
  maintenanceWindow: { pattern: `^(${DAY}):${CLOCK}-(${DAY}):${CLOCK}$` },
  // Empty: the configuration's default.
  'encryption.kmsKeyId': { pattern: `^(${KMS_KEY})?$` },
  subnetGroupName: { maxLength: 255, pattern: '^[A-Za-z0-9._ -]*$' },
  'securityGroupIds.[]': { pattern: '^sg-([0-9a-f]{8}|[0-9a-f]{17})$' },
  parameterGroupName: { maxLength: 255, pattern: '^([A-Za-z][A-Za-z0-9.]*(-[A-Za-z0-9.]+)*)?$' },
  // RDS allows 50 tags; Stow's own ownership tags take 5 (the configured extra tags may take more).
  tags: { maxProperties: 45 },
  'tags.*': { maxLength: 256 },
  secretName: { maxLength: 253, pattern: `^${DNS_LABEL_BODY}(\\.${DNS_LABEL_BODY})*$` },
  serviceName: { maxLength: 63, pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$' },
  'passwordRotation.everyDays': PASSWORD_ROTATION_DAYS,
};

/** By path under `status`: conditions are a map keyed by type, for server-side apply and merges. */
export const STATUS_EXTENSIONS: Readonly<Record<string, Keywords>> = {
  conditions: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
};

type Node = Record<string | symbol, unknown>;

/** A copy of `schema` with `keywords` added at `path`; objects off the path are shared. */
function withKeywordsAt(schema: Node, path: readonly string[], keywords: Keywords): Node {
  const [head, ...rest] = path;
  if (head === undefined) return { ...schema, ...keywords };
  if (head === '[]') return { ...schema, items: withKeywordsAt(schema.items as Node, rest, keywords) };
  if (head === '*') {
    const patternProperties = schema.patternProperties as Record<string, Node>;
    const [[pattern, values]] = Object.entries(patternProperties) as [[string, Node]];
    return { ...schema, patternProperties: { [pattern]: withKeywordsAt(values, rest, keywords) } };
  }
  const properties = schema.properties as Record<string, Node>;
  const child = properties[head];
  if (!child) throw new Error(`no property ${head} to bound`);
  return { ...schema, properties: { ...properties, [head]: withKeywordsAt(child, rest, keywords) } };
}

function withAll<T extends TSchema>(schema: T, table: Readonly<Record<string, Keywords>>): T {
  let bounded = schema as unknown as Node;
  for (const [path, keywords] of Object.entries(table))
    bounded = withKeywordsAt(bounded, path.split('.'), keywords);
  return bounded as unknown as T;
}

/** The v1beta1 spec as the CRD states it: `PostgresDBSpec` with `SPEC_BOUNDS`. */
export const CrdPostgresDBSpec = withAll(PostgresDBSpec, SPEC_BOUNDS);

/** The v1beta1 PostgresDB as the CRD states it. */
export const CrdPostgresDB: typeof PostgresDB = {
  ...PostgresDB,
  properties: {
    ...PostgresDB.properties,
    spec: CrdPostgresDBSpec,
    status: withAll(PostgresDBStatus, STATUS_EXTENSIONS) as typeof PostgresDB.properties.status,
  },
};
