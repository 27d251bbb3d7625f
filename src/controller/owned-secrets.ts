import type { KubeOps, ObjectCache, SecretReader } from './context.js';
import { keyOf } from '../kube/informer.js';
import type { KubeObject, Secret } from '../kube/types.js';
import { withoutManagedFields } from './cached-objects.js';
import { controllerOf } from './owner.js';

/**
 * The Secrets a reconcile reads. The informer holds only their metadata (anyone may label a Secret
 * managed-by=stow); data is read on demand and kept only for a Secret that a live PostgresDB
 * controls, for as long as the informer reports the resourceVersion it was read or written at. A
 * resync of Ready resources therefore reads nothing, and this memory grows with the PostgresDBs,
 * never with other Secrets.
 */
export class OwnedSecrets implements SecretReader {
  private readonly kept = new Map<string, Secret>();

  constructor(
    private readonly metadata: ObjectCache<KubeObject>,
    private readonly kube: Pick<KubeOps, 'getSecret'>,
    /** The uid of the PostgresDB `namespace/name`, as its informer has it. */
    private readonly postgresDBUid: (key: string) => string | undefined,
  ) {}

  /** Undefined when the informer has not seen the Secret (absent, or not labelled managed-by=stow). */
  async get(namespace: string, name: string, signal: AbortSignal): Promise<Secret | undefined> {
    const key = `${namespace}/${name}`;
    const seen = this.metadata.get(key);
    if (!seen) return undefined;
    const kept = this.kept.get(key);
    if (kept && kept.metadata.resourceVersion === seen.metadata.resourceVersion) return kept;
    const secret = await this.kube.getSecret(namespace, name, signal);
    return secret && this.remember(secret);
  }

  seen(namespace: string, name: string): boolean {
    return this.metadata.get(`${namespace}/${name}`) !== undefined;
  }

  /** Keeps a Secret read or written by a reconcile when a live PostgresDB controls it. */
  remember(secret: Secret): Secret {
    const key = keyOf(secret);
    // managedFields (a third of a Secret Stow wrote, in memory) is read by nobody.
    if (this.isControlled(secret)) this.kept.set(key, withoutManagedFields(secret));
    else this.kept.delete(key);
    return secret;
  }

  /** From the informer: a copy kept at another version is stale. */
  changed(metadata: KubeObject): void {
    const key = keyOf(metadata);
    if (this.kept.get(key)?.metadata.resourceVersion !== metadata.metadata.resourceVersion)
      this.kept.delete(key);
  }

  deleted(metadata: KubeObject): void {
    this.kept.delete(keyOf(metadata));
  }

  /** Garbage collection deletes its Secrets too, but need not have yet. */
  ownerDeleted(uid: string): void {
    for (const [key, secret] of this.kept) if (controllerOf(secret)?.uid === uid) this.kept.delete(key);
  }

  get size(): number {
    return this.kept.size;
  }

  private isControlled(secret: Secret): boolean {
    const owner = controllerOf(secret);
    const namespace = secret.metadata.namespace;
    return owner !== undefined && this.postgresDBUid(`${namespace}/${owner.name}`) === owner.uid;
  }
}

/** Operations whose Secret reads and writes are remembered, so a reconcile's own write costs no read later. */
export function rememberingSecrets(kube: KubeOps, secrets: OwnedSecrets): KubeOps {
  return {
    patchPostgresDB: (...args) => kube.patchPostgresDB(...args),
    patchPostgresDBStatus: (...args) => kube.patchPostgresDBStatus(...args),
    getService: (...args) => kube.getService(...args),
    createService: (...args) => kube.createService(...args),
    patchService: (...args) => kube.patchService(...args),
    getPostgresDB: (...args) => kube.getPostgresDB(...args),
    getPostgresDBSnapshot: (...args) => kube.getPostgresDBSnapshot(...args),
    createPostgresDBSnapshot: (...args) => kube.createPostgresDBSnapshot(...args),
    getSecret: async (...args) => {
      const secret = await kube.getSecret(...args);
      return secret && secrets.remember(secret);
    },
    createSecret: async (...args) => secrets.remember(await kube.createSecret(...args)),
    patchSecret: async (...args) => secrets.remember(await kube.patchSecret(...args)),
  };
}
