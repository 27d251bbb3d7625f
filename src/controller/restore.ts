import { TAG_CLUSTER, TAG_NAMESPACE } from '../api/constants.js';
import type { PostgresDBPolicy } from '../api/policy.js';
import type { PostgresDB, PostgresDBSpec } from '../api/v1beta1.js';
import type { RdsInstance, RestoreInstanceInput } from '../aws/types.js';
import type { OperatorConfig } from '../config/schema.js';
import { formatFieldErrors } from '../admission/rules/field-error.js';
import { rdsSnapshotRestoreViolations, snapshotSharingErrors } from '../policy/restore.js';
import type { ReconcilerContext } from './context.js';
import { desiredCreateInput } from './desired-instance.js';
import { describeOwner, ownershipOf } from './ownership.js';
import { isFailedSnapshot } from './postgresdb-snapshot/status.js';
import { ReconcileError } from './reconcile-error.js';
import { boundIdentifier, identityOf } from './resource.js';

export function isRestoring(spec: PostgresDBSpec): boolean {
  return spec.restoreFrom !== undefined;
}

/** A restore's source, resolved and checked: what it is called, its size, and the RDS call. */
export interface RestorePlan {
  description: string;
  sizeGiB: number | undefined;
  restore(input: RestoreInstanceInput, signal: AbortSignal): Promise<RdsInstance>;
}

const refused = (message: string) => new ReconcileError('RestoreRefused', `Not restored: ${message}`, 'wait');
const notFound = (message: string) => new ReconcileError('RestoreSourceNotFound', message, 'backoff');
const notReady = (message: string) =>
  new ReconcileError('RestoreSourceNotReady', `${message}; the restore starts once it is`, 'poll');
const failed = (message: string) =>
  new ReconcileError(
    'RestoreSourceFailed',
    `${message}: nothing can be restored from it; delete this PostgresDB and restore from another source`,
    'wait',
  );

/**
 * The source of spec.restoreFrom, checked again as admission did (the webhook can be bypassed, and
 * policies change) and as only the controller can (the RDS snapshot's tags, the source's status).
 */
export async function planRestore(
  context: ReconcilerContext,
  object: PostgresDB,
  spec: PostgresDBSpec,
  policies: readonly PostgresDBPolicy[],
  signal: AbortSignal,
): Promise<RestorePlan> {
  const restore = spec.restoreFrom!;
  const namespace = object.metadata.namespace ?? 'default';
  if (restore.snapshot) return snapshotPlan(context, namespace, restore.snapshot, signal);
  if (restore.rdsSnapshotIdentifier !== undefined) {
    const identifier = restore.rdsSnapshotIdentifier;
    const violations = rdsSnapshotRestoreViolations(identifier, namespace, policies);
    if (violations.length) throw refused(formatFieldErrors(violations));
    const snapshot = await context.rds.describeSnapshot(identifier, signal);
    if (!snapshot) throw notFound(`RDS snapshot ${identifier} does not exist`);
    const tags = snapshot.tags ?? {};
    const otherCluster = tags[TAG_CLUSTER] !== undefined && tags[TAG_CLUSTER] !== context.config.clusterName;
    if (otherCluster || (tags[TAG_NAMESPACE] !== undefined && tags[TAG_NAMESPACE] !== namespace))
      throw refused(
        `RDS snapshot ${identifier} was taken for ${describeOwner(tags)}; restore it through its PostgresDBSnapshot, shared with this namespace by a PostgresDBPolicy (spec.snapshotSharing)`,
      );
    if (isFailedSnapshot(snapshot)) throw failed(`RDS snapshot ${identifier} is ${snapshot.status}`);
    if (snapshot.status !== 'available')
      throw notReady(`RDS snapshot ${identifier} is ${snapshot.status}, not available`);
    return {
      description: `RDS snapshot ${identifier}`,
      sizeGiB: snapshot.allocatedStorageGiB,
      restore: (input, signal) => context.rds.restoreFromSnapshot(identifier, input, signal),
    };
  }
  const { postgresDBRef, time } = restore.pointInTime!;
  const source = await context.kube.getPostgresDB(namespace, postgresDBRef.name, signal);
  if (!source) throw notFound(`PostgresDB ${postgresDBRef.name} does not exist in namespace ${namespace}`);
  if (!source.status?.dbInstanceIdentifier)
    throw notReady(`PostgresDB ${postgresDBRef.name} has no RDS instance yet`);
  const identifier = boundIdentifier(source, context.config);
  const instance = await context.rds.describeInstance(identifier, signal);
  if (!instance)
    throw notFound(`RDS instance ${identifier} of PostgresDB ${postgresDBRef.name} does not exist`);
  if (ownershipOf(instance.tags, identityOf(source, context.config)) !== 'ours')
    throw refused(
      `RDS instance ${identifier} is not the one Stow manages for PostgresDB ${postgresDBRef.name}`,
    );
  if (!instance.createdAt)
    throw notReady(`RDS instance ${identifier} is ${instance.status}, not created yet`);
  return {
    description: `${time ?? 'the latest restorable time'} of RDS instance ${identifier} (PostgresDB ${postgresDBRef.name})`,
    sizeGiB: instance.allocatedStorageGiB,
    restore: (input, signal) =>
      context.rds.restoreToPointInTime(
        { sourceInstanceIdentifier: identifier, ...(time === undefined ? {} : { time }) },
        input,
        signal,
      ),
  };
}

async function snapshotPlan(
  context: ReconcilerContext,
  namespace: string,
  reference: { name: string; namespace?: string },
  signal: AbortSignal,
): Promise<RestorePlan> {
  const snapshotNamespace = reference.namespace || namespace;
  const { name } = reference;
  if (snapshotNamespace !== namespace) {
    const errors = snapshotSharingErrors(await context.policies.policiesFor(snapshotNamespace), {
      namespace,
      namespaceLabels: await context.policies.namespaceLabels(namespace),
      snapshotNamespace,
      snapshotName: name,
    });
    if (errors.length) throw refused(formatFieldErrors(errors));
  }
  const snapshot = await context.kube.getPostgresDBSnapshot(snapshotNamespace, name, signal);
  const described = `PostgresDBSnapshot ${snapshotNamespace}/${name}`;
  if (!snapshot) throw notFound(`${described} does not exist`);
  const phase = snapshot.status?.phase ?? 'Pending';
  if (phase === 'Failed') throw failed(`${described} failed`);
  const identifier = snapshot.status?.snapshotIdentifier;
  if (phase !== 'Available' || !identifier) throw notReady(`${described} is ${phase}, not Available`);
  return {
    description: `snapshot ${identifier} (${described})`,
    sizeGiB: snapshot.status?.sizeGiB,
    restore: (input, signal) => context.rds.restoreFromSnapshot(identifier, input, signal),
  };
}

/** A restore cannot shrink storage: RDS gives the new instance at least its source's. */
export function checkRestoredSize(spec: PostgresDBSpec, plan: RestorePlan): void {
  if (plan.sizeGiB === undefined || spec.storage.sizeGiB >= plan.sizeGiB) return;
  throw new ReconcileError(
    'RestoreStorageTooSmall',
    `spec.storage.sizeGiB ${spec.storage.sizeGiB} is smaller than the ${plan.sizeGiB} GiB of the ${plan.description}; a restored instance has at least its source's storage`,
    'wait',
  );
}

/**
 * What the restore sets: CreateDBInstance's input without what comes with the data (master user and
 * password, database, engine version, key) and without what RDS applies only with ModifyDBInstance
 * after (maintenance window, storage autoscaling).
 */
export function restoreInput(
  object: PostgresDB,
  config: OperatorConfig,
  identifier: string,
  ownership: Record<string, string>,
): RestoreInstanceInput {
  const {
    masterUsername: _user,
    masterUserPassword: _password,
    databaseName: _database,
    engineVersion: _version,
    kmsKeyId: _key,
    maxAllocatedStorageGiB: _autoscaling,
    maintenanceWindow: _window,
    ...input
  } = desiredCreateInput(object, config, identifier, '', ownership);
  return input;
}

/**
 * A restored instance's spec with what comes from the source filled in from the instance: the master
 * user, the database, the engine version (unless the spec asks for a newer one) and the key.
 */
export function inheritedFromSource(spec: PostgresDBSpec, instance: RdsInstance): PostgresDBSpec {
  const filled: PostgresDBSpec = {
    ...spec,
    masterUsername: instance.masterUsername,
    engineVersion: spec.engineVersion ?? instance.pending.engineVersion ?? instance.engineVersion,
  };
  if (instance.databaseName !== undefined) filled.databaseName = instance.databaseName;
  if (instance.kmsKeyId) filled.encryption = { ...spec.encryption, kmsKeyId: instance.kmsKeyId };
  return filled;
}
