import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../util/logger.js';
import type { RunningController } from '../index.js';
import type { ControllerThreadData, FromController, Request, ResyncAnswer } from './protocol.js';

/** The controller in a thread of its own, as its main-thread handle. */
export interface ControllerThread extends RunningController {
  /** The controller's metrics, for the main thread's /metrics (undefined once it has stopped). */
  metrics(): Promise<object[] | undefined>;
}

type Method = Request['method'];

const STOP_GRACE_MS = 5000;

/** What the webhooks' thread keeps of the process's heap limit (it uses a few tens of MiB). */
export const WEBHOOK_HEAP_MIB = 96;

/**
 * The process's heap limit (`--max-old-space-size`, which the chart sets from the container's memory
 * limit) less what the webhooks keep: every thread has a heap of its own, and together they stay
 * within the one limit.
 */
export function controllerHeapLimitMiB(processLimitBytes = getHeapStatistics().heap_size_limit): number {
  return Math.max(64, Math.floor(processLimitBytes / 2 ** 20) - WEBHOOK_HEAP_MIB);
}

/**
 * Starts the controller thread and resolves once its controller runs (or rejects with why it did not).
 * A thread that dies later ends the process through `onExit`: webhooks without their controller
 * would accept objects nobody reconciles, while a restart (the kubelet's) brings both back.
 */
export function startControllerThread(
  data: ControllerThreadData,
  logger: Logger,
  onExit: (reason: string) => void,
): Promise<ControllerThread> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    workerData: data,
    resourceLimits: { maxOldGenerationSizeMb: controllerHeapLimitMiB() },
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let leading = false;
  let stopping = false;

  const call = (method: Method): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method } satisfies Request);
    });

  return new Promise((resolveStart, rejectStart) => {
    let started = false;
    worker.on('message', (message: FromController) => {
      if ('id' in message) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(new Error(message.message));
      } else if (message.notice === 'leadership') {
        leading = message.leading;
      } else if (message.notice === 'started') {
        started = true;
        resolveStart(handle);
      } else {
        // A thread whose controller did not start is of no use, and would keep the process alive.
        stopping = true;
        rejectStart(new Error(message.message));
        void worker.terminate();
      }
    });
    worker.on('error', (error) => logger.error({ err: error }, 'the controller thread failed'));
    worker.on('exit', (code) => {
      for (const waiter of pending.values()) waiter.reject(new Error('the controller thread ended'));
      pending.clear();
      if (!started)
        rejectStart(new Error(`the controller thread ended before it started (exit code ${code})`));
      else if (!stopping) onExit(`the controller thread ended unexpectedly (exit code ${code})`);
    });

    const handle: ControllerThread = {
      isLeader: () => leading,
      resyncNow: () => call('resyncNow') as Promise<ResyncAnswer>,
      waitIdle: async () => {
        await call('waitIdle');
      },
      metrics: async () => (stopping ? undefined : ((await call('metrics')) as object[])),
      async stop() {
        if (stopping) return;
        stopping = true;
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        await call('stop').catch(() => undefined);
        // Stopped: whatever might still hold the thread (a stray timer) is not worth waiting for.
        const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      },
    };
  });
}
