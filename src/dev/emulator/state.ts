import { randomBytes } from 'node:crypto';
import { dbInstanceNotFound, dbSnapshotNotFound, invalidParameterValue } from './errors.js';
import type { DbAutomatedBackup, DbInstance, DbSnapshot } from './model.js';
import { SortedKeys } from './sorted-keys.js';

export type ResourceRef = { kind: 'db'; instance: DbInstance } | { kind: 'snapshot'; snapshot: DbSnapshot };

/** The emulated account in one region: instances and snapshots, indexed for paging by identifier. */
export class EmulatorState {
  /** The per-account part of endpoint host names, like `c9akciq32abc` in real RDS. */
  readonly endpointDomain: string;
  private readonly instances = new Map<string, DbInstance>();
  private readonly instanceIds = new SortedKeys();
  private readonly snapshots = new Map<string, DbSnapshot>();
  private readonly snapshotIds = new SortedKeys();
  /** By the deleted instance's resource id (identifiers may be reused, resource ids never). */
  private readonly retainedBackups = new Map<string, DbAutomatedBackup>();

  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {
    this.endpointDomain = `${randomBytes(6).toString('hex')}.${region}.rds.amazonaws.com`;
  }

  get instanceCount(): number {
    return this.instances.size;
  }

  instanceArn(identifier: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:db:${identifier}`;
  }

  snapshotArn(identifier: string): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:snapshot:${identifier}`;
  }

  endpointAddress(identifier: string): string {
    return `${identifier}.${this.endpointDomain}`;
  }

  getInstance(identifier: string): DbInstance | undefined {
    return this.instances.get(identifier);
  }

  requireInstance(identifier: string): DbInstance {
    const instance = this.instances.get(identifier);
    if (!instance) throw dbInstanceNotFound(identifier);
    return instance;
  }

  addInstance(instance: DbInstance): void {
    this.instances.set(instance.identifier, instance);
    this.instanceIds.add(instance.identifier);
  }

  removeInstance(identifier: string): void {
    this.instances.delete(identifier);
    this.instanceIds.delete(identifier);
  }

  listInstances(): DbInstance[] {
    return this.instanceIds
      .pageAfter(undefined, Number.MAX_SAFE_INTEGER)
      .keys.map((id) => this.instances.get(id)!);
  }

  instancePage(
    after: string | undefined,
    limit: number,
    accept?: (identifier: string) => boolean,
  ): { items: DbInstance[]; more: boolean } {
    const page = this.instanceIds.pageAfter(after, limit, accept);
    return { items: page.keys.map((id) => this.instances.get(id)!), more: page.more };
  }

  getSnapshot(identifier: string): DbSnapshot | undefined {
    return this.snapshots.get(identifier);
  }

  requireSnapshot(identifier: string): DbSnapshot {
    const snapshot = this.snapshots.get(identifier);
    if (!snapshot) throw dbSnapshotNotFound(identifier);
    return snapshot;
  }

  addSnapshot(snapshot: DbSnapshot): void {
    this.snapshots.set(snapshot.identifier, snapshot);
    this.snapshotIds.add(snapshot.identifier);
  }

  removeSnapshot(identifier: string): void {
    this.snapshots.delete(identifier);
    this.snapshotIds.delete(identifier);
  }

  /** A retained automated backup, by the resource id of the deleted instance. */
  getRetainedBackup(resourceId: string): DbAutomatedBackup | undefined {
    return this.retainedBackups.get(resourceId);
  }

  listSnapshots(): DbSnapshot[] {
    return this.snapshotIds
      .pageAfter(undefined, Number.MAX_SAFE_INTEGER)
      .keys.map((id) => this.snapshots.get(id)!);
  }

  snapshotPage(
    after: string | undefined,
    limit: number,
    accept?: (snapshot: DbSnapshot) => boolean,
  ): { items: DbSnapshot[]; more: boolean } {
    const page = this.snapshotIds.pageAfter(
      after,
      limit,
      accept && ((id: string) => accept(this.snapshots.get(id)!)),
    );
    return { items: page.keys.map((id) => this.snapshots.get(id)!), more: page.more };
  }

  automatedBackupArn(): string {
    return `arn:aws:rds:${this.region}:${this.accountId}:auto-backup:ab-${randomBytes(13).toString('hex')}`;
  }

  addRetainedBackup(backup: DbAutomatedBackup): void {
    this.retainedBackups.set(backup.instanceResourceId, backup);
  }

  listRetainedBackups(): DbAutomatedBackup[] {
    return [...this.retainedBackups.values()];
  }

  /** Finds the instance or snapshot an ARN names, with RDS's errors for unknown ones. */
  resolveArn(arn: string): ResourceRef {
    const match = /^arn:aws:rds:([^:]+):(\d{12}):(db|snapshot):(.+)$/.exec(arn);
    if (!match || match[1] !== this.region || match[2] !== this.accountId) {
      throw invalidParameterValue(
        `The specified resource name does not match an RDS resource in this region: ${arn}`,
      );
    }
    const identifier = match[4]!;
    return match[3] === 'db'
      ? { kind: 'db', instance: this.requireInstance(identifier) }
      : { kind: 'snapshot', snapshot: this.requireSnapshot(identifier) };
  }

  clear(): void {
    this.instances.clear();
    this.instanceIds.clear();
    this.snapshots.clear();
    this.snapshotIds.clear();
    this.retainedBackups.clear();
  }
}
