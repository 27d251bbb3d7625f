// Shared builders for the validation, defaulting and CRD unit tests.
import type { PostgresDB, PostgresDBSpec } from '../../src/api/v1beta1.js';
import { loadConfig } from '../../src/config/load.js';
import type { OperatorConfig } from '../../src/config/schema.js';
import { formatFieldError, type ValidationResult, validateCreate } from '../../src/admission/rules/index.js';

/** The operator configuration shipped in `config/` (the api.md defaults). */
export const CONFIG: OperatorConfig = loadConfig();

export function configWith(changes: {
  defaults?: Partial<OperatorConfig['defaults']>;
  kmsKeyId?: string;
  extraTags?: Record<string, string>;
}): OperatorConfig {
  const config = structuredClone(CONFIG);
  Object.assign(config.defaults, changes.defaults ?? {});
  if (changes.kmsKeyId !== undefined) config.kmsKeyId = changes.kmsKeyId;
  if (changes.extraTags !== undefined) config.extraTags = changes.extraTags;
  return config;
}

type SpecPatch = Omit<Partial<PostgresDBSpec>, 'storage'> & { storage?: Partial<PostgresDBSpec['storage']> };

/** A valid, minimal v1beta1 PostgresDB (gp3, 20 GiB) with `patch` merged into its spec. */
export function db(
  patch: SpecPatch = {},
  metadata: PostgresDB['metadata'] = { name: 'orders-db' },
): PostgresDB {
  const { storage, ...rest } = patch;
  return {
    apiVersion: 'stow.dev/v1beta1',
    kind: 'PostgresDB',
    metadata: { namespace: 'shop', ...metadata },
    spec: {
      instanceClass: 'db.t3.small',
      ...rest,
      storage: { type: 'gp3', sizeGiB: 20, ...storage },
    } as PostgresDBSpec,
  };
}

/** Formatted errors of a CREATE of `db(patch)`. */
export function createErrors(patch: SpecPatch = {}, config: OperatorConfig = CONFIG): string[] {
  return validateCreate(db(patch), config).errors.map(formatFieldError);
}

export function formatted(result: ValidationResult): string[] {
  return result.errors.map(formatFieldError);
}

/** Sorted-key deep copy: what a JSON round trip through the API server (Go maps) produces. */
export function apiServerRoundTrip<T>(value: T): T {
  const sort = (node: unknown): unknown =>
    Array.isArray(node)
      ? node.map(sort)
      : node !== null && typeof node === 'object'
        ? Object.fromEntries(
            Object.keys(node)
              .sort()
              .map((key) => [key, sort((node as Record<string, unknown>)[key])]),
          )
        : node;
  return sort(value) as T;
}
