import type { KubeConfig } from '@kubernetes/client-node';
import { GROUP, HUB_VERSION } from '../api/constants.js';
import { createKubeClient } from '../kube/client.js';
import { convertObject } from '../conversion/converters.js';
import { kubeErrorMessage } from '../kube/errors.js';
import { formatRef, listAllPostgresDBs, refOf } from './list-objects.js';

export interface UpgradeCheckResult {
  checked: number;
  /** Objects the conversion webhook would refuse; after the upgrade nobody could update or delete them. */
  unconvertible: Array<{ object: string; reason: string }>;
}

/**
 * Before serving v1beta1: reads every PostgresDB as `version` (on a v1alpha1-only install, v1alpha1) and
 * converts it to the hub locally, with the same code the webhook runs. Changes nothing.
 */
export async function findUnconvertibleObjects(opts: {
  kubeConfig: KubeConfig;
  version?: string;
  pageSize?: number;
}): Promise<UpgradeCheckResult> {
  const client = await createKubeClient(opts.kubeConfig);
  const version = opts.version ?? 'v1alpha1';
  let objects: Awaited<ReturnType<typeof listAllPostgresDBs>>;
  try {
    objects = await listAllPostgresDBs(client, version, opts.pageSize ?? 100);
  } catch (error) {
    throw new Error(`cannot list PostgresDB objects as ${GROUP}/${version}: ${kubeErrorMessage(error)}`, {
      cause: error,
    });
  } finally {
    client.close();
  }
  const unconvertible: UpgradeCheckResult['unconvertible'] = [];
  for (const object of objects) {
    try {
      convertObject(object, `${GROUP}/${HUB_VERSION}`);
    } catch (error) {
      unconvertible.push({ object: formatRef(refOf(object)), reason: kubeErrorMessage(error) });
    }
  }
  return { checked: objects.length, unconvertible };
}
