/** Records, origins and configs for the QoS tests. */
import { makeLogEvent, makeMetricPoint, type HeraldRecord, type Identity, type LogEvent, type LogOrigin, type MetricPoint } from '../../src/pipeline/records';
import { qosSchema, type QosConfig } from '../../src/qos/config';

export function identity(app: string, labels: Record<string, string> = {}): Identity {
  return { app, docFragment: app === '' ? '' : `"service":{"name":${JSON.stringify(app)}},"mesos":{"task":{"id":"t1"}}`, labels };
}

export function origin(app: string, labels: Record<string, string> = {}, path = `/sandbox${app || '/node'}/stdout`): LogOrigin {
  return { path, dataset: 'mesos.sandbox', identity: identity(app, labels) };
}

/** `n` lines of `size` bytes of `o`, messages `<tag> <i>`. */
export function lines(o: LogOrigin, n: number, size = 100, tag = 'line', from = 0): LogEvent[] {
  return Array.from({ length: n }, (_, i) => makeLogEvent(o, `${tag} ${from + i}`, (from + i) * size, size, 0, 1_700_000_000_000));
}

export function point(app: string, measurement: string, tags: Record<string, string>): MetricPoint {
  return makeMetricPoint(measurement, tags, { v: 1 }, 1_700_000_000_000, app);
}

export function qos(over: Record<string, unknown> = {}): QosConfig {
  return qosSchema.parse(over);
}

export const isSummary = (r: HeraldRecord): r is LogEvent => r.kind === 'log' && r.dataset === 'herald.qos';

export interface QosFields {
  app: string;
  dropped_lines: number;
  dropped_bytes: number;
  node_dropped_lines: number;
  sampled_lines: number;
  sampled_bytes: number;
  dropped_points: number;
  interval_ms: number;
}

export const qosFields = (e: LogEvent): QosFields => (e.fields as { herald: { qos: QosFields } }).herald.qos;

/** The value of a metric series in the registry's text output, or 0 when absent. */
export function metricValue(text: string, series: string): number {
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}
