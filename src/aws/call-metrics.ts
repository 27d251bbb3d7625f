import type { RDSClient } from '@aws-sdk/client-rds';
import type { Registry } from 'prom-client';
import { counter } from '../util/metrics.js';

export type CallObserver = (action: string, outcome: string) => void;

/** `stow_aws_calls_total{action,outcome}`: one count per HTTP attempt, retries included. */
export function awsCallCounter(registry: Registry): CallObserver {
  const calls = counter(registry, 'aws_calls_total', 'RDS API calls by action and outcome (each attempt)', [
    'action',
    'outcome',
  ]);
  return (action, outcome) => calls.inc({ action, outcome });
}

/**
 * Placed after the SDK's retry middleware (finalizeRequest, low priority), so it sees every attempt
 * and the parsed service error: the outcome is `success` or the AWS error code.
 */
export function installCallObserver(client: RDSClient, observe: CallObserver): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const action = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      try {
        const result = await next(args);
        observe(action, 'success');
        return result;
      } catch (error) {
        observe(action, (error as Error).name || 'Error');
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'stowCallObserver' },
  );
}
