import { postgres } from '../engine/engine.js';
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  RemoveTagsFromResourceCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import type { Registry } from 'prom-client';
import { isThrottlingError } from '@smithy/core/retry';
import { currentLogFields } from '../util/logger.js';
import { CallBudget, type CallBudgetOptions, callerKey } from './call-budget.js';
import {
  awsCallCounter,
  budgetMetrics,
  type CallObserver,
  installCallBudget,
  installCallObserver,
} from './call-metrics.js';
import { instanceFromSdk, recordToTags, snapshotFromSdk, tagsToRecord } from './convert.js';
import { isRdsError, RdsError, toRdsError } from './errors.js';
import type {
  CreateInstanceInput,
  CreateSnapshotInput,
  DeleteInstanceInput,
  InstanceModifications,
  InstancePage,
  PointInTime,
  RdsGateway,
  RdsInstance,
  RdsSnapshot,
  RestoreInstanceInput,
  SnapshotPage,
} from './types.js';

export const LIST_PAGE_SIZE = 100;

export interface SdkGatewayOptions {
  region: string;
  /** Overrides AWS_ENDPOINT_URL_RDS (which the SDK reads by itself). */
  endpoint?: string;
  /** Attempts per call, retries of throttling and 5xx included (SDK standard retry mode). Default 3. */
  maxAttempts?: number;
  /** A call without an answer for this long fails (and is retried). Default 30 000. */
  requestTimeoutMs?: number;
  registry?: Registry;
  observeCall?: CallObserver;
  /** Every call waits for a token of this budget (one per process: one account and region). */
  budget?: CallBudgetOptions;
}

async function call<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw toRdsError(error);
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new RdsError('Transient', 'EmptyResponse', `RDS answered without ${what}`);
  return value;
}

function compact<T extends object>(input: T): T {
  return Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined && value !== ''),
  ) as T;
}

/** The RDS gateway over @aws-sdk/client-rds, with the SDK's default credential chain. */
export class SdkRdsGateway implements RdsGateway {
  readonly client: RDSClient;

  constructor(options: SdkGatewayOptions) {
    this.client = new RDSClient({
      region: options.region,
      retryMode: 'standard',
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: { requestTimeout: options.requestTimeoutMs ?? 30_000, connectionTimeout: 5_000 },
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
    if (options.budget) {
      const budget = new CallBudget(
        options.budget,
        options.registry ? budgetMetrics(options.registry) : undefined,
      );
      installCallBudget(
        this.client,
        budget,
        () => callerKey(currentLogFields()),
        (error) =>
          error instanceof Error && isThrottlingError(error as Parameters<typeof isThrottlingError>[0]),
      );
    }
    const observe = options.observeCall ?? (options.registry ? awsCallCounter(options.registry) : undefined);
    if (observe) installCallObserver(this.client, observe);
  }

  async describeInstance(identifier: string, signal?: AbortSignal): Promise<RdsInstance | undefined> {
    try {
      const output = await call(() =>
        this.client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }), {
          abortSignal: signal,
        }),
      );
      const db = output.DBInstances?.[0];
      return db ? instanceFromSdk(db) : undefined;
    } catch (error) {
      if (isRdsError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  async listInstancesPage(marker: string | undefined, signal?: AbortSignal): Promise<InstancePage> {
    const output = await call(() =>
      this.client.send(
        new DescribeDBInstancesCommand(compact({ MaxRecords: LIST_PAGE_SIZE, Marker: marker })),
        {
          abortSignal: signal,
        },
      ),
    );
    const page: InstancePage = { instances: (output.DBInstances ?? []).map(instanceFromSdk) };
    if (output.Marker) page.marker = output.Marker;
    return page;
  }

  async createInstance(input: CreateInstanceInput, signal?: AbortSignal): Promise<RdsInstance> {
    const command = new CreateDBInstanceCommand(
      compact({
        DBInstanceIdentifier: input.identifier,
        Engine: postgres.rdsEngine,
        DBInstanceClass: input.instanceClass,
        EngineVersion: input.engineVersion,
        AllocatedStorage: input.allocatedStorageGiB,
        MaxAllocatedStorage: input.maxAllocatedStorageGiB,
        StorageType: input.storageType,
        Iops: input.iops,
        StorageThroughput: input.storageThroughputMiBps,
        MultiAZ: input.multiAZ,
        MasterUsername: input.masterUsername,
        MasterUserPassword: input.masterUserPassword,
        DBName: input.databaseName,
        BackupRetentionPeriod: input.backupRetentionDays,
        PreferredBackupWindow: input.backupWindow,
        PreferredMaintenanceWindow: input.maintenanceWindow,
        DeletionProtection: input.deletionProtection,
        PubliclyAccessible: input.publiclyAccessible,
        StorageEncrypted: true,
        KmsKeyId: input.kmsKeyId,
        DBSubnetGroupName: input.subnetGroupName,
        VpcSecurityGroupIds: input.securityGroupIds?.length ? input.securityGroupIds : undefined,
        DBParameterGroupName: input.parameterGroupName,
        CopyTagsToSnapshot: true,
        Tags: recordToTags(input.tags),
      }),
    );
    const output = await call(() => this.client.send(command, { abortSignal: signal }));
    return instanceFromSdk(required(output.DBInstance, 'the instance'));
  }

  async modifyInstance(
    identifier: string,
    changes: InstanceModifications,
    signal?: AbortSignal,
  ): Promise<RdsInstance> {
    const command = new ModifyDBInstanceCommand(
      compact({
        DBInstanceIdentifier: identifier,
        ApplyImmediately: true,
        DBInstanceClass: changes.instanceClass,
        EngineVersion: changes.engineVersion,
        AllowMajorVersionUpgrade: changes.allowMajorVersionUpgrade,
        AllocatedStorage: changes.allocatedStorageGiB,
        MaxAllocatedStorage: changes.maxAllocatedStorageGiB,
        StorageType: changes.storageType,
        Iops: changes.iops,
        StorageThroughput: changes.storageThroughputMiBps,
        MultiAZ: changes.multiAZ,
        BackupRetentionPeriod: changes.backupRetentionDays,
        PreferredBackupWindow: changes.backupWindow,
        PreferredMaintenanceWindow: changes.maintenanceWindow,
        DeletionProtection: changes.deletionProtection,
        PubliclyAccessible: changes.publiclyAccessible,
        VpcSecurityGroupIds: changes.securityGroupIds,
        DBParameterGroupName: changes.parameterGroupName,
        MasterUserPassword: changes.masterUserPassword,
      }),
    );
    const output = await call(() => this.client.send(command, { abortSignal: signal }));
    return instanceFromSdk(required(output.DBInstance, 'the instance'));
  }

  async deleteInstance(
    identifier: string,
    input: DeleteInstanceInput,
    signal?: AbortSignal,
  ): Promise<RdsInstance> {
    const command = new DeleteDBInstanceCommand(
      compact({
        DBInstanceIdentifier: identifier,
        SkipFinalSnapshot: input.finalSnapshotIdentifier === undefined,
        FinalDBSnapshotIdentifier: input.finalSnapshotIdentifier,
        DeleteAutomatedBackups: input.deleteAutomatedBackups,
      }),
    );
    const output = await call(() => this.client.send(command, { abortSignal: signal }));
    return instanceFromSdk(required(output.DBInstance, 'the instance'));
  }

  async createSnapshot(input: CreateSnapshotInput, signal?: AbortSignal): Promise<RdsSnapshot> {
    const command = new CreateDBSnapshotCommand({
      DBInstanceIdentifier: input.instanceIdentifier,
      DBSnapshotIdentifier: input.snapshotIdentifier,
      Tags: recordToTags(input.tags),
    });
    const output = await call(() => this.client.send(command, { abortSignal: signal }));
    return snapshotFromSdk(required(output.DBSnapshot, 'the snapshot'));
  }

  async describeSnapshot(identifier: string, signal?: AbortSignal): Promise<RdsSnapshot | undefined> {
    try {
      const output = await call(() =>
        this.client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: identifier }), {
          abortSignal: signal,
        }),
      );
      const snapshot = output.DBSnapshots?.[0];
      return snapshot ? snapshotFromSdk(snapshot) : undefined;
    } catch (error) {
      if (isRdsError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  async listSnapshotsPage(marker: string | undefined, signal?: AbortSignal): Promise<SnapshotPage> {
    const output = await call(() =>
      this.client.send(
        new DescribeDBSnapshotsCommand(
          compact({ SnapshotType: 'manual', MaxRecords: LIST_PAGE_SIZE, Marker: marker }),
        ),
        { abortSignal: signal },
      ),
    );
    const page: SnapshotPage = { snapshots: (output.DBSnapshots ?? []).map(snapshotFromSdk) };
    if (output.Marker) page.marker = output.Marker;
    return page;
  }

  async deleteSnapshot(identifier: string, signal?: AbortSignal): Promise<RdsSnapshot> {
    const output = await call(() =>
      this.client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: identifier }), {
        abortSignal: signal,
      }),
    );
    return snapshotFromSdk(required(output.DBSnapshot, 'the snapshot'));
  }

  async restoreFromSnapshot(
    snapshotIdentifier: string,
    input: RestoreInstanceInput,
    signal?: AbortSignal,
  ): Promise<RdsInstance> {
    const command = new RestoreDBInstanceFromDBSnapshotCommand(
      compact({ DBSnapshotIdentifier: snapshotIdentifier, ...restoreParameters(input) }),
    );
    const output = await call(() => this.client.send(command, { abortSignal: signal }));
    return instanceFromSdk(required(output.DBInstance, 'the instance'));
  }

  async restoreToPointInTime(
    source: PointInTime,
    input: RestoreInstanceInput,
    signal?: AbortSignal,
  ): Promise<RdsInstance> {
    const { DBInstanceIdentifier, ...parameters } = restoreParameters(input);
    const command = new RestoreDBInstanceToPointInTimeCommand(
      compact({
        SourceDBInstanceIdentifier: source.sourceInstanceIdentifier,
        TargetDBInstanceIdentifier: DBInstanceIdentifier,
        ...(source.time === undefined
          ? { UseLatestRestorableTime: true }
          : { RestoreTime: new Date(source.time) }),
        ...parameters,
      }),
    );
    const output = await call(() => this.client.send(command, { abortSignal: signal }));
    return instanceFromSdk(required(output.DBInstance, 'the instance'));
  }

  async addTags(arn: string, tags: Record<string, string>, signal?: AbortSignal): Promise<void> {
    await call(() =>
      this.client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: recordToTags(tags) }), {
        abortSignal: signal,
      }),
    );
  }

  async removeTags(arn: string, keys: string[], signal?: AbortSignal): Promise<void> {
    await call(() =>
      this.client.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: keys }), {
        abortSignal: signal,
      }),
    );
  }

  async listTags(arn: string, signal?: AbortSignal): Promise<Record<string, string>> {
    const output = await call(() =>
      this.client.send(new ListTagsForResourceCommand({ ResourceName: arn }), { abortSignal: signal }),
    );
    return tagsToRecord(output.TagList);
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** The parameters both restores take, as the SDK names them. */
function restoreParameters(input: RestoreInstanceInput) {
  return {
    DBInstanceIdentifier: input.identifier,
    DBInstanceClass: input.instanceClass,
    AllocatedStorage: input.allocatedStorageGiB,
    StorageType: input.storageType,
    Iops: input.iops,
    StorageThroughput: input.storageThroughputMiBps,
    MultiAZ: input.multiAZ,
    BackupRetentionPeriod: input.backupRetentionDays,
    PreferredBackupWindow: input.backupWindow,
    DeletionProtection: input.deletionProtection,
    PubliclyAccessible: input.publiclyAccessible,
    DBSubnetGroupName: input.subnetGroupName,
    VpcSecurityGroupIds: input.securityGroupIds?.length ? input.securityGroupIds : undefined,
    DBParameterGroupName: input.parameterGroupName,
    CopyTagsToSnapshot: true,
    Tags: recordToTags(input.tags),
  };
}
