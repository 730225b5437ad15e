/** The InfluxDB sink's own metrics (names used by deploy/ dashboards and alerts: rename both together). */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '../../observability/metrics';

/** What the buffer gauges are read from (the DiskBuffer). */
export interface BufferContents {
  readonly bytes: number;
  readonly points: number;
  readonly segmentCount: number;
}

export class SinkMetrics {
  readonly written: Counter<'path'>;
  readonly buffered: Counter;
  readonly dropped: Counter<'reason'>;
  readonly bufferDropped: Counter;
  readonly adjusted: Counter<'reason'>;
  readonly bufferBytes: Gauge;
  readonly bufferPoints: Gauge;
  readonly bufferSegments: Gauge;
  readonly requestSeconds: Histogram<'result'>;

  constructor(r: Registry) {
    this.written = counter(r, 'herald_influxdb_points_written_total', 'Points InfluxDB acknowledged, live or replayed from the buffer', ['path']);
    this.buffered = counter(r, 'herald_influxdb_points_buffered_total', 'Points appended to the on-disk buffer');
    this.dropped = counter(r, 'herald_influxdb_points_dropped_total', 'Points dropped: unwritable, or refused by InfluxDB, by reason', ['reason']);
    this.bufferDropped = counter(r, 'herald_influxdb_buffer_dropped_points_total', 'Points the buffer bound (max_bytes) forced out, per the overflow policy');
    this.adjusted = counter(r, 'herald_influxdb_encode_adjustments_total', 'Tags, fields or names changed because line protocol cannot carry them', ['reason']);
    this.bufferBytes = gauge(r, 'herald_influxdb_buffer_bytes', 'Bytes in the on-disk buffer');
    this.bufferPoints = gauge(r, 'herald_influxdb_buffer_points', 'Points in the on-disk buffer');
    this.bufferSegments = gauge(r, 'herald_influxdb_buffer_segments', 'Segment files in the on-disk buffer');
    this.requestSeconds = histogram(r, 'herald_influxdb_request_duration_seconds', 'Write request latency, by result', ['result'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
  }

  /** The buffer gauges, from what the buffer holds now. */
  publishBuffer(b: BufferContents): void {
    this.bufferBytes.set(b.bytes);
    this.bufferPoints.set(b.points);
    this.bufferSegments.set(b.segmentCount);
  }
}
