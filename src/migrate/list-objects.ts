import { GROUP, PLURAL } from '../api/constants.js';
import type { KubeClient } from '../kube/client.js';
import { statusCode } from '../kube/errors.js';

export interface ObjectRef {
  namespace: string;
  name: string;
}

type ListedObject = { metadata?: { namespace?: string; name?: string } } & Record<string, unknown>;

const RELIST_ATTEMPTS = 3;

/**
 * Every PostgresDB in every namespace, read in `version`, page by page. A continue token that expired
 * (410 Gone) starts the listing again, since later pages can no longer be read consistently.
 */
export async function listAllPostgresDBs(
  client: KubeClient,
  version: string,
  pageSize: number,
): Promise<ListedObject[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await listOnce(client, version, pageSize);
    } catch (error) {
      if (statusCode(error) !== 410 || attempt === RELIST_ATTEMPTS) throw error;
    }
  }
}

async function listOnce(client: KubeClient, version: string, pageSize: number): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let continueToken: string | undefined;
  do {
    const page = await client.request<{ items?: ListedObject[]; metadata?: { continue?: string } }>(
      'GET',
      `/apis/${GROUP}/${version}/${PLURAL}`,
      { query: { limit: pageSize, continue: continueToken } },
    );
    objects.push(...(page.items ?? []));
    continueToken = page.metadata?.continue || undefined;
  } while (continueToken);
  return objects;
}

export function refOf(object: ListedObject): ObjectRef {
  return { namespace: object.metadata?.namespace ?? '', name: object.metadata?.name ?? '' };
}

export function formatRef(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.name}`;
}
