/**
 * Starts a throwaway control plane for manual work and keeps it until Ctrl-C:
 *   node dist/src/dev/control-plane/main.js [--no-controller-manager]
 * Prints `export KUBECONFIG=...` on stdout; progress goes to stderr.
 */
import { parseArgs } from 'node:util';
import { startControlPlane } from './control-plane.js';

const { values } = parseArgs({
  options: {
    'no-controller-manager': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: node dist/src/dev/control-plane/main.js [--no-controller-manager]');
  process.exit(0);
}

const say = (line: string) => console.error(`[control-plane] ${line}`);
const controlPlane = await startControlPlane({
  controllerManager: values['no-controller-manager'] ? false : undefined,
  log: say,
});
// The components are unref'd so tests cannot hang on them; this keeps us running.
const keepAlive = setInterval(() => {}, 1 << 30);
say(`API server ${controlPlane.server} ready in ${(controlPlane.startupMs / 1000).toFixed(1)} s`);
say(`admin token ${controlPlane.token}; files and logs in ${controlPlane.dir}`);
say('Ctrl-C stops it and removes that folder');
console.log(`export KUBECONFIG=${controlPlane.kubeconfigPath}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130); // Second Ctrl-C: the exit handler kills what is left.
    stopping = true;
    say('stopping');
    controlPlane.stop().then(
      () => {
        clearInterval(keepAlive);
        say('stopped');
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
