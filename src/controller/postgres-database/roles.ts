import { DATABASE_KIND, GROUP } from '../../api/constants.js';
import { POSTGRES_DATABASES, type PostgresDatabase } from '../../api/postgres-database.js';
import { controllerReference } from '../../kube/references.js';
import type { KubeObject, OwnerReference, Secret } from '../../kube/types.js';
import { type Endpoint, encodeSecretData, secretContents } from '../connection-secret.js';
import { LABEL_MANAGED_BY, MANAGED_BY } from '../labels.js';
import { PENDING_PASSWORD_KEY } from '../password-rotation.js';
import type { RoleAccess } from './markers.js';

/** On the Secrets of a PostgresDatabase's roles: the resource's name (the informer selects on the key). */
export const LABEL_DATABASE = 'stow.dev/postgresdatabase';
export const ROLE_SECRET_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_DATABASE}`;

/** A role of a PostgresDatabase and the Secret holding its credentials. */
export interface RoleSecret {
  role: string;
  access: RoleAccess;
  secretName: string;
}

/** The owner first, then the users, from a defaulted spec. */
export function roleSecrets(object: PostgresDatabase): RoleSecret[] {
  const { spec } = object;
  return [
    { role: spec.owner!, access: 'owner' as const, secretName: spec.secretName! },
    ...(spec.users ?? []).map((user) => ({
      role: user.name,
      access: user.access,
      secretName: user.secretName!,
    })),
  ];
}

/** What a role's Secret holds: a PostgresDB Secret's keys, for this role and database. */
export function roleSecretContents(
  role: string,
  password: string,
  databaseName: string,
  endpoint: Endpoint | undefined,
): Record<string, string> {
  return secretContents({ username: role, password, databaseName }, endpoint);
}

export function newRoleSecret(
  object: PostgresDatabase,
  name: string,
  data: Record<string, string>,
  options: { pendingPassword?: string; annotations: Record<string, string> },
): Secret {
  const pending: Record<string, string> = options.pendingPassword
    ? { [PENDING_PASSWORD_KEY]: options.pendingPassword }
    : {};
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: object.metadata.namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_DATABASE]: object.metadata.name ?? '' },
      annotations: options.annotations,
      ownerReferences: [databaseOwnerReference(object)],
    },
    type: 'Opaque',
    data: encodeSecretData({ ...data, ...pending }),
  };
}

export function databaseOwnerReference(object: PostgresDatabase): OwnerReference {
  return controllerReference(POSTGRES_DATABASES, object);
}

function controllingDatabase(child: KubeObject): OwnerReference | undefined {
  return (child.metadata.ownerReferences ?? []).find(
    (reference) =>
      reference.controller &&
      reference.kind === DATABASE_KIND &&
      reference.apiVersion.startsWith(`${GROUP}/`),
  );
}

/** The PostgresDatabase controlling a Secret, as a queue key. */
export function databaseKeyOf(child: KubeObject): string | undefined {
  const owner = controllingDatabase(child);
  return owner && child.metadata.namespace ? `${child.metadata.namespace}/${owner.name}` : undefined;
}

/** What the informer keeps of a role's Secret: who it is and which PostgresDatabase controls it. */
export function roleSecretMetadata(secret: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion } = secret.metadata;
  const owner = controllingDatabase(secret);
  return {
    metadata: { name, namespace, uid, resourceVersion, ...(owner ? { ownerReferences: [owner] } : {}) },
  };
}
