import { Compile } from 'typebox/compile';
import type { DatabaseUser, PostgresDatabase } from '../../api/postgres-database.js';
import { PostgresDatabaseSpec } from '../../api/postgres-database.js';
import { isDnsLabel, isDnsSubdomain, isLowerSqlIdentifier } from '../../engine/char-classes.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { isJsonObject } from '../../util/json-object.js';
import { deriveDatabaseName } from './defaults.js';
import { explainDerivedName, type FieldError, fieldError } from './field-error.js';
import { validateSecretName } from './names.js';
import { validateIdentifier } from './postgres-identifiers.js';
import { onlyChanged } from './ratchet.js';
import { specShapeErrors } from './shape.js';

export const MAX_USERS = 100;
export const MAX_EXTENSIONS = 100;
export const DEFAULT_DATABASE_DELETION_POLICY = 'Retain';

/** What the rules read besides the object. */
export interface DatabaseRulesContext {
  /** The namespace of the PostgresDatabase (an instance reference without one means this one). */
  namespace: string;
  /** The operator's default master user name: never a role of a database. */
  masterUsername: string;
}

export interface DatabaseValidation {
  errors: FieldError[];
  warnings: string[];
}

const specChecker = Compile(PostgresDatabaseSpec);

export function validateDatabaseShape(spec: unknown): FieldError[] {
  return specShapeErrors(specChecker, PostgresDatabaseSpec, spec);
}

export function hasValidDatabaseShape(spec: unknown): spec is PostgresDatabaseSpec {
  return specChecker.Check(spec);
}

/** The Secret a user gets when it names none: `orders` + `report_reader` → `orders-report-reader`. */
export function defaultUserSecretName(resourceName: string, userName: string): string {
  return `${resourceName}-${userName.replaceAll('_', '-')}`;
}

/** The namespace of the referenced PostgresDB: the reference's, else the PostgresDatabase's own. */
export function instanceNamespace(spec: PostgresDatabaseSpec, namespace: string): string {
  return spec.instanceRef.namespace || namespace;
}

/** Whether defaulting can fill this spec as it stands; anything else is /validate's to report. */
export function canApplyDatabaseDefaults(spec: unknown): boolean {
  if (!isJsonObject(spec)) return false;
  const { users } = spec;
  return users === undefined || (Array.isArray(users) && users.every((user) => isJsonObject(user)));
}

/**
 * Fills empty fields only, idempotently: the database name from metadata.name, the owner from the
 * database name, the Secrets from metadata.name, and Retain. Names derived from metadata.name stay
 * empty while the name is not known (generateName); the controller fills them the same way then.
 */
export function applyDatabaseDefaults(object: PostgresDatabase): PostgresDatabase {
  const spec = { ...object.spec };
  const name = typeof object.metadata?.name === 'string' ? object.metadata.name : undefined;
  if (name) spec.databaseName ??= deriveDatabaseName(name);
  if (typeof spec.databaseName === 'string') spec.owner ??= spec.databaseName;
  spec.deletionPolicy ??= DEFAULT_DATABASE_DELETION_POLICY;
  if (name) {
    spec.secretName ??= name;
    if (spec.users?.some((user) => user.secretName === undefined && isLowerSqlIdentifier(user.name)))
      spec.users = spec.users.map((user) =>
        user.secretName === undefined && isLowerSqlIdentifier(user.name)
          ? { ...user, secretName: defaultUserSecretName(name, user.name) }
          : user,
      );
  }
  return { ...object, spec };
}

function validateInstanceRef(spec: PostgresDatabaseSpec): FieldError[] {
  const { name, namespace } = spec.instanceRef;
  const errors: FieldError[] = [];
  if (!(name.length <= 253 && isDnsSubdomain(name)))
    errors.push(
      fieldError(
        'spec.instanceRef.name',
        'must be the name of a PostgresDB: lowercase letters, digits, "-" and ".", at most 253 characters',
        name,
      ),
    );
  if (namespace && !(namespace.length <= 63 && isDnsLabel(namespace)))
    errors.push(
      fieldError(
        'spec.instanceRef.namespace',
        'must be a namespace name: lowercase letters, digits and "-", at most 63 characters',
        namespace,
      ),
    );
  return errors;
}

/** Each value listed once: a later repeat is an error naming the first place it appeared. */
function duplicates(entries: Array<[path: string, value: string]>, what: string): FieldError[] {
  const first = new Map<string, string>();
  const errors: FieldError[] = [];
  for (const [path, value] of entries) {
    const earlier = first.get(value);
    if (earlier === undefined) first.set(value, path);
    else errors.push(fieldError(path, `${what} ${earlier}`, value));
  }
  return errors;
}

function validateRoles(
  spec: PostgresDatabaseSpec,
  written: PostgresDatabaseSpec,
  context: DatabaseRulesContext,
) {
  const errors: FieldError[] = [];
  const users = spec.users ?? [];
  if (users.length > MAX_USERS)
    errors.push(fieldError('spec.users', `must list at most ${MAX_USERS} users`, users.length));
  const roles: Array<[string, string]> = [];
  if (spec.owner !== undefined) {
    roles.push(['spec.owner', spec.owner]);
    const derived = written.owner === undefined;
    errors.push(
      ...explainDerivedName(
        validateIdentifier('role', 'spec.owner', spec.owner),
        derived,
        written.databaseName === undefined ? 'the database name (from metadata.name)' : 'spec.databaseName',
      ),
    );
  }
  users.forEach((user, index) => {
    const path = `spec.users[${index}].name`;
    roles.push([path, user.name]);
    errors.push(...validateIdentifier('role', path, user.name));
  });
  for (const [path, role] of roles)
    if (role === context.masterUsername)
      errors.push(
        fieldError(
          path,
          "is the instance's master user (the operator default); it is never a database's role",
          role,
        ),
      );
  errors.push(...duplicates(roles, 'is already the role of'));
  return errors;
}

function validateSecrets(
  spec: PostgresDatabaseSpec,
  written: PostgresDatabaseSpec,
  name: string | undefined,
) {
  const errors: FieldError[] = [];
  const secrets: Array<[string, string]> = [];
  if (spec.secretName !== undefined) {
    secrets.push(['spec.secretName', spec.secretName]);
    errors.push(...explainDerivedName(validateSecretName(spec.secretName), written.secretName === undefined));
  }
  (spec.users ?? []).forEach((user: DatabaseUser, index) => {
    if (user.secretName === undefined) return;
    const path = `spec.users[${index}].secretName`;
    secrets.push([path, user.secretName]);
    const derived = written.users?.[index]?.secretName === undefined && name !== undefined;
    errors.push(
      ...explainDerivedName(
        validateSecretName(user.secretName, path),
        derived,
        `metadata.name and spec.users[${index}].name`,
      ),
    );
  });
  errors.push(...duplicates(secrets, 'is already the Secret of'));
  return errors;
}

function validateExtensions(spec: PostgresDatabaseSpec): FieldError[] {
  const extensions = spec.extensions ?? [];
  const errors: FieldError[] = [];
  if (extensions.length > MAX_EXTENSIONS)
    errors.push(
      fieldError('spec.extensions', `must list at most ${MAX_EXTENSIONS} extensions`, extensions.length),
    );
  const named: Array<[string, string]> = extensions.map((extension, index) => [
    `spec.extensions[${index}].name`,
    extension.name,
  ]);
  for (const [path, extension] of named) errors.push(...validateIdentifier('extension', path, extension));
  errors.push(...duplicates(named, 'is already listed at'));
  return errors;
}

/** Every rule, on a defaulted object of the right shape; `written` is the object as the user wrote it. */
function checkRules(
  object: PostgresDatabase,
  written: PostgresDatabase,
  context: DatabaseRulesContext,
): DatabaseValidation {
  const { spec } = object;
  const errors = validateInstanceRef(spec);
  if (spec.databaseName !== undefined)
    errors.push(
      ...explainDerivedName(
        validateIdentifier('database', 'spec.databaseName', spec.databaseName),
        written.spec.databaseName === undefined,
      ),
    );
  errors.push(...validateRoles(spec, written.spec, context));
  errors.push(...validateSecrets(spec, written.spec, object.metadata?.name));
  errors.push(...validateExtensions(spec));
  const warnings =
    spec.deletionPolicy === 'Drop'
      ? ['spec.deletionPolicy Drop: deleting this PostgresDatabase drops the database and all its data']
      : [];
  return { errors, warnings };
}

export function validateDatabaseCreate(
  object: PostgresDatabase,
  context: DatabaseRulesContext,
): DatabaseValidation {
  const shapeErrors = validateDatabaseShape(object.spec);
  if (shapeErrors.length) return { errors: shapeErrors, warnings: [] };
  return checkRules(applyDatabaseDefaults(object), object, context);
}

type Immutable = [
  path: string,
  get: (spec: PostgresDatabaseSpec, namespace: string) => string | undefined,
  why: string,
];

const IMMUTABLE: Immutable[] = [
  ['spec.instanceRef.name', (spec) => spec.instanceRef.name, 'the database lives in that instance'],
  [
    'spec.instanceRef.namespace',
    (spec, namespace) => instanceNamespace(spec, namespace),
    'the database lives in that instance',
  ],
  ['spec.databaseName', (spec) => spec.databaseName, 'clients connect to the database by that name'],
  ['spec.owner', (spec) => spec.owner, "the database's objects belong to that role"],
  ['spec.secretName', (spec) => spec.secretName, "the owner's password lives in that Secret"],
];

function validateImmutable(next: PostgresDatabaseSpec, previous: PostgresDatabaseSpec, namespace: string) {
  const errors: FieldError[] = [];
  for (const [path, get, why] of IMMUTABLE) {
    const before = get(previous, namespace);
    const after = get(next, namespace);
    if (before !== undefined && before !== after)
      errors.push(fieldError(path, `is immutable (${why}); it was ${JSON.stringify(before)}`, after ?? null));
  }
  const secretBefore = new Map((previous.users ?? []).map((user) => [user.name, user.secretName]));
  (next.users ?? []).forEach((user, index) => {
    const before = secretBefore.get(user.name);
    if (before !== undefined && before !== user.secretName)
      errors.push(
        fieldError(
          `spec.users[${index}].secretName`,
          `is immutable for user ${JSON.stringify(user.name)} (its password lives in that Secret); it was ${JSON.stringify(before)}`,
          user.secretName ?? null,
        ),
      );
  });
  return errors;
}

/** Compared as canonical JSON: the API server and a webhook patch may order keys differently. */
export function sameDatabaseSpec(a: PostgresDatabase, b: PostgresDatabase): boolean {
  return canonicalJson(a.spec) === canonicalJson(b.spec);
}

/**
 * UPDATE: a spec that did not change is not checked again (a metadata-only edit, such as removing the
 * finalizer, always goes through); of a changed spec, only the changed parts must meet today's rules,
 * and the immutable fields must keep their values (both objects defaulted first).
 */
export function validateDatabaseUpdate(
  next: PostgresDatabase,
  previous: PostgresDatabase,
  context: DatabaseRulesContext,
): DatabaseValidation {
  if (sameDatabaseSpec(next, previous)) return { errors: [], warnings: [] };
  const shapeErrors = validateDatabaseShape(next.spec);
  if (shapeErrors.length) return { errors: shapeErrors, warnings: [] };
  if (!hasValidDatabaseShape(previous.spec)) return validateDatabaseCreate(next, context);
  const nextDefaulted = applyDatabaseDefaults(next);
  const previousDefaulted = applyDatabaseDefaults(previous);
  const result = checkRules(nextDefaulted, next, context);
  return {
    errors: [
      ...onlyChanged(result.errors, nextDefaulted, previousDefaulted),
      ...validateImmutable(nextDefaulted.spec, previousDefaulted.spec, context.namespace),
    ],
    warnings: result.warnings,
  };
}
