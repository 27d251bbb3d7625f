import type { FastifyBaseLogger } from 'fastify';
import type { InstanceData } from './instance-data.js';
import type { ServerMode } from './instance-servers.js';

/** How long an instance stays in each transitional status, in milliseconds. */
export interface StateDelays {
  creating: number;
  backingUp: number;
  modifying: number;
  deleting: number;
}

export interface FaultSettings {
  /** Added to every Query API request before it is handled. */
  latencyMs: number;
  /** Fraction (0..1) of calls answered with `Throttling` (HTTP 400) before they take effect. */
  throttleRate: number;
  /** Fraction (0..1) of calls answered with `InternalFailure` (HTTP 500) before they take effect. */
  errorRate: number;
  /** Fraction (0..1) of calls answered with `ServiceUnavailable` (HTTP 503) before they take effect. */
  unavailableRate: number;
  /** The next call of this action takes effect but is never answered (one-shot). */
  holdResponseAfter: string | null;
  /** When set, latency, throttling and errors apply only to these actions. */
  actions: string[] | null;
  /** While true, every snapshot CreateDBSnapshot starts ends `failed` instead of `available`. */
  failSnapshots: boolean;
  /**
   * Every call naming a resource (instance, snapshot or ARN) that starts with one of these is answered
   * `InternalFailure` (HTTP 500): a resource whose calls always fail, beside healthy ones.
   */
  failingResourcePrefixes: string[];
}

export interface RdsEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  delays?: Partial<StateDelays>;
  faults?: Partial<FaultSettings>;
  /** How many recent calls `calls()` keeps; counters are never trimmed. */
  callLogLimit?: number;
  logger?: FastifyBaseLogger;
  /**
   * What snapshots and restores copy. Default: with servers, copies of their data (ServerData);
   * without, nothing.
   */
  instanceData?: InstanceData;
  /**
   * `postgres`: a real PostgreSQL server behind every instance created through the Query API;
   * `none`: no process at all. Default: $STOW_EMULATOR_SERVERS, else `none`.
   */
  servers?: ServerMode;
  /**
   * With servers (and no `instanceData` of the caller's): how often, in milliseconds, each instance
   * with automated backups has its data copied for point-in-time restores, when it changed. Default 60 s.
   */
  copyIntervalMs?: number;
}

export const defaultDelays: Readonly<StateDelays> = {
  creating: 2000,
  backingUp: 1000,
  modifying: 1000,
  deleting: 1000,
};

export const noFaults: Readonly<FaultSettings> = {
  latencyMs: 0,
  throttleRate: 0,
  errorRate: 0,
  unavailableRate: 0,
  holdResponseAfter: null,
  actions: null,
  failSnapshots: false,
  failingResourcePrefixes: [],
};

export const defaultCopyIntervalMs = 60_000;

export const defaultRegion = 'us-east-1';
export const defaultAccountId = '123456789012';
export const defaultCallLogLimit = 1000;
