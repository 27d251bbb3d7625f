import type { KubeConfig } from '@kubernetes/client-node';
import { CRD_NAME, GROUP, PLURAL } from '../api/constants.js';
import { createKubeClient, type KubeClient } from '../kube/client.js';
import { kubeErrorMessage, statusCode } from '../kube/errors.js';
import { formatRef, listAllPostgresDBs, type ObjectRef, refOf } from './list-objects.js';

/** Shows up in managedFields only if a write changed something, which a storage rewrite does not. */
export const MIGRATION_FIELD_MANAGER = 'stow-migrate-storage';

export interface ProgressLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface MigrateStorageOptions {
  kubeConfig: KubeConfig;
  /** Check every object with a server-side dry-run write and change nothing. */
  dryRun?: boolean;
  /** Progress lines; `console` and a pino logger both fit. Default: silent. */
  log?: ProgressLog;
  /** Objects per list page. Default 100. */
  pageSize?: number;
  /**
   * Seconds that must have passed since the CRD last changed before rewriting, so every API server
   * encodes in the new storage version (a rewrite by one still on the old version would be a no-op,
   * and trimming storedVersions would then be wrong). Default 10.
   */
  settleSeconds?: number;
}

export interface MigrateStorageResult {
  /** Every object rewritten and status.storedVersions trimmed (or, in a dry run, both would be). */
  ok: boolean;
  dryRun: boolean;
  storageVersion: string;
  total: number;
  rewritten: number;
  /** Deleted between the listing and the rewrite: nothing left to migrate. */
  gone: number;
  failed: Array<{ object: string; reason: string }>;
  storedVersionsBefore: string[];
  storedVersionsAfter: string[];
}

/** What is read of the CustomResourceDefinition. */
interface CustomResourceDefinition {
  metadata?: { managedFields?: Array<{ fieldsV1?: unknown; time?: string }> };
  spec: { versions: Array<{ name: string; storage?: boolean; subresources?: { status?: unknown } }> };
  status?: { storedVersions?: string[] };
}

const CRD_PATH = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`;
const JSON_PATCH = 'application/json-patch+json';
const WRITE_ATTEMPTS = 5;
const silent: ProgressLog = { info: () => {}, warn: () => {} };

/**
 * Rewrites every PostgresDB so etcd holds it in the CRD's storage version, then sets the CRD's
 * `status.storedVersions` to that version alone, only once every object was rewritten. Each rewrite is
 * an empty JSON patch: the API server re-encodes the object in the storage version and skips the write
 * when the stored bytes are already that, so running it again is cheap and safe.
 *
 * The patch goes to the status subresource when there is one: it persists the whole object all the same,
 * but admission webhooks (registered for the main resource) do not see it, so defaulting cannot turn the
 * rewrite of an object written before Stow into a spec change, and the generation stays as it was.
 */
export async function migrateStorage(opts: MigrateStorageOptions): Promise<MigrateStorageResult> {
  const client = await createKubeClient(opts.kubeConfig);
  try {
    return await migrate(client, opts);
  } finally {
    client.close();
  }
}

async function migrate(client: KubeClient, opts: MigrateStorageOptions): Promise<MigrateStorageResult> {
  const { dryRun = false, log = silent, pageSize = 100, settleSeconds = 10 } = opts;
  const crd = await readCrd(client);
  const storageVersion = storageVersionOf(crd);
  const viaStatus = hasStatusSubresource(crd, storageVersion);
  const storedVersionsBefore = crd.status?.storedVersions ?? [];
  log.info(
    `${CRD_NAME}: storage version ${storageVersion}, status.storedVersions ${JSON.stringify(storedVersionsBefore)}`,
  );

  await waitForCrdToSettle(crd, settleSeconds, log);
  const refs = await listRefs(client, storageVersion, pageSize);
  log.info(
    dryRun
      ? `dry run: checking ${refs.length} object(s) with server-side dry-run writes; nothing will change`
      : `rewriting ${refs.length} object(s) in ${storageVersion}`,
  );

  const counts = await rewriteAll(client, { version: storageVersion, viaStatus, dryRun }, refs, log);
  const result: MigrateStorageResult = {
    ok: false,
    dryRun,
    storageVersion,
    total: refs.length,
    ...counts,
    storedVersionsBefore,
    storedVersionsAfter: storedVersionsBefore,
  };
  if (result.failed.length > 0) {
    log.warn(
      `status.storedVersions left at ${JSON.stringify(storedVersionsBefore)}: ${result.failed.length} object(s) ` +
        'could not be rewritten; fix them and run again (objects already rewritten are skipped cheaply)',
    );
    return result;
  }
  const target = [storageVersion];
  if (sameVersions(storedVersionsBefore, target)) {
    log.info(`status.storedVersions is already ${JSON.stringify(target)}`);
  } else if (dryRun) {
    log.info(
      `dry run: would set status.storedVersions from ${JSON.stringify(storedVersionsBefore)} to ${JSON.stringify(target)}`,
    );
  } else {
    result.storedVersionsAfter = await trimStoredVersions(client, storageVersion, storedVersionsBefore);
    log.info(`status.storedVersions set to ${JSON.stringify(result.storedVersionsAfter)}`);
  }
  result.ok = true;
  return result;
}

async function readCrd(client: KubeClient): Promise<CustomResourceDefinition> {
  try {
    return await client.request<CustomResourceDefinition>('GET', CRD_PATH);
  } catch (error) {
    if (statusCode(error) === 404)
      throw new Error(`CustomResourceDefinition ${CRD_NAME} not found: install the CRD first`);
    throw new Error(`cannot read CustomResourceDefinition ${CRD_NAME}: ${kubeErrorMessage(error)}`, {
      cause: error,
    });
  }
}

function storageVersionOf(crd: CustomResourceDefinition): string {
  const storage = crd.spec.versions.find((version) => version.storage);
  if (!storage) throw new Error(`${CRD_NAME} has no storage version`);
  return storage.name;
}

async function listRefs(client: KubeClient, version: string, pageSize: number): Promise<ObjectRef[]> {
  try {
    return (await listAllPostgresDBs(client, version, pageSize)).map(refOf);
  } catch (error) {
    // Listing in the storage version converts every object still stored in another one.
    throw new Error(
      `cannot list ${PLURAL}.${version}.${GROUP}: ${kubeErrorMessage(error)}. ` +
        'Is the conversion webhook running? An object it cannot convert is named in the message above.',
      { cause: error },
    );
  }
}

async function waitForCrdToSettle(crd: CustomResourceDefinition, settleSeconds: number, log: ProgressLog) {
  // managedFields record when each manager last changed the fields it owns; only spec changes matter.
  const changes = (crd.metadata?.managedFields ?? [])
    .filter(
      (entry) => typeof entry.fieldsV1 === 'object' && entry.fieldsV1 !== null && 'f:spec' in entry.fieldsV1,
    )
    .map((entry) => new Date(entry.time ?? 0).getTime());
  const lastChange = Math.max(0, ...changes.filter((time) => !Number.isNaN(time)));
  const waitMs = lastChange + settleSeconds * 1000 - Date.now();
  if (waitMs <= 0) return;
  log.info(
    `${CRD_NAME} changed ${Math.round((Date.now() - lastChange) / 1000)} s ago; waiting ${Math.ceil(waitMs / 1000)} s so every API server uses the new storage version`,
  );
  await new Promise((resolve) => setTimeout(resolve, waitMs));
}

/** One object at a time, so progress is in order and the API server is never flooded. */
async function rewriteAll(
  client: KubeClient,
  mode: RewriteMode,
  refs: ObjectRef[],
  log: ProgressLog,
): Promise<Pick<MigrateStorageResult, 'rewritten' | 'gone' | 'failed'>> {
  const counts: Pick<MigrateStorageResult, 'rewritten' | 'gone' | 'failed'> = {
    rewritten: 0,
    gone: 0,
    failed: [],
  };
  const verb = mode.dryRun ? 'checked' : 'migrated';
  const reportEvery = Math.max(1, Math.ceil(refs.length / 20));
  for (const [index, ref] of refs.entries()) {
    try {
      if ((await rewrite(client, mode, ref)) === 'gone') counts.gone++;
      else counts.rewritten++;
    } catch (error) {
      const failure = { object: formatRef(ref), reason: kubeErrorMessage(error) };
      counts.failed.push(failure);
      log.warn(`could not rewrite ${failure.object}: ${failure.reason}`);
    }
    const done = index + 1;
    if (done % reportEvery === 0 || done === refs.length)
      log.info(`${verb} ${done}/${refs.length} ${formatRef(ref)}`);
  }
  return counts;
}

function hasStatusSubresource(crd: CustomResourceDefinition, version: string): boolean {
  return Boolean(crd.spec.versions.find((candidate) => candidate.name === version)?.subresources?.status);
}

interface RewriteMode {
  version: string;
  viaStatus: boolean;
  dryRun: boolean;
}

async function rewrite(client: KubeClient, mode: RewriteMode, ref: ObjectRef): Promise<'rewritten' | 'gone'> {
  const path = `/apis/${GROUP}/${mode.version}/namespaces/${encodeURIComponent(ref.namespace)}/${PLURAL}/${encodeURIComponent(ref.name)}${mode.viaStatus ? '/status' : ''}`;
  const query = { fieldManager: MIGRATION_FIELD_MANAGER, ...(mode.dryRun ? { dryRun: 'All' } : {}) };
  for (let attempt = 1; ; attempt++) {
    try {
      await client.request('PATCH', path, { body: [], contentType: JSON_PATCH, query });
      return 'rewritten';
    } catch (error) {
      const code = statusCode(error);
      if (code === 404) return 'gone';
      if (!isTransient(code) || attempt === WRITE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

function isTransient(code: number | undefined): boolean {
  return code === undefined || code === 409 || code === 429 || code >= 500;
}

/**
 * The JSON patch tests the versions it read first: if storedVersions changed meanwhile (say the old CRD
 * was applied again), the trim is refused instead of dropping a version that objects may now be stored in.
 */
async function trimStoredVersions(
  client: KubeClient,
  storageVersion: string,
  before: string[],
): Promise<string[]> {
  const current = await readCrd(client);
  if (storageVersionOf(current) !== storageVersion) {
    throw new Error(
      `the storage version of ${CRD_NAME} changed to ${storageVersionOf(current)} while migrating; run again`,
    );
  }
  try {
    const patched = await client.request<CustomResourceDefinition>('PATCH', `${CRD_PATH}/status`, {
      body: [
        { op: 'test', path: '/status/storedVersions', value: before },
        { op: 'replace', path: '/status/storedVersions', value: [storageVersion] },
      ],
      contentType: JSON_PATCH,
      query: { fieldManager: MIGRATION_FIELD_MANAGER },
    });
    return patched.status?.storedVersions ?? [];
  } catch (error) {
    throw new Error(
      `cannot set status.storedVersions of ${CRD_NAME} to ["${storageVersion}"]: ${kubeErrorMessage(error)}; ` +
        'if it changed while migrating, run again',
      { cause: error },
    );
  }
}

function sameVersions(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((version, index) => version === b[index]);
}
