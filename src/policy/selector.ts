import type { LabelSelector } from '../api/policy.js';

/** Kubernetes label-selector semantics; an empty or absent selector selects everything. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, key);
    const value = labels[key];
    const ok =
      operator === 'Exists'
        ? present
        : operator === 'DoesNotExist'
          ? !present
          : operator === 'In'
            ? present && values.includes(value as string)
            : !present || !values.includes(value as string);
    if (!ok) return false;
  }
  return true;
}
