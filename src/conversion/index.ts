export { ConversionError } from './conversion-error.js';
export {
  assertEveryServedVersionConverts,
  converters,
  convertObject,
  type VersionConverter,
} from './converters.js';
export { type ConversionPluginOptions, conversionPlugin, DEFAULT_CONVERSION_BODY_LIMIT } from './plugin.js';
export { type ConversionReviewResponse, convertReview, type ReviewOutcome } from './review.js';
export { fromHub as v1alpha1FromHub, toHub as v1alpha1ToHub } from './v1alpha1.js';
