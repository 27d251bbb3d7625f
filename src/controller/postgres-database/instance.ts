import type { PostgresDBPolicy } from '../../api/policy.js';
import { type PostgresDB, POSTGRESDBS } from '../../api/v1beta1.js';
import type { AccessTarget } from '../../engine/access.js';
import { SessionError, type SqlSession } from '../../engine/postgres-session.js';
import { SECRETS } from '../../kube/types.js';
import { grantingPolicies } from '../../policy/sharing.js';
import { accessTargetOf } from '../access-check.js';
import type { Endpoint } from '../connection-secret.js';
import { pendingPassword } from '../password-rotation.js';
import { ReconcileError } from '../reconcile-error.js';
import { type DatabaseContext, Waiting } from './context.js';

export interface InstanceName {
  name: string;
  namespace: string;
}

/** The instance a database lives in, and how its master user connects. */
export interface ResolvedInstance {
  ref: InstanceName;
  /** The master user's connection, from the PostgresDB's Secret (its own database). */
  master: AccessTarget;
  /** The master password a rotation is setting: tried when the current one is refused. */
  masterPending?: string | undefined;
  endpoint: Endpoint;
}

const named = ({ namespace, name }: InstanceName) => `PostgresDB ${namespace}/${name}`;

/**
 * For a PostgresDatabase on another namespace's instance, the policies that share it now. Admission
 * checked the grant at creation; a grant withdrawn since is reported, and nothing inside the instance
 * is touched (or dropped) while it lasts. Undefined for an instance of the database's own namespace.
 */
export async function sharingGrants(
  context: DatabaseContext,
  ref: InstanceName,
  namespace: string,
): Promise<PostgresDBPolicy[] | undefined> {
  if (ref.namespace === namespace) return undefined;
  const [policies, namespaceLabels] = await Promise.all([
    context.policies.policiesFor(ref.namespace),
    context.policies.namespaceLabels(namespace),
  ]);
  const granting = grantingPolicies(policies, {
    namespace,
    namespaceLabels,
    instanceNamespace: ref.namespace,
    instanceName: ref.name,
  });
  if (granting.length) return granting;
  throw new Waiting(
    new ReconcileError(
      'SharingNotGranted',
      `No PostgresDBPolicy shares ${named(ref)} with namespace ${namespace} (any more); nothing in the instance is changed or dropped until one does`,
      'wait',
    ),
    'resync',
  );
}

function isReady(object: PostgresDB): boolean {
  return object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * The PostgresDB, once Ready, and its master credentials from its Secret. Anything missing is a
 * waiting state with its reason, looked at again after the poll interval.
 */
export async function resolveInstance(
  context: DatabaseContext,
  ref: InstanceName,
  signal: AbortSignal,
): Promise<ResolvedInstance> {
  const watched = context.config.watchNamespaces;
  if (watched?.length && !watched.includes(ref.namespace))
    throw new Waiting(
      new ReconcileError(
        'PostgresDBNotWatched',
        `${named(ref)} is in a namespace the operator does not watch (config.watchNamespaces)`,
        'wait',
      ),
      'resync',
    );
  const postgresDB = await context.kube.get(POSTGRESDBS, ref, signal);
  if (!postgresDB)
    throw new Waiting(new ReconcileError('PostgresDBNotFound', `${named(ref)} does not exist`, 'poll'));
  if (postgresDB.metadata.deletionTimestamp)
    throw new Waiting(new ReconcileError('PostgresDBDeleting', `${named(ref)} is being deleted`, 'poll'));
  if (!isReady(postgresDB)) {
    const ready = postgresDB.status?.conditions?.find((c) => c.type === 'Ready');
    throw new Waiting(
      new ReconcileError(
        'PostgresDBNotReady',
        `${named(ref)} is not ready yet${ready ? ` (${ready.reason}: ${ready.message})` : ''}`,
        'poll',
      ),
    );
  }
  const secretName = postgresDB.status?.secretName ?? postgresDB.spec.secretName ?? ref.name;
  const secret = await context.kube.get(SECRETS, { namespace: ref.namespace, name: secretName }, signal);
  const master = accessTargetOf(secret);
  if (!master)
    throw new Waiting(
      new ReconcileError(
        'MasterSecretIncomplete',
        `Secret ${ref.namespace}/${secretName} of ${named(ref)} has no complete connection keys yet`,
        'poll',
      ),
    );
  return {
    ref,
    master,
    masterPending: pendingPassword(secret),
    endpoint: { address: master.address, port: master.port },
  };
}

/**
 * A session as the master user, into its own database or `databaseName`. During a rotation of the
 * master password either password may be the one RDS holds: the pending one is tried when the
 * current one is refused, and the one that worked is kept for the next session.
 */
export async function connectAsMaster(
  context: DatabaseContext,
  instance: ResolvedInstance,
  databaseName?: string,
): Promise<SqlSession> {
  const target = databaseName ? { ...instance.master, databaseName } : instance.master;
  try {
    return await context.connect(target);
  } catch (error) {
    if (!(error instanceof SessionError)) throw error;
    const pending = instance.masterPending;
    if (error.reason === 'AuthenticationFailed' && pending && pending !== target.password) {
      const session = await context.connect({ ...target, password: pending }).catch(() => undefined);
      if (session) {
        instance.master = { ...instance.master, password: pending };
        return session;
      }
    }
    throw unreachable(instance, error);
  }
}

function unreachable(instance: ResolvedInstance, error: SessionError): Waiting {
  const where = `${instance.endpoint.address}:${instance.endpoint.port}`;
  if (error.reason === 'AuthenticationFailed')
    return new Waiting(
      new ReconcileError(
        'MasterCredentialsRefused',
        `The instance at ${where} refused the master credentials of ${named(instance.ref)}'s Secret: ${error.message}`,
        'poll',
      ),
    );
  return new Waiting(
    new ReconcileError(
      'InstanceUnreachable',
      `Cannot connect to the instance of ${named(instance.ref)} at ${where} (${error.reason}): ${error.message}`,
      'poll',
    ),
  );
}
