/**
 * The shared vocabulary of the Prometheus text and OpenMetrics parsers: what a sample is to the code that
 * turns samples into points (`SampleHandler`), the parse result, and the parse error with its line number.
 *
 * Parsers call the handler once per sample as they go (no intermediate objects), so a payload that fails
 * half-way has already delivered the samples before the error: "a half-failed scrape sends what it got".
 */
import { ErrorCode, HeraldError } from '../../errors';

/** What a sample is within its family; decides the InfluxDB field it becomes (see src/scrape/README.md). */
export const Role = {
  /** gauge, unknown/untyped, counter `_total` (or a text-format counter), info: field `value`. */
  value: 0,
  /** `_created` of counters, histograms, summaries: a timestamp, not mapped. */
  created: 1,
  /** histogram / gaugehistogram `_bucket`: field `le_<bound>`. */
  bucket: 2,
  count: 3,
  sum: 4,
  gcount: 5,
  gsum: 6,
  /** summary `{quantile=...}`: field `q_<quantile>`. */
  quantile: 7,
  /** stateset: field `<state>` (the value of the label named after the family). */
  state: 8,
} as const;
export type RoleValue = (typeof Role)[keyof typeof Role];

export interface SampleHandler {
  /**
   * One sample. `labels` holds [name, value, name, value, ...] in payload order and is reused by the parser:
   * it is valid only during the call. `bound` is the `le` or `quantile` value (NaN otherwise). `timestampMs`
   * is NaN when the sample has none.
   */
  sample(family: string, role: RoleValue, name: string, labels: readonly string[], bound: number, value: number, timestampMs: number): void;
}

/** The first error of a payload: 1-based line number and a reason an operator can act on. */
export class ExpositionError extends HeraldError {
  readonly line: number;
  readonly reason: string;
  constructor(line: number, reason: string) {
    super(ErrorCode.parse, `line ${line}: ${reason}`);
    this.name = 'ExpositionError';
    this.line = line;
    this.reason = reason;
  }
}

export interface ParseResult {
  /** Metric families seen (declared by metadata or by samples). */
  families: number;
  /** Samples delivered to the handler. */
  samples: number;
  /** The error that stopped parsing; samples before it were delivered. */
  error: ExpositionError | undefined;
  /**
   * OpenMetrics value rules broken (negative or NaN counters, histogram buckets out of order, count not equal
   * to the +Inf bucket, ...). Strict parsing turns the first one into `error`; lenient parsing counts them
   * and keeps the samples, because real exporters (client_golang histograms with negative buckets and a
   * `_sum`) break them and their data is still worth having.
   */
  violations: number;
  firstViolation: string | undefined;
}

export function emptyResult(): ParseResult {
  return { families: 0, samples: 0, error: undefined, violations: 0, firstViolation: undefined };
}
