import { setTimeout as sleep } from 'node:timers/promises';
import { POSTGRESDBS } from '../../src/api/v1beta1.js';
import type { KubeClient } from '../../src/kube/client.js';
import { Informer } from '../../src/kube/informer.js';
import { pathOf } from '../../src/kube/paths.js';
import { createLogger } from '../../src/util/logger.js';

/** What the tracker keeps of a PostgresDB. */
interface Seen {
  metadata: { name?: string; namespace?: string; resourceVersion?: string; generation?: number };
  reconciled: boolean;
  ready: boolean;
}

export interface NamespaceCounts {
  objects: number;
  /** Reconciled at least once: the status has an observedGeneration. */
  reconciled: number;
  ready: number;
}

interface Watched {
  metadata: Seen['metadata'];
  status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> };
}

/**
 * The bench's own view of every PostgresDB (a watch, as cheap for the API server as the operator's),
 * counting per namespace those that exist, have been reconciled once, and are Ready.
 */
export class PostgresDBTracker {
  private readonly counts = new Map<string, NamespaceCounts>();
  private readonly observed = new Map<string, number>();
  private readonly informer: Informer<Seen>;

  constructor(client: KubeClient) {
    this.informer = new Informer<Seen>({
      client,
      path: pathOf(POSTGRESDBS),
      logger: createLogger({ level: 'warn' }),
      transform: (object) => {
        const { metadata, status } = object as unknown as Watched;
        const { name, namespace, resourceVersion, generation } = metadata;
        if (status?.observedGeneration !== undefined)
          this.observed.set(`${namespace}/${name}`, status.observedGeneration);
        return {
          metadata: { name, namespace, resourceVersion, generation },
          reconciled: status?.observedGeneration !== undefined,
          ready: status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        };
      },
      handlers: {
        onAdd: (object) => this.count(object, 1),
        onUpdate: (previous, object) => {
          this.count(previous, -1);
          this.count(object, 1);
        },
        onDelete: (object) => this.count(object, -1),
      },
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  in(namespace: string): NamespaceCounts {
    return { ...(this.counts.get(namespace) ?? { objects: 0, reconciled: 0, ready: 0 }) };
  }

  /** The status.observedGeneration last seen of one object. */
  observedGeneration(namespace: string, name: string): number | undefined {
    return this.observed.get(`${namespace}/${name}`);
  }

  /** Resolves once `test` holds for the counts of `namespace`; fails after `timeoutMs`. */
  async waitFor(
    namespace: string,
    what: string,
    test: (counts: NamespaceCounts) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this.in(namespace))) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what} in ${namespace}: ${JSON.stringify(this.in(namespace))}`,
        );
      await sleep(50);
    }
  }

  private count(object: Seen, sign: 1 | -1): void {
    const namespace = object.metadata.namespace ?? '';
    const counts = this.counts.get(namespace) ?? { objects: 0, reconciled: 0, ready: 0 };
    counts.objects += sign;
    if (object.reconciled) counts.reconciled += sign;
    if (object.ready) counts.ready += sign;
    this.counts.set(namespace, counts);
  }
}
