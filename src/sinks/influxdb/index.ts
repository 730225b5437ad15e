import { defineComponent } from '../../pipeline/registry';
import type { InfluxdbOutputConfig } from './config';
import { InfluxdbSink } from './influxdb-sink';

/** Metric points to InfluxDB 2.x, with a bounded on-disk buffer replayed in order when InfluxDB is back. */
export const influxdbSink = defineComponent({
  kind: 'sink',
  type: 'influxdb',
  description: 'Metric points to InfluxDB 2.x (line protocol, gzip, retries), with a bounded on-disk buffer replayed in order',
  create: (cfg: { config: InfluxdbOutputConfig }, context) => new InfluxdbSink({ config: cfg.config, context }),
});
