import { postgres } from '../engine/engine.js';
import { LABEL_MANAGED_BY, LABEL_OWNER, MANAGED_BY } from './labels.js';
import type { OwnerReference, Secret } from '../kube/types.js';

export interface Credentials {
  username: string;
  password: string;
  databaseName: string;
}

export interface Endpoint {
  address: string;
  port: number;
}

/** Keys whose values need the endpoint; they are added once RDS reports it. */
export const CONNECTION_KEYS = ['DB_HOST', 'DB_PORT', 'host', 'port', 'uri', 'jdbc-uri', 'pgpass'] as const;

/**
 * The Secret's keys: the original operator's upper-case ones (`DB_HOST` is the host name only),
 * the lower-case ones most clients look for, and ready-made connection strings.
 */
export function secretContents(credentials: Credentials, endpoint?: Endpoint): Record<string, string> {
  const { username, password, databaseName } = credentials;
  const data: Record<string, string> = {
    DB_NAME: databaseName,
    DB_USER: username,
    DB_PASSWORD: password,
    dbname: databaseName,
    username,
    password,
  };
  if (!endpoint) return data;
  const { address, port } = endpoint;
  return {
    ...data,
    DB_HOST: address,
    DB_PORT: String(port),
    host: address,
    port: String(port),
    ...postgres.connectionStrings({ username, password, databaseName, address, port }),
  };
}

export function decodeSecretData(secret: Secret | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret?.data ?? {}))
    decoded[key] = Buffer.from(value, 'base64').toString('utf8');
  return decoded;
}

export function encodeSecretData(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]),
  );
}

/** The password already stored, under the new key or the original operator's one. */
export function storedPassword(secret: Secret | undefined): string | undefined {
  const data = decodeSecretData(secret);
  return data.password || data.DB_PASSWORD || undefined;
}

/** Keys (with the wanted values) that differ from what the Secret holds; user-added keys are left alone. */
export function changedSecretKeys(secret: Secret, wanted: Record<string, string>): Record<string, string> {
  const current = decodeSecretData(secret);
  return Object.fromEntries(Object.entries(wanted).filter(([key, value]) => current[key] !== value));
}

export function newSecret(
  name: string,
  namespace: string,
  owner: OwnerReference,
  data: Record<string, string>,
  annotations?: Record<string, string>,
): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_OWNER]: owner.name },
      ...(annotations ? { annotations } : {}),
      ownerReferences: [owner],
    },
    type: 'Opaque',
    data: encodeSecretData(data),
  };
}
