import type { RDSClient } from '@aws-sdk/client-rds';
import type { Registry } from 'prom-client';
import { counter, gauge, histogram } from '../util/metrics.js';
import type { BudgetObserver, CallBudget } from './call-budget.js';

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

/** `stow_aws_budget_*`: the call budget's rate, the calls waiting for it, and how long they waited. */
export function budgetMetrics(registry: Registry): BudgetObserver {
  const rate = gauge(registry, 'aws_budget_rate', 'RDS calls per second the budget allows now', []);
  const waiting = gauge(registry, 'aws_budget_waiting', 'RDS calls waiting for the budget', []);
  const waited = histogram(
    registry,
    'aws_budget_wait_seconds',
    'How long an RDS call waited for the budget',
    [],
    [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  return {
    rate: (perSecond) => rate.set(perSecond),
    waiting: (count) => waiting.set(count),
    waited: (seconds) => waited.observe(seconds),
  };
}

/**
 * Before each attempt (after the SDK's retry middleware, so retries pay too), one token of the budget,
 * in turn with the other resources waiting; a throttling answer shrinks the budget.
 */
export function installCallBudget(
  client: RDSClient,
  budget: CallBudget,
  caller: () => string,
  isThrottling: (error: unknown) => boolean,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const smithy = (context as { __smithy_context?: { abortSignal?: AbortSignal } }).__smithy_context;
      await budget.acquire(caller(), smithy?.abortSignal);
      try {
        return await next(args);
      } catch (error) {
        if (isThrottling(error)) budget.throttled();
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'stowCallBudget' },
  );
}
