/**
 * Admission runs on the v1beta1 form (matchPolicy: Equivalent). A user who applied v1alpha1 should
 * read their own field names in a denial, so hub paths are translated back for them.
 */
const HUB_TO_ALPHA: Array<[string, string]> = [
  ['spec.storage.sizeGiB', 'spec.storage'],
  ['spec.storage.type', 'spec.storageType'],
  ['spec.storage.iops', 'spec.iops'],
  ['spec.instanceClass', 'spec.size'],
];

export function toAlphaFieldPath(path: string): string {
  for (const [hub, alpha] of HUB_TO_ALPHA) {
    if (path === hub || path.startsWith(`${hub}.`) || path.startsWith(`${hub}[`))
      return alpha + path.slice(hub.length);
  }
  return path;
}
