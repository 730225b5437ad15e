import { defineComponent } from '../../pipeline/registry';
import type { InfluxdbOutputConfig } from './config';
import type { InfluxdbSink } from './influxdb-sink';

/** Metric points to InfluxDB 2.x, with a bounded on-disk buffer replayed in order when InfluxDB is back. */
export const influxdbSink = defineComponent({
  kind: 'sink',
  type: 'influxdb',
  description: 'Metric points to InfluxDB 2.x (line protocol, gzip, retries), with a bounded on-disk buffer replayed in order',
  create: (cfg: { config: InfluxdbOutputConfig }, context) => {
    const { InfluxdbSink: Sink } = loadSinkModule();
    return new Sink({ config: cfg.config, context });
  },
});

/** Loaded when an InfluxDB output is configured: an agent writing the file output does not need the client. */
function loadSinkModule(): { InfluxdbSink: typeof InfluxdbSink } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load (see above)
  return require('./influxdb-sink') as { InfluxdbSink: typeof InfluxdbSink };
}
