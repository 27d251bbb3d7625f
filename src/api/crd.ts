import {
  CATEGORIES,
  CRD_NAME,
  DATABASE_KIND,
  DATABASE_PLURAL,
  DATABASE_SHORT_NAMES,
  DATABASE_SINGULAR,
  GROUP,
  HUB_VERSION,
  KIND,
  PLURAL,
  POLICY_KIND,
  POLICY_PLURAL,
  POLICY_SHORT_NAMES,
  POLICY_SINGULAR,
  SHORT_NAMES,
  SINGULAR,
  SNAPSHOT_KIND,
  SNAPSHOT_PLURAL,
  SNAPSHOT_SHORT_NAMES,
  SNAPSHOT_SINGULAR,
} from './constants.js';
import { CrdPostgresDB } from './crd-bounds.js';
import { PostgresDBPolicy } from './policy.js';
import { PostgresDatabase } from './postgres-database.js';
import { PostgresDBSnapshot } from './postgres-db-snapshot.js';
import { webhookClientConfig } from './webhook-client-config.js';
import { toStructuralSchema } from './structural-schema.js';
import * as v1alpha1 from './v1alpha1.js';

export interface CrdOptions {
  /** Conversion webhook target; the Helm chart replaces namespace/name and injects the CA. */
  webhookService?: { namespace: string; name: string; port?: number };
  webhookUrl?: string;
  caBundle?: string;
  /** Served versions to include (an old-style install serves only v1alpha1). */
  versions?: Array<'v1alpha1' | 'v1beta1'>;
}

export const DEFAULT_WEBHOOK_SERVICE = { namespace: 'stow-system', name: 'stow-webhook', port: 443 };

const column = (name: string, type: string, jsonPath: string, description: string) => ({
  name,
  type,
  jsonPath,
  description,
});
const ageColumn = column('Age', 'date', '.metadata.creationTimestamp', 'Time since creation');

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
        column('Size', 'string', '.spec.size', 'RDS instance class'),
        column('Storage', 'string', '.spec.storage', 'Allocated storage in GiB'),
        column('Ready', 'string', '.status.ready', 'Raw RDS instance status, e.g. available'),
        ageColumn,
      ],
    };
  }
  return {
    name,
    served: true,
    storage,
    schema: { openAPIV3Schema: rootSchema(CrdPostgresDB) },
    subresources: { status: {} },
    additionalPrinterColumns: [
      column('Class', 'string', '.spec.instanceClass', 'RDS instance class'),
      column('Storage', 'integer', '.spec.storage.sizeGiB', 'Allocated storage in GiB'),
      column('Phase', 'string', '.status.phase', 'Coarse lifecycle phase'),
      column(
        'Ready',
        'string',
        '.status.conditions[?(@.type=="Ready")].status',
        'Whether the database can be connected to (the Ready condition)',
      ),
      {
        ...column('Endpoint', 'string', '.status.endpoint.address', 'Host name of the instance'),
        priority: 0,
      },
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
            clientConfig: webhookClientConfig(
              {
                url: options.webhookUrl,
                service: { ...DEFAULT_WEBHOOK_SERVICE, ...options.webhookService },
                caBundle: options.caBundle,
              },
              '/convert',
            ),
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

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description: string;
  priority?: number;
}

/** A kind served in the hub version only: no conversion, one schema. */
function singleVersionCrd(kind: {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  schema: Parameters<typeof toStructuralSchema>[0];
  statusSubresource: boolean;
  columns: PrinterColumn[];
}): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${kind.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        categories: CATEGORIES,
      },
      scope: kind.scope,
      versions: [
        {
          name: HUB_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: rootSchema(kind.schema) },
          ...(kind.statusSubresource ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: [...kind.columns, ageColumn],
        },
      ],
    },
  };
}

/** The cluster-scoped PostgresDBPolicy CustomResourceDefinition (one version, no conversion). */
export function buildPolicyCrd(): Record<string, unknown> {
  return singleVersionCrd({
    kind: POLICY_KIND,
    plural: POLICY_PLURAL,
    singular: POLICY_SINGULAR,
    shortNames: POLICY_SHORT_NAMES,
    scope: 'Cluster',
    schema: PostgresDBPolicy,
    statusSubresource: false,
    columns: [
      column('Namespaces', 'string', '.spec.namespaceSelector', 'Label selector of the namespaces governed'),
      column('Classes', 'string', '.spec.instanceClasses', 'Instance classes allowed'),
      column('Public', 'boolean', '.spec.allowPublicAccess', 'Whether public access is allowed'),
      column('Adoption', 'boolean', '.spec.adoption.enabled', 'Whether adoption is enabled'),
      column('Deletion', 'string', '.spec.deletionPolicies', 'Deletion policies allowed'),
    ],
  });
}

/** The namespaced PostgresDatabase CustomResourceDefinition (one version, no conversion). */
export function buildDatabaseCrd(): Record<string, unknown> {
  return singleVersionCrd({
    kind: DATABASE_KIND,
    plural: DATABASE_PLURAL,
    singular: DATABASE_SINGULAR,
    shortNames: DATABASE_SHORT_NAMES,
    scope: 'Namespaced',
    schema: PostgresDatabase,
    statusSubresource: true,
    columns: [
      column('Instance', 'string', '.spec.instanceRef.name', 'The PostgresDB holding the database'),
      {
        ...column('Instance Namespace', 'string', '.spec.instanceRef.namespace', 'Its namespace, if another'),
        priority: 1,
      },
      column('Database', 'string', '.spec.databaseName', 'Name of the database in the instance'),
      { ...column('Owner', 'string', '.spec.owner', 'Role owning the database'), priority: 1 },
      column('Phase', 'string', '.status.phase', 'Coarse lifecycle phase'),
      column('Ready', 'string', '.status.conditions[?(@.type=="Ready")].status', 'Whether it is ready'),
    ],
  });
}

/** The namespaced PostgresDBSnapshot CustomResourceDefinition (one version, no conversion). */
export function buildSnapshotCrd(): Record<string, unknown> {
  return singleVersionCrd({
    kind: SNAPSHOT_KIND,
    plural: SNAPSHOT_PLURAL,
    singular: SNAPSHOT_SINGULAR,
    shortNames: SNAPSHOT_SHORT_NAMES,
    scope: 'Namespaced',
    schema: PostgresDBSnapshot,
    statusSubresource: true,
    columns: [
      column('Source', 'string', '.spec.postgresDBRef.name', 'The PostgresDB snapshotted'),
      column('Phase', 'string', '.status.phase', 'Pending, Creating, Available, Deleting or Failed'),
      column('Size', 'integer', '.status.sizeGiB', 'Allocated storage of the instance snapshotted, in GiB'),
      { ...column('Engine', 'string', '.status.engineVersion', 'PostgreSQL version'), priority: 1 },
      {
        ...column('Identifier', 'string', '.status.snapshotIdentifier', 'RDS DB snapshot identifier'),
        priority: 1,
      },
      column(
        'Deletion',
        'string',
        '.spec.deletionPolicy',
        'Retain or Delete the RDS snapshot with this resource',
      ),
      column(
        'Ready',
        'string',
        '.status.conditions[?(@.type=="Ready")].status',
        'Whether it can be restored from',
      ),
    ],
  });
}

/**
 * Every CRD Stow serves, by plural, PostgresDB's first (its conversion webhook takes `options`); the
 * chart holds each as `helm/stow/files/<plural>.stow.dev.yaml`. A new kind is a line here.
 */
export function buildAllCrds(
  options: CrdOptions = {},
): Array<{ plural: string; crd: Record<string, unknown> }> {
  return [
    { plural: PLURAL, crd: buildCrd(options) },
    { plural: POLICY_PLURAL, crd: buildPolicyCrd() },
    { plural: DATABASE_PLURAL, crd: buildDatabaseCrd() },
    { plural: SNAPSHOT_PLURAL, crd: buildSnapshotCrd() },
  ];
}
