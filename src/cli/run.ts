import { type RunFlags, startOperator } from '../operator.js';

/** `stow run`: the operator until SIGTERM or SIGINT, then a clean stop. */
export async function runOperator(flags: RunFlags): Promise<number> {
  const operator = await startOperator(flags);
  await new Promise<void>((resolveSignal) => {
    process.once('SIGTERM', resolveSignal);
    process.once('SIGINT', resolveSignal);
  });
  await operator.stop();
  return 0;
}
