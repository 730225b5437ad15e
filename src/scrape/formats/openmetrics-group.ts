/**
 * The state of one OpenMetrics metric point group (the samples of one family sharing a label set, minus
 * `le`/`quantile`/the stateset label) and the histogram rules checked when the group ends.
 */
import type { OmType } from './openmetrics';

export interface Group {
  readonly key: string;
  samples: number;
  /** 0 = no sample yet, 1 = samples without timestamps, 2 = with. */
  tsMode: 0 | 1 | 2;
  lastTs: number;
  buckets: number;
  lastLe: number;
  lastBucket: number;
  /** Value of the +Inf bucket, NaN when absent. */
  inf: number;
  negative: boolean;
  hasCount: boolean;
  count: number;
  hasSum: boolean;
  sum: number;
}

export function emptyGroup(key: string): Group {
  return {
    key, samples: 0, tsMode: 0, lastTs: -Infinity, buckets: 0, lastLe: -Infinity, lastBucket: -Infinity,
    inf: NaN, negative: false, hasCount: false, count: NaN, hasSum: false, sum: NaN,
  };
}

/** The histogram rule a finished group breaks, if any. */
export function endGroupViolation(type: OmType, g: Group): string | undefined {
  if (type !== 'histogram' && type !== 'gaugehistogram') return undefined;
  const count = type === 'histogram' ? '_count' : '_gcount';
  const sum = type === 'histogram' ? '_sum' : '_gsum';
  if (g.buckets === 0 && !g.hasCount && !g.hasSum) return undefined;
  if (g.inf !== g.inf) return 'a histogram must have a +Inf bucket';
  if (g.hasCount !== g.hasSum) return `${count} and ${sum} must both be present or both absent`;
  if (g.hasCount && g.count !== g.inf) return `${count} (${g.count}) differs from the +Inf bucket (${g.inf})`;
  if (type === 'histogram' && g.negative && g.hasSum) return 'a histogram with negative buckets must not have a _sum';
  if (!g.negative && g.hasSum && g.sum < 0) return `${sum} is negative without negative buckets`;
  return undefined;
}
