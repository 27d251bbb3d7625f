import type { Counter, Histogram, Registry } from 'prom-client';
import { counter, histogram, METRIC_PREFIX } from '../util/metrics.js';

export interface ConversionMetrics {
  conversions: Counter<'from' | 'to' | 'result'>;
  reviewDuration: Histogram<'result'>;
}

const CONVERSIONS = 'conversions_total';
const REVIEW_DURATION = 'conversion_review_duration_seconds';

/** The conversion metrics in `registry`, reusing them when another server instance registered them already. */
export function conversionMetrics(registry: Registry): ConversionMetrics {
  const existing = <T>(name: string) => registry.getSingleMetric(METRIC_PREFIX + name) as T | undefined;
  return {
    conversions:
      existing<Counter<'from' | 'to' | 'result'>>(CONVERSIONS) ??
      counter(registry, CONVERSIONS, 'Objects converted by the conversion webhook, by version and result.', [
        'from',
        'to',
        'result',
      ]),
    reviewDuration:
      existing<Histogram<'result'>>(REVIEW_DURATION) ??
      histogram(
        registry,
        REVIEW_DURATION,
        'Time to answer a ConversionReview (HTTP status 200 or 400).',
        ['result'],
        [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      ),
  };
}
