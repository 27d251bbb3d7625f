import { randomBytes } from 'node:crypto';
import { buildInstance } from './actions/create-db-instance.js';
import type { CallLog, CallReport } from './call-log.js';
import { dbInstanceAlreadyExists } from './errors.js';
import type { FaultInjector } from './faults.js';
import type { HeldResponses } from './held-responses.js';
import type { InstanceLifecycle } from './lifecycle.js';
import type { DbInstance, DbSnapshot } from './model.js';
import type { FaultSettings, StateDelays } from './options.js';
import { QueryParams } from './query-params.js';
import { toQueryEntries } from './query-entries.js';
import { normalizeIdentifier } from './rules/identifiers.js';
import { isEmpty } from './settings.js';
import type { SnapshotLifecycle } from './snapshots.js';
import type { EmulatorState } from './state.js';

/**
 * CreateDBInstance's input (as the SDK types it), plus the status to start in (default `available`).
 * Only the identifier is required: class, storage and credentials get defaults.
 */
export type SeedInstanceInput = Record<string, unknown> & {
  DBInstanceIdentifier: string;
  DBInstanceStatus?: string;
};

export type InstanceView = Omit<DbInstance, 'tags'> & {
  tags: Record<string, string>;
  endpoint: { address: string; port: number } | null;
};

export type SnapshotView = Omit<DbSnapshot, 'tags'> & { tags: Record<string, string> };

/** Test-facing controls: what the admin HTTP API and the in-process handle both drive. */
export class EmulatorControl {
  constructor(
    readonly state: EmulatorState,
    readonly lifecycle: InstanceLifecycle,
    readonly faults: FaultInjector,
    readonly callLog: CallLog,
    readonly held: HeldResponses,
    private readonly initial: { delays: StateDelays; faults: Partial<FaultSettings> },
    private readonly snapshots?: SnapshotLifecycle,
  ) {}

  currentDelays(): StateDelays {
    return this.lifecycle.delays;
  }

  setDelays(patch: Partial<StateDelays>): StateDelays {
    this.lifecycle.delays = { ...this.lifecycle.delays, ...patch };
    return this.lifecycle.delays;
  }

  setFaults(patch: Partial<FaultSettings>): FaultSettings {
    return this.faults.update(patch);
  }

  calls(): CallReport {
    return this.callLog.report();
  }

  resetCalls(): void {
    this.callLog.reset();
  }

  /** Puts an instance straight into the state, skipping the creation lifecycle. */
  seedInstance(input: SeedInstanceInput): DbInstance {
    const { DBInstanceStatus: status = 'available', ...createInput } = input;
    const params = new QueryParams(
      toQueryEntries({
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'seeded_admin',
        MasterUserPassword: randomBytes(12).toString('base64url'),
        ...createInput,
      }),
    );
    const instance = buildInstance(params, this.state);
    if (this.state.getInstance(instance.identifier)) throw dbInstanceAlreadyExists();
    this.state.addInstance(instance);
    this.lifecycle.forceStatus(instance, status);
    return instance;
  }

  forceStatus(identifier: string, status: string): DbInstance {
    const instance = this.state.requireInstance(normalizeIdentifier(identifier, 'DBInstanceIdentifier'));
    this.lifecycle.forceStatus(instance, status);
    return instance;
  }

  /** What the maintenance window does: starts applying every deferred modification. */
  applyPendingModifications(identifier?: string): string[] {
    const instances =
      identifier === undefined
        ? this.state.listInstances()
        : [this.state.requireInstance(normalizeIdentifier(identifier, 'DBInstanceIdentifier'))];
    const started: string[] = [];
    for (const instance of instances) {
      if (isEmpty(instance.pending) || instance.status === 'creating' || instance.status === 'deleting')
        continue;
      instance.applying = { ...instance.applying, ...instance.pending };
      instance.pending = {};
      this.lifecycle.startApplying(instance);
      started.push(instance.identifier);
    }
    return started;
  }

  /** Makes an instance vanish at once, as if deleted outside the operator's knowledge. */
  removeInstance(identifier: string): void {
    const instance = this.state.requireInstance(normalizeIdentifier(identifier, 'DBInstanceIdentifier'));
    this.lifecycle.cancel(instance.identifier);
    this.state.removeInstance(instance.identifier);
    this.lifecycle.releaseServer(instance);
  }

  releaseHeldResponses(): number {
    return this.held.releaseAll();
  }

  /** Back to an empty account with the start-up delays and faults. */
  reset(): void {
    this.lifecycle.close();
    this.snapshots?.close();
    void this.lifecycle.stopServers();
    this.state.clear();
    this.callLog.reset();
    this.held.releaseAll();
    this.faults.reset(this.initial.faults);
    this.lifecycle.delays = this.initial.delays;
  }

  instanceView(instance: DbInstance): InstanceView {
    return {
      ...instance,
      tags: Object.fromEntries(instance.tags),
      endpoint: instance.endpointAddress ? { address: instance.endpointAddress, port: instance.port } : null,
    };
  }

  snapshotView(snapshot: DbSnapshot): SnapshotView {
    return { ...snapshot, tags: Object.fromEntries(snapshot.tags) };
  }
}
