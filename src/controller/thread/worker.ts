import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../../config/load.js';
import { loadKubeConfig } from '../../kube/kubeconfig.js';
import { createLogger } from '../../util/logger.js';
import { createRegistry } from '../../util/metrics.js';
import { RECONCILED_KINDS } from '../kinds.js';
import { type RunningController, startController } from '../index.js';
import type { ControllerThreadData, FromController, Request } from './protocol.js';

// The controller's own thread (ADR 0025): its event loop, heap and garbage collector are apart from
// the webhooks', so a fleet being reconciled never delays an admission answer. Its metrics are
// served by the main thread's /metrics (asked for on each scrape), its log lines go to stdout as the
// main thread's do.

const port = parentPort!;
const data = workerData as ControllerThreadData;
const send = (message: FromController) => port.postMessage(message);

/**
 * The controller's thread yields the CPU to the webhooks' when both want it: on Linux a thread's nice
 * value is its own, so this lowers only this thread (a pod may always lower its priority).
 */
const CONTROLLER_NICE = 10;

async function start(): Promise<RunningController> {
  const logger = createLogger({ level: data.logLevel });
  try {
    setPriority(CONTROLLER_NICE);
  } catch (error) {
    logger.info({ err: error }, 'the controller thread keeps its CPU priority');
  }
  // Node's process metrics (CPU, memory) are the main thread's to report; this registry has the controller's.
  const registry = createRegistry({ defaultMetrics: false });
  const controller = await startController({
    kinds: RECONCILED_KINDS,
    kubeConfig: loadKubeConfig(),
    config: loadConfig(data.configPath),
    logger,
    registry,
    leaderElection: { namespace: data.leaseNamespace, name: data.leaseName, identity: data.identity },
    onLeadership: (leading) => send({ notice: 'leadership', leading }),
  });
  port.on('message', (request: Request) => {
    answer(request, controller, registry).then(
      (value) => send({ id: request.id, ok: true, value }),
      (error: Error) => send({ id: request.id, ok: false, message: error.message }),
    );
  });
  return controller;
}

async function answer(
  request: Request,
  controller: RunningController,
  registry: ReturnType<typeof createRegistry>,
): Promise<unknown> {
  switch (request.method) {
    case 'metrics':
      return registry.getMetricsAsJSON();
    case 'resyncNow':
      return controller.resyncNow();
    case 'waitIdle':
      return controller.waitIdle();
    case 'stop':
      await controller.stop();
      // Nothing of the controller's is left: the thread ends once the port no longer holds it.
      port.unref();
      return undefined;
  }
}

start().then(
  () => send({ notice: 'started' }),
  (error: Error) => send({ notice: 'failedToStart', message: error.message }),
);
