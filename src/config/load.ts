import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { certificateBundleProblem } from '../util/pem-certificates.js';
import { schemaProblems } from '../util/schema-problems.js';
import { STORAGE_TYPES } from '../api/v1beta1.js';
import { validateMasterUsername } from '../admission/rules/names.js';
import { validateKmsKey } from '../admission/rules/settings.js';
import { type OperatorConfig, OperatorConfigFile, StorageRules } from './schema.js';

/** The package's own `config/` folder (works from src/ under tsc's dist/ layout and from an install). */
export const PACKAGE_CONFIG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../config');
export const DEFAULT_CONFIG_FILE = resolve(PACKAGE_CONFIG_DIR, 'operator.yaml');

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function readYaml(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`${what} ${file} is not valid YAML: ${(error as Error).message}`);
  }
}

/** Every schema violation as `  path: message (got value)`, one line per path. */
function configProblems(schema: TSchema, value: unknown): string[] {
  return schemaProblems(schema, value).map((problem) => {
    const path = problem.pointer.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const got = problem.kind === 'required' ? '' : ` (got ${JSON.stringify(problem.value)})`;
    return `  ${path}: ${problem.message}${got}`;
  });
}

/** Values of the right type that every PostgresDB would inherit, and the admission rules refuse. */
function semanticProblems(parsed: OperatorConfigFile): string[] {
  const username = parsed.defaults?.masterUsername;
  return [
    ...(username === undefined ? [] : validateMasterUsername(username)).map(
      (error) => `  defaults.masterUsername: ${error.message} (got ${JSON.stringify(username)})`,
    ),
    ...validateKmsKey(parsed.kmsKeyId).map(
      (error) => `  kmsKeyId: ${error.message} (got ${JSON.stringify(parsed.kmsKeyId)})`,
    ),
    ...(parsed.storageRules ? rangeProblems(parsed.storageRules, 'storageRules.') : []),
    ...caBundleProblems(parsed.accessCheck?.caBundle),
  ];
}

function caBundleProblems(caBundle: string | undefined): string[] {
  const problem = caBundle?.trim() ? certificateBundleProblem(caBundle) : undefined;
  return problem ? [`  accessCheck.caBundle: ${problem}`] : [];
}

/** A swapped range would refuse every PostgresDB of that storage type. */
function rangeProblems(rules: StorageRules, prefix: string): string[] {
  return STORAGE_TYPES.flatMap((type) => {
    const { sizeGiB, iops, throughput } = rules[type];
    const ranges: Array<[string, number | undefined, number | undefined]> = [
      ['sizeGiB', sizeGiB.min, sizeGiB.max],
      ['iops', iops.min, iops.max],
      ['iops per GiB', iops.minPerGiB, iops.maxPerGiB],
      ['throughput', throughput.min, throughput.max],
    ];
    return ranges
      .filter(([, min, max]) => min !== undefined && max !== undefined && min > max)
      .map(([what, min, max]) => `  ${prefix}${type}: ${what} minimum ${min} is above maximum ${max}`);
  });
}

/** Reads and validates the operator configuration; every problem is reported at once. */
export function loadConfig(file: string = DEFAULT_CONFIG_FILE): OperatorConfig {
  const raw = readYaml(file, 'configuration file');
  const parsed = raw as OperatorConfigFile;
  const schemaErrors = configProblems(OperatorConfigFile, raw);
  const problems = schemaErrors.length ? schemaErrors : semanticProblems(parsed);
  if (problems.length) throw new ConfigError(`invalid configuration in ${file}:\n${problems.join('\n')}`);
  const rulesFile = resolve(
    dirname(file),
    parsed.storageRulesFile ?? resolve(PACKAGE_CONFIG_DIR, 'storage-rules.yaml'),
  );
  const storageRules = parsed.storageRules ?? readYaml(rulesFile, 'storage rules file');
  if (!parsed.storageRules) {
    const schemaErrors = configProblems(StorageRules, storageRules);
    const problems = schemaErrors.length ? schemaErrors : rangeProblems(storageRules as StorageRules, '');
    if (problems.length)
      throw new ConfigError(`invalid storage rules in ${rulesFile}:\n${problems.join('\n')}`);
  }
  const filled = withDefaults(parsed);
  return {
    ...filled,
    region: process.env.AWS_REGION ?? filled.region,
    storageRules: storageRules as StorageRules,
  };
}

type Filled = Required<Omit<OperatorConfigFile, 'storageRules' | 'storageRulesFile'>>;

/** The file's values, each key it leaves out taken from the schema's defaults. */
export function withDefaults(parsed: OperatorConfigFile): Omit<OperatorConfig, 'storageRules'> {
  const {
    storageRules: _rules,
    storageRulesFile: _file,
    ...filled
  } = Value.Default(OperatorConfigFile, structuredClone(parsed)) as Filled & OperatorConfigFile;
  return filled as Omit<OperatorConfig, 'storageRules'>;
}
