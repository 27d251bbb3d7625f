import type { ResourceType } from '../api/resource-type.js';

const enc = encodeURIComponent;

/**
 * The path of a collection (no name) or of one object, in one namespace or (no namespace) across the
 * cluster; cluster-scoped kinds ignore the namespace.
 */
export function pathOf(type: ResourceType, namespace?: string, name?: string): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const scope = type.namespaced && namespace !== undefined ? `/namespaces/${enc(namespace)}` : '';
  return `${base}${scope}/${type.plural}${name === undefined ? '' : `/${enc(name)}`}`;
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
