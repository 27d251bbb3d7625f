import { GROUP, HUB_VERSION, PLURAL, POLICY_PLURAL } from '../api/constants.js';

const enc = encodeURIComponent;

export function postgresDBPath(namespace?: string, name?: string): string {
  const base = `/apis/${GROUP}/${HUB_VERSION}`;
  if (namespace === undefined) return `${base}/${PLURAL}`;
  return `${base}/namespaces/${enc(namespace)}/${PLURAL}${name === undefined ? '' : `/${enc(name)}`}`;
}

export function corePath(
  resource: 'secrets' | 'services' | 'events',
  namespace?: string,
  name?: string,
): string {
  if (namespace === undefined) return `/api/v1/${resource}`;
  return `/api/v1/namespaces/${enc(namespace)}/${resource}${name === undefined ? '' : `/${enc(name)}`}`;
}

export function leasePath(namespace: string, name?: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${enc(namespace)}/leases${name === undefined ? '' : `/${enc(name)}`}`;
}

/** The resource a request path addresses (for metrics): `postgresdbs`, `postgresdbs/status`, `secrets`, ... */
export function resourceOfPath(path: string): string {
  const segments = path.split('?')[0]!.split('/').filter(Boolean);
  const afterVersion = segments[0] === 'api' ? segments.slice(2) : segments.slice(3);
  const rest =
    afterVersion[0] === 'namespaces' && afterVersion.length > 2 ? afterVersion.slice(2) : afterVersion;
  if (rest.length === 0) return 'namespaces';
  return rest.length >= 3 ? `${rest[0]}/${rest[2]}` : (rest[0] ?? 'unknown');
}

export function policyPath(name?: string): string {
  return `/apis/${GROUP}/${HUB_VERSION}/${POLICY_PLURAL}${name === undefined ? '' : `/${enc(name)}`}`;
}

export function namespacePath(name?: string): string {
  return `/api/v1/namespaces${name === undefined ? '' : `/${enc(name)}`}`;
}
