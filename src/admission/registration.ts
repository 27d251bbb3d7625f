import { GROUP, HUB_VERSION, PLURAL } from '../api/constants.js';
import { type WebhookTarget, webhookClientConfig } from '../api/webhook-client-config.js';

export type { WebhookTarget } from '../api/webhook-client-config.js';

export const MUTATING_CONFIGURATION_NAME = 'stow-mutating';
export const VALIDATING_CONFIGURATION_NAME = 'stow-validating';

function webhook(name: string, target: WebhookTarget, path: string) {
  return {
    name,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    // v1alpha1 requests are converted and admitted as v1beta1, so one set of rules covers both.
    matchPolicy: 'Equivalent',
    timeoutSeconds: 10,
    clientConfig: webhookClientConfig(target, path),
    rules: [
      {
        apiGroups: [GROUP],
        apiVersions: [HUB_VERSION],
        operations: ['CREATE', 'UPDATE'],
        resources: [PLURAL],
        scope: 'Namespaced',
      },
    ],
  };
}

/** The Mutating and Validating webhook configurations for a webhook server at `target`. */
export function buildWebhookConfigurations(target: WebhookTarget): Array<Record<string, unknown>> {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: MUTATING_CONFIGURATION_NAME },
      webhooks: [{ ...webhook(`mutate.${PLURAL}.${GROUP}`, target, '/mutate'), reinvocationPolicy: 'Never' }],
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: VALIDATING_CONFIGURATION_NAME },
      webhooks: [webhook(`validate.${PLURAL}.${GROUP}`, target, '/validate')],
    },
  ];
}
