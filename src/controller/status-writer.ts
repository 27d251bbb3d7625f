import type { PostgresDB, PostgresDBStatus } from '../api/v1beta1.js';
import type { ReconcilerContext } from './context.js';
import { createMergePatch } from '../kube/merge-patch.js';
import { statusChanged } from './status.js';

/** Status goes through the /status subresource, as a merge patch, and only when it differs. */
export async function writeStatusIfChanged(
  context: ReconcilerContext,
  object: PostgresDB,
  next: PostgresDBStatus,
  signal: AbortSignal,
  beforeWrite: () => void,
): Promise<void> {
  if (!statusChanged(object.status, next)) return;
  beforeWrite();
  const patch = createMergePatch(object.status ?? {}, next);
  await context.kube.patchPostgresDBStatus(
    object.metadata.namespace ?? 'default',
    object.metadata.name ?? '',
    { status: patch ?? next },
    signal,
  );
}
