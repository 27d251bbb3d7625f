export * from './constants.js';
export { buildCrd, type CrdOptions } from './crd.js';
export * as v1alpha1 from './v1alpha1.js';
export * as v1beta1 from './v1beta1.js';
