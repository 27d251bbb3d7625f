import type { ResyncReport } from '../postgresdb-controller.js';

/** What the operator's main thread hands the controller thread at start (plain data: structured clone). */
export interface ControllerThreadData {
  configPath: string;
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  /** The log level of the main thread's logger. */
  logLevel: string;
}

/** Requests from the main thread, each answered once by a `Reply` with the same id. */
export type Request =
  | { id: number; method: 'metrics' }
  | { id: number; method: 'resyncNow' }
  | { id: number; method: 'waitIdle' }
  | { id: number; method: 'stop' };

export type Reply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; message: string };

/** Unasked messages from the controller thread. */
export type Notice =
  | { notice: 'started' }
  | { notice: 'failedToStart'; message: string }
  | { notice: 'leadership'; leading: boolean };

export type FromController = Reply | Notice;

export type ResyncAnswer = ResyncReport | undefined;
