/**
 * What the throttle tracks per app: its bucket and series budget, the identity its summary events carry,
 * and what it lost in the current summary interval and in the current batch. One object per app, with a
 * fixed shape; created on the app's first record and forgotten when idle (see Throttle#evict).
 */
import type { Identity, LogEvent, LogOrigin } from '../pipeline/records';
import { makeLogEvent } from '../pipeline/records';
import type { AppLimits } from './app-limits';
import type { AppCounters } from './qos-metrics';
import { SeriesBudget } from './series-budget';
import { TokenBucket } from './token-bucket';

/** Name of the key of records that carry no app (system logs, node-level metrics). */
export const NODE_APP = '__node__';
export const QOS_DATASET = 'herald.qos';

export class AppState {
  /** The app key (Identity.app / MetricPoint.app), '' for node-level records, or "__other__". */
  readonly key: string;
  /** As shown in summaries and metrics: the key, or "__node__" for ''. */
  readonly name: string;
  limits: AppLimits;
  readonly bucket: TokenBucket;
  series: SeriesBudget | undefined = undefined;
  /** The identity of the app's latest log record: summary events carry it, next to the app's own logs. */
  identity: Identity | undefined = undefined;
  summaryOrigin: LogOrigin | undefined = undefined;
  readonly counters: AppCounters;
  lastSeenUs: number;
  /** Excess lines seen since the app was first tracked: on_excess: sample keeps those with excess % N === 0. */
  excess = 0;
  // The current summary interval.
  droppedLines = 0;
  droppedBytes = 0;
  /** Of droppedLines, those refused by the node ceiling (the app itself was within its limit). */
  nodeDroppedLines = 0;
  sampledLines = 0;
  sampledBytes = 0;
  droppedPoints = 0;
  // The current batch, published to the metrics when the batch is done.
  batchDroppedLines = 0;
  batchDroppedBytes = 0;
  batchSampledLines = 0;
  batchDroppedPoints = 0;
  inBatch = false;

  constructor(key: string, limits: AppLimits, nowUs: number, counters: AppCounters) {
    this.key = key;
    this.name = key === '' ? NODE_APP : key;
    this.limits = limits;
    this.bucket = new TokenBucket(limits, nowUs);
    this.counters = counters;
    this.lastSeenUs = nowUs;
  }

  get pending(): boolean {
    return this.droppedLines > 0 || this.sampledLines > 0 || this.droppedPoints > 0;
  }

  /** Publishes the batch's counts to the app's counters and clears them. */
  publishBatch(): void {
    const c = this.counters;
    if (this.batchDroppedLines > 0) c.droppedLines.inc(this.batchDroppedLines);
    if (this.batchDroppedBytes > 0) c.droppedBytes.inc(this.batchDroppedBytes);
    if (this.batchSampledLines > 0) c.sampledLines.inc(this.batchSampledLines);
    if (this.batchDroppedPoints > 0) c.droppedPoints.inc(this.batchDroppedPoints);
    this.batchDroppedLines = this.batchDroppedBytes = this.batchSampledLines = this.batchDroppedPoints = 0;
    this.inBatch = false;
  }

  /**
   * The summary event of the interval that just ended (call only when `pending`), then a fresh interval.
   * `origin` must be the app's summary origin (path '', dataset herald.qos, the app's identity).
   */
  takeSummary(origin: LogOrigin, elapsedMs: number, wallMs: number, sampleRate: number): LogEvent {
    const seconds = Math.round(elapsedMs / 100) / 10;
    const parts: string[] = [];
    if (this.droppedLines > 0 || this.sampledLines > 0) {
      parts.push(`${this.droppedLines} lines, ${this.droppedBytes} bytes dropped by the throttle`);
    }
    if (this.sampledLines > 0) parts.push(`${this.sampledLines} excess lines kept by sampling (1 in ${sampleRate})`);
    if (this.nodeDroppedLines > 0) parts.push(`${this.nodeDroppedLines} of the dropped lines were over the node ceiling`);
    if (this.droppedPoints > 0) parts.push(`${this.droppedPoints} metric points dropped over the series budget`);
    const message = `app ${this.name}: ${parts.join('; ')} in the last ${seconds} s`;
    const e = makeLogEvent(origin, message, 0, Buffer.byteLength(message), 0, wallMs);
    e.level = 'warn';
    e.fields = {
      herald: {
        qos: {
          app: this.name,
          dropped_lines: this.droppedLines,
          dropped_bytes: this.droppedBytes,
          node_dropped_lines: this.nodeDroppedLines,
          sampled_lines: this.sampledLines,
          sampled_bytes: this.sampledBytes,
          dropped_points: this.droppedPoints,
          interval_ms: Math.round(elapsedMs),
          lines_per_sec: this.limits.linesPerSec,
          bytes_per_sec: this.limits.bytesPerSec,
        },
      },
    };
    this.droppedLines = this.droppedBytes = this.nodeDroppedLines = 0;
    this.sampledLines = this.sampledBytes = this.droppedPoints = 0;
    return e;
  }
}
