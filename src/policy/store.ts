import type { Logger } from 'pino';
import { POSTGRESDB_POLICIES, type PostgresDBPolicy } from '../api/policy.js';
import { isKubeError, type KubeClient } from '../kube/client.js';
import { Informer } from '../kube/informer.js';
import { pathOf } from '../kube/paths.js';
import { NAMESPACES } from '../kube/types.js';
import { selectorMatches } from './selector.js';

interface Namespace {
  metadata: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
}

/** The policies that apply in a namespace; a promise only when the namespace must be read first. */
export interface PolicySource {
  policiesFor(namespace: string): readonly PostgresDBPolicy[] | Promise<readonly PostgresDBPolicy[]>;
  /** A namespace's labels (what `spec.sharing.namespaceSelector` selects on); none for a namespace that does not exist. */
  namespaceLabels(namespace: string): Record<string, string> | Promise<Record<string, string>>;
}

/** No policies at all: the webhook server tested or benchmarked without an API server. */
export const NO_POLICIES: PolicySource = { policiesFor: () => [], namespaceLabels: () => ({}) };

/** A fixed list of policies and namespace labels (unit tests, benchmarks). */
export function staticPolicies(
  policies: readonly PostgresDBPolicy[],
  namespaceLabels: Record<string, Record<string, string>> = {},
): PolicySource {
  const labelsOf = (namespace: string) => namespaceLabels[namespace] ?? {};
  return {
    policiesFor: (namespace) => selecting(policies, labelsOf(namespace)),
    namespaceLabels: labelsOf,
  };
}

function selecting(
  policies: readonly PostgresDBPolicy[],
  labels: Record<string, string>,
): PostgresDBPolicy[] {
  return policies
    .filter((policy) => selectorMatches(policy.spec?.namespaceSelector, labels))
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

/**
 * Policies and namespace labels, watched. A namespace not yet in the cache (created a moment before the
 * PostgresDB) is read from the API server, so a policy is never skipped for want of its labels.
 */
export class PolicyStore implements PolicySource {
  private readonly policies: Informer<PostgresDBPolicy>;
  private readonly namespaces: Informer<Namespace>;
  private sorted: PostgresDBPolicy[] | undefined;

  constructor(
    private readonly client: KubeClient,
    logger: Logger,
  ) {
    const invalidate = () => {
      this.sorted = undefined;
    };
    this.policies = new Informer<PostgresDBPolicy>({
      client,
      path: pathOf(POSTGRESDB_POLICIES),
      logger,
      handlers: { onAdd: invalidate, onUpdate: invalidate, onDelete: invalidate },
    });
    this.namespaces = new Informer<Namespace>({
      client,
      path: pathOf(NAMESPACES),
      logger,
      handlers: {},
      transform: (namespace) => ({
        metadata: {
          name: namespace.metadata.name,
          resourceVersion: namespace.metadata.resourceVersion,
          labels: namespace.metadata.labels ?? {},
        },
      }),
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.policies.start(), this.namespaces.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.policies.stop(), this.namespaces.stop()]);
  }

  private all(): PostgresDBPolicy[] {
    this.sorted ??= this.policies.list();
    return this.sorted;
  }

  policiesFor(namespace: string): readonly PostgresDBPolicy[] | Promise<readonly PostgresDBPolicy[]> {
    const policies = this.all();
    if (policies.length === 0) return policies;
    const labels = this.namespaceLabels(namespace);
    return labels instanceof Promise
      ? labels.then((read) => selecting(this.all(), read))
      : selecting(policies, labels);
  }

  namespaceLabels(namespace: string): Record<string, string> | Promise<Record<string, string>> {
    const cached = this.namespaces.get(`/${namespace}`);
    return cached ? (cached.metadata.labels ?? {}) : this.readNamespace(namespace);
  }

  private async readNamespace(namespace: string): Promise<Record<string, string>> {
    try {
      const object = await this.client.request<Namespace>('GET', pathOf(NAMESPACES, undefined, namespace));
      return object.metadata.labels ?? {};
    } catch (error) {
      // A namespace that does not exist holds no PostgresDB; any other failure must not skip a policy.
      if (isKubeError(error, 404)) return {};
      throw error;
    }
  }
}
