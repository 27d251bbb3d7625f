import type { Logger } from 'pino';
import { isKubeError } from './client.js';
import type { KubeResources } from './resources.js';
import { type Lease, LEASES, type ObjectReference } from './types.js';
import { sleep } from '../util/sleep.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  /** How long a Lease stays valid without renewal; others wait this long before taking over. Default 15. */
  leaseDurationSeconds?: number;
}

export interface LeadershipCallbacks {
  /** Called on acquiring the Lease; the signal aborts when leadership is lost or given up. */
  onStartedLeading(signal: AbortSignal): Promise<void>;
  /** Called after the signal aborted; must finish before the Lease is released. */
  onStoppedLeading(): Promise<void>;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, after client-go's: the holder renews every
 * retry period; a candidate takes over a Lease whose record has not changed for its whole duration
 * (measured on the candidate's own clock, so clock skew between nodes does not matter). The leader
 * steps down as soon as another holder is seen or when it could not renew within the renew deadline
 * (two thirds of the duration), which is before any candidate may take over.
 */
export class LeaderElector {
  private readonly durationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly renewMs: number;
  private readonly candidateRetryMs: number;
  private leading = false;
  private stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private observed: { record: string; at: number } | undefined;
  private lease: Lease | undefined;

  constructor(
    private readonly kube: KubeResources,
    private readonly options: LeaderElectionOptions,
    private readonly callbacks: LeadershipCallbacks,
    private readonly logger: Logger,
  ) {
    this.durationMs = (options.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadlineMs = Math.floor((this.durationMs * 2) / 3);
    this.renewMs = Math.max(100, Math.floor(this.durationMs / 5));
    // Candidates look twice as often as the leader renews, so a takeover after a crash comes at most
    // ~1.25 durations after the leader's last renewal (one look to notice the record, one to act).
    this.candidateRetryMs = Math.max(50, Math.floor(this.durationMs / 10));
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The Lease as last read or written; it stands for the operator in Events about no PostgresDB. */
  leaseReference(): ObjectReference | undefined {
    const uid = this.lease?.metadata.uid;
    if (!uid) return undefined;
    const { namespace, name } = this.options;
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name, uid };
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning; a leader stops its work, then releases the Lease so a successor starts at once. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      if (!(await this.tryAcquireOrRenew())) {
        await sleep(this.candidateRetryMs * (1 + Math.random() * 0.2), stop);
        continue;
      }
      await this.lead(stop);
    }
  }

  private async lead(stop: AbortSignal): Promise<void> {
    this.leading = true;
    this.logger.info(
      {
        kind: 'Lease',
        namespace: this.options.namespace,
        name: this.options.name,
        identity: this.options.identity,
      },
      'became leader',
    );
    const leadership = new AbortController();
    const work = this.callbacks.onStartedLeading(leadership.signal).catch((error) => {
      this.logger.error({ err: error }, 'controller failed; giving up leadership');
      leadership.abort();
    });
    let lastRenew = Date.now();
    while (!stop.aborted && !leadership.signal.aborted) {
      await sleep(this.renewMs, AbortSignal.any([stop, leadership.signal]));
      if (stop.aborted || leadership.signal.aborted) break;
      const renewed = await this.tryAcquireOrRenew();
      if (renewed) {
        lastRenew = Date.now();
        continue;
      }
      if (this.heldByOther() || Date.now() - lastRenew >= this.renewDeadlineMs) {
        this.logger.warn({ identity: this.options.identity }, 'lost the Lease; stopping the controller');
        break;
      }
    }
    this.leading = false;
    leadership.abort();
    await work;
    await this.callbacks.onStoppedLeading();
    if (stop.aborted) await this.release();
  }

  private heldByOther(): boolean {
    const holder = this.lease?.spec?.holderIdentity;
    return !!holder && holder !== this.options.identity;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = new Date();
    try {
      const current = await this.kube.get(LEASES, { namespace, name });
      if (!current) {
        this.lease = await this.kube.create(LEASES, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: this.durationMs / 1000,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return true;
      }
      this.lease = current;
      const spec = current.spec ?? {};
      const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseDurationSeconds]);
      if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
      const holder = spec.holderIdentity ?? '';
      const validFor = (spec.leaseDurationSeconds ?? this.durationMs / 1000) * 1000;
      if (holder && holder !== identity && Date.now() < this.observed.at + validFor) return false;
      const acquiring = holder !== identity;
      this.lease = await this.kube.replace(LEASES, {
        ...current,
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds: this.durationMs / 1000,
          renewTime: microTime(now),
          ...(acquiring
            ? {
                acquireTime: microTime(now),
                leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0),
              }
            : {}),
        },
      });
      return true;
    } catch (error) {
      if (!isKubeError(error, 409)) this.logger.warn({ err: error }, 'could not acquire or renew the Lease');
      return false;
    }
  }

  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.spec?.holderIdentity !== this.options.identity) return;
    try {
      this.lease = await this.kube.replace(LEASES, {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: null,
          leaseDurationSeconds: 1,
          renewTime: microTime(new Date()),
        },
      });
      this.logger.info({ identity: this.options.identity }, 'released the Lease');
    } catch (error) {
      this.logger.warn({ err: error }, 'could not release the Lease');
    }
  }
}
