import { DATABASE_PLURAL, GROUP, HUB_VERSION, PLURAL, SNAPSHOT_PLURAL } from '../api/constants.js';
import { type WebhookTarget, webhookClientConfig } from '../api/webhook-client-config.js';

export type { WebhookTarget } from '../api/webhook-client-config.js';

export const MUTATING_CONFIGURATION_NAME = 'stow-mutating';
export const VALIDATING_CONFIGURATION_NAME = 'stow-validating';

/** Where each kind's webhooks are served, by resource (plural). PostgresDB keeps its original paths. */
export const ADMISSION_PATHS = {
  [PLURAL]: { mutate: '/mutate', validate: '/validate' },
  [DATABASE_PLURAL]: {
    mutate: `/mutate/${DATABASE_PLURAL}`,
    validate: `/validate/${DATABASE_PLURAL}`,
  },
  [SNAPSHOT_PLURAL]: {
    mutate: `/mutate/${SNAPSHOT_PLURAL}`,
    validate: `/validate/${SNAPSHOT_PLURAL}`,
  },
} as const;

const ADMITTED = Object.keys(ADMISSION_PATHS) as Array<keyof typeof ADMISSION_PATHS>;

function webhook(name: string, target: WebhookTarget, path: string, resource: string) {
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
        resources: [resource],
        scope: 'Namespaced',
      },
    ],
  };
}

/** The Mutating and Validating webhook configurations for a webhook server at `target`: one webhook per kind in each. */
export function buildWebhookConfigurations(target: WebhookTarget): Array<Record<string, unknown>> {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: MUTATING_CONFIGURATION_NAME },
      webhooks: ADMITTED.map((resource) => ({
        ...webhook(`mutate.${resource}.${GROUP}`, target, ADMISSION_PATHS[resource].mutate, resource),
        reinvocationPolicy: 'Never',
      })),
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: VALIDATING_CONFIGURATION_NAME },
      webhooks: ADMITTED.map((resource) =>
        webhook(`validate.${resource}.${GROUP}`, target, ADMISSION_PATHS[resource].validate, resource),
      ),
    },
  ];
}
