import type { PostgresDBPolicy } from '../api/policy.js';
import type { DatabaseExtension } from '../api/postgres-database.js';
import { type FieldError, fieldError } from '../admission/rules/field-error.js';
import { matchesAny } from './patterns.js';
import { selectorMatches } from './selector.js';

/** A PostgresDatabase placed on the instance of a PostgresDB in another namespace. */
export interface SharedPlacement {
  /** The PostgresDatabase's namespace, and its labels. */
  namespace: string;
  namespaceLabels: Record<string, string>;
  instanceNamespace: string;
  instanceName: string;
}

const named = (policies: readonly PostgresDBPolicy[]) =>
  policies.map((policy) => `PostgresDBPolicy ${JSON.stringify(policy.metadata.name ?? '')}`).join(', ');

/** Of the policies selecting the instance's namespace, those sharing its instances with the placement's namespace. */
function sharingWith(policies: readonly PostgresDBPolicy[], placement: SharedPlacement): PostgresDBPolicy[] {
  return policies.filter(
    (policy) =>
      policy.spec.sharing !== undefined &&
      selectorMatches(policy.spec.sharing.namespaceSelector, placement.namespaceLabels),
  );
}

/**
 * The policies that share this instance with the placement's namespace: each selects the instance's
 * namespace, selects the placement's namespace in `sharing.namespaceSelector`, and lists the instance
 * in `sharing.instances` (or lists none). One is enough: sharing is a grant, and grants add up.
 */
export function grantingPolicies(
  policies: readonly PostgresDBPolicy[],
  placement: SharedPlacement,
): PostgresDBPolicy[] {
  return sharingWith(policies, placement).filter((policy) => {
    const instances = policy.spec.sharing?.instances;
    return instances === undefined || matchesAny(instances, placement.instanceName);
  });
}

/** Why the placement is not allowed, naming the field: none when a policy grants it. */
export function sharingErrors(
  policies: readonly PostgresDBPolicy[],
  placement: SharedPlacement,
): FieldError[] {
  if (grantingPolicies(policies, placement).length) return [];
  const sharing = sharingWith(policies, placement);
  if (sharing.length) {
    const shared = sharing.flatMap((policy) => policy.spec.sharing?.instances ?? []);
    return [
      fieldError(
        'spec.instanceRef.name',
        `is not shared with namespace ${JSON.stringify(placement.namespace)} by ${named(sharing)}; shared: ${shared.join(', ') || 'none'}`,
        placement.instanceName,
      ),
    ];
  }
  return [
    fieldError(
      'spec.instanceRef.namespace',
      `no PostgresDBPolicy shares the instances of this namespace with namespace ${JSON.stringify(placement.namespace)}; ask the platform team for a policy with spec.sharing`,
      placement.instanceNamespace,
    ),
  ];
}

/**
 * The extensions a shared placement may not have: each must match `sharing.extensions` of a granting
 * policy (an extension runs code chosen by whoever installs it, with the master user's rights, on an
 * instance other teams use). `only`, on UPDATE, limits the check to the extensions being added.
 */
export function sharedExtensionErrors(
  granting: readonly PostgresDBPolicy[],
  extensions: readonly DatabaseExtension[],
  only?: ReadonlySet<string>,
): FieldError[] {
  const allowed = granting.flatMap((policy) => policy.spec.sharing?.extensions ?? []);
  return extensions.flatMap((extension, index) =>
    (only && !only.has(extension.name)) || matchesAny(allowed, extension.name)
      ? []
      : [
          fieldError(
            `spec.extensions[${index}].name`,
            `is not allowed on an instance shared by ${named(granting) || 'no PostgresDBPolicy'}; allowed: ${allowed.join(', ') || 'none'}`,
            extension.name,
          ),
        ],
  );
}
