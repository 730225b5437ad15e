/**
 * Builds the pipeline of the fixed shape from a validated configuration:
 *   collectors (files, Mesos sandboxes, Mesos and host metrics, scrape, QoS summaries)
 *   → throttle → redact → router → logs sink (Elasticsearch, or the file output) and
 *                                    metrics sink (InfluxDB, or the file output).
 * The Mesos metadata cache is one shared resource of the pipeline: started first, closed last.
 */
import type { HeraldConfig } from '../config/schema';
import type { ComponentContext } from '../pipeline/context';
import type { Sink, Source, Transform } from '../pipeline/contracts';
import type { HeraldRecord } from '../pipeline/records';
import { FanOut } from '../pipeline/fan-out';
import { Router } from '../pipeline/router';
import { Pipeline, type SharedResource } from '../pipeline/runner';
import { registry } from '../components';
import type { LogsConfig } from '../logs/config';
import type { PipelineConfig } from '../pipeline/config';
import type { FileOutputConfig } from '../sinks/file/config';
import type { ElasticsearchOutputConfig } from '../sinks/elasticsearch/config';
import type { InfluxdbOutputConfig } from '../sinks/influxdb/config';
import { createMesosMetadata, type MesosService } from '../mesos';
import type { MesosMetricsConfig } from '../metrics';
import type { MetricsConfig } from '../metrics/config';
import type { SandboxesComponentConfig } from '../logs/sandbox';
import type { ScrapeConfig } from '../scrape/config';
import type { MesosMetadata } from '../mesos/model';
import { QosSummarySource, type QosConfig, type Throttle } from '../qos';
import type { RedactConfig } from '../redact/config';
import type { RedactTransform } from '../redact/redact-transform';
import { nativeBinding, nativeStatus } from '../native/binding';
import { NativeLines } from '../native/native-lines';
import { ErrorCode, HeraldError } from '../errors';

export interface AssembleOptions {
  /** URL of Herald's own /metrics once the server listens (the scrape collector's `self` target). */
  selfMetricsUrl?: string;
}

export function assemble(config: HeraldConfig, context: ComponentContext, opts: AssembleOptions = {}): Pipeline {
  const resources: SharedResource[] = [];
  const mesos = needsMesos(config) ? createMesosMetadata(config.mesos, context) : undefined;
  if (mesos) resources.push(mesosResource(mesos));

  const redact = registry.get<'transform', { config: RedactConfig }>('transform', 'redact').create({ config: config.redact }, context);
  const sources = buildSources(config, context, mesos, opts, nativeLines(config, context, redact as RedactTransform));
  const transforms: Transform<HeraldRecord>[] = [];
  if (config.qos.enabled) {
    const throttle = registry.get<'transform', { config: QosConfig }>('transform', 'throttle').create({ config: config.qos }, context);
    transforms.push(throttle);
    // Summaries of what the throttle dropped also go out when no batch flows to carry them.
    sources.push(new QosSummarySource(throttle as Throttle, context.logger));
  }
  transforms.push(redact);

  return new Pipeline({
    resources,
    sources,
    transforms,
    sink: buildRouter(config, context),
    context,
    maxInFlightBatches: config.pipeline.max_in_flight_batches,
  });
}

/**
 * The native line engine for the log sources, with the redaction stage's own rule sets (the stage checks
 * that every native block was judged by its app's rule set), or undefined: JavaScript only.
 */
function nativeLines(config: HeraldConfig, context: ComponentContext, redact: RedactTransform): NativeLines | undefined {
  const mode = config.logs.native;
  const binding = mode === 'off' ? undefined : nativeBinding();
  if (binding === undefined) {
    if (mode === 'on') throw new HeraldError(ErrorCode.config, `logs.native: on, but the native line engine is not available: ${nativeStatus()}`);
    context.logger.info({ native: mode === 'off' ? 'logs.native: off' : nativeStatus() }, 'native line engine not in use: log lines are processed in JavaScript');
    return undefined;
  }
  context.logger.info({ native: nativeStatus() }, 'native line engine in use');
  const redaction = redact.redaction;
  return new NativeLines(binding, context.hostname, (app) => (redaction.enabled ? redaction.forApp(app) : undefined));
}

function needsMesos(config: HeraldConfig): boolean {
  return config.logs.sandboxes.enabled || config.metrics.agent.enabled || config.metrics.containers.enabled || (config.scrape.enabled && config.scrape.discovery.enabled);
}

function mesosResource(mesos: MesosService): SharedResource {
  return {
    name: 'mesos',
    // The first /state read resolves true or false and never rejects: an unreachable agent delays nothing
    // beyond the client's timeout and retries, and identity falls back to sandbox paths meanwhile.
    start: () => mesos.metadata.start(),
    close: () => {
      mesos.metadata.close();
      mesos.client.close();
    },
  };
}

function buildSources(
  config: HeraldConfig, context: ComponentContext, mesos: MesosService | undefined, opts: AssembleOptions, lines: NativeLines | undefined,
): Source<HeraldRecord>[] {
  const sources: Source<HeraldRecord>[] = [];
  const native = lines === undefined ? {} : { nativeLines: lines };
  if (config.logs.files.length > 0) {
    const tail = registry.get<'source', { name: string; logs: LogsConfig; pipeline: PipelineConfig; nativeLines?: NativeLines }>('source', 'tail');
    sources.push(tail.create({ name: 'files', logs: config.logs, pipeline: config.pipeline, ...native }, context));
  } else {
    context.logger.info('no log files to tail: logs.files is empty and none of the default system logs exist');
  }
  if (config.logs.sandboxes.enabled && mesos) {
    const sandboxes = registry.get<'source', SandboxesComponentConfig>('source', 'mesos_sandboxes');
    sources.push(sandboxes.create({ name: 'sandboxes', sandboxes: config.logs.sandboxes, logs: config.logs, pipeline: config.pipeline, metadata: mesos.metadata, ...native }, context));
  }
  if (mesos && (config.metrics.agent.enabled || config.metrics.containers.enabled)) {
    const m = registry.get<'source', MesosMetricsConfig>('source', 'mesos_metrics');
    sources.push(m.create({ name: 'mesos_metrics', metrics: config.metrics, mesos: { client: mesos.client, metadata: mesos.metadata } }, context));
  }
  if (config.metrics.host.enabled) {
    const h = registry.get<'source', { name: string; metrics: MetricsConfig }>('source', 'host_metrics');
    sources.push(h.create({ name: 'host_metrics', metrics: config.metrics }, context));
  }
  if (config.scrape.enabled) {
    const s = registry.get<'source', { config: ScrapeConfig; metadata?: MesosMetadata; selfUrl?: string }>('source', 'scrape');
    const selfUrl = opts.selfMetricsUrl;
    sources.push(s.create({ config: config.scrape, ...(mesos ? { metadata: mesos.metadata } : {}), ...(selfUrl === undefined ? {} : { selfUrl }) }, context));
  }
  return sources;
}

/**
 * Logs go to Elasticsearch when configured, metrics to InfluxDB when configured; the file output takes the
 * place of whichever is missing (`enabled: auto`), or keeps a local copy of everything (`always`).
 */
function buildRouter(config: HeraldConfig, context: ComponentContext): Router {
  const out = config.outputs;
  const es = out.elasticsearch;
  const influx = out.influxdb;
  const fileMode = out.file.enabled;
  const fileLogs = fileMode === 'always' || (fileMode === 'auto' && es === undefined);
  const fileMetrics = fileMode === 'always' || (fileMode === 'auto' && influx === undefined);
  let file: Sink<HeraldRecord> | undefined;
  if (fileLogs || fileMetrics) {
    const f = registry.get<'sink', { config: FileOutputConfig; logs: boolean; metrics: boolean }>('sink', 'file');
    file = f.create({ config: out.file, logs: fileLogs, metrics: fileMetrics }, context);
    context.logger.info({ output: (file as { dir?: string }).dir, logs: fileLogs, metrics: fileMetrics }, 'file output: writing what is shipped, or would be');
  }
  const logSinks: Sink<HeraldRecord>[] = [];
  if (es) logSinks.push(registry.get<'sink', { config: ElasticsearchOutputConfig }>('sink', 'elasticsearch').create({ config: es }, context));
  if (fileLogs && file) logSinks.push(file);
  const metricSinks: Sink<HeraldRecord>[] = [];
  if (influx) metricSinks.push(registry.get<'sink', { config: InfluxdbOutputConfig }>('sink', 'influxdb').create({ config: influx }, context));
  if (fileMetrics && file) metricSinks.push(file);
  const one = (sinks: Sink<HeraldRecord>[]) => (sinks.length === 1 ? (sinks[0] as Sink<HeraldRecord>) : new FanOut(sinks));
  return new Router(one(logSinks), one(metricSinks));
}
