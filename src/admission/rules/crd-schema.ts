import { Compile } from 'typebox/compile';
import { CrdPostgresDBSpec } from '../../api/crd-bounds.js';

/** Compiled once: the mutating webhook asks on every request (ADR 0019). */
const crdSpecChecker = Compile(CrdPostgresDBSpec);

/**
 * Whether the API server's schema for v1beta1 (the types, enums and bounds of the CRD) accepts this
 * spec. A yes or no only: the admission rules say what is wrong, in their own words.
 */
export function fitsCrdSchema(spec: unknown): boolean {
  return crdSpecChecker.Check(spec);
}
