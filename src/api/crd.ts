import {
  CATEGORIES,
  CRD_NAME,
  GROUP,
  HUB_VERSION,
  KIND,
  PLURAL,
  SHORT_NAMES,
  SINGULAR,
} from './constants.js';
import { toStructuralSchema } from './structural-schema.js';
import * as v1alpha1 from './v1alpha1.js';
import * as v1beta1 from './v1beta1.js';

export interface CrdOptions {
  /** Conversion webhook target; the Helm chart replaces namespace/name and injects the CA. */
  webhookService?: { namespace: string; name: string; port?: number };
  webhookUrl?: string;
  caBundle?: string;
  /** Served versions to include (an old-style install serves only v1alpha1). */
  versions?: Array<'v1alpha1' | 'v1beta1'>;
}

export const DEFAULT_WEBHOOK_SERVICE = { namespace: 'stow-system', name: 'stow-webhook', port: 443 };

const ageColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** Top-level: only spec is required (apiVersion, kind and metadata are the API server's business). */
function rootSchema(schema: Parameters<typeof toStructuralSchema>[0]) {
  return { ...toStructuralSchema(schema), required: ['spec'] };
}

function versionEntry(name: 'v1alpha1' | 'v1beta1', storage: boolean) {
  if (name === 'v1alpha1') {
    return {
      name,
      served: true,
      storage,
      deprecated: true,
      deprecationWarning: 'stow.dev/v1alpha1 PostgresDB is deprecated; use stow.dev/v1beta1',
      schema: { openAPIV3Schema: rootSchema(v1alpha1.PostgresDB) },
      subresources: { status: {} },
      additionalPrinterColumns: [
        { name: 'Size', type: 'string', jsonPath: '.spec.size' },
        { name: 'Storage', type: 'string', jsonPath: '.spec.storage' },
        { name: 'Ready', type: 'string', jsonPath: '.status.ready' },
        ageColumn,
      ],
    };
  }
  return {
    name,
    served: true,
    storage,
    schema: { openAPIV3Schema: rootSchema(v1beta1.PostgresDB) },
    subresources: { status: {} },
    additionalPrinterColumns: [
      { name: 'Class', type: 'string', jsonPath: '.spec.instanceClass' },
      { name: 'Storage', type: 'integer', jsonPath: '.spec.storage.sizeGiB' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint.address', priority: 0 },
      ageColumn,
    ],
  };
}

/** The PostgresDB CustomResourceDefinition, generated from the same schemas the code uses. */
export function buildCrd(options: CrdOptions = {}): Record<string, unknown> {
  const versions = options.versions ?? ['v1alpha1', 'v1beta1'];
  const storageVersion = versions.includes(HUB_VERSION) ? HUB_VERSION : versions[0];
  const conversion =
    versions.length > 1
      ? {
          strategy: 'Webhook',
          webhook: {
            conversionReviewVersions: ['v1'],
            clientConfig: {
              ...(options.webhookUrl
                ? { url: `${options.webhookUrl.replace(/\/$/, '')}/convert` }
                : { service: { ...DEFAULT_WEBHOOK_SERVICE, ...options.webhookService, path: '/convert' } }),
              ...(options.caBundle ? { caBundle: options.caBundle } : {}),
            },
          },
        }
      : { strategy: 'None' };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: SHORT_NAMES,
        categories: CATEGORIES,
      },
      scope: 'Namespaced',
      conversion,
      versions: versions.map((name) => versionEntry(name, name === storageVersion)),
    },
  };
}
