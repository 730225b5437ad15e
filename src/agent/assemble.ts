/**
 * Builds the pipeline of the fixed shape from a validated configuration: collectors (sources), then the
 * transforms, then the router to the logs and metrics sinks.
 */
import type { HeraldConfig } from '../config/schema';
import type { ComponentContext } from '../pipeline/context';
import type { Sink, Source } from '../pipeline/contracts';
import type { HeraldRecord } from '../pipeline/records';
import { Router } from '../pipeline/router';
import { Pipeline } from '../pipeline/runner';
import { registry } from '../components';
import type { LogsConfig } from '../logs/config';
import type { PipelineConfig } from '../pipeline/config';
import type { FileOutputConfig } from '../sinks/file/config';

export function assemble(config: HeraldConfig, context: ComponentContext): Pipeline {
  const sources: Source<HeraldRecord>[] = [];
  if (config.logs.files.length > 0) {
    const tail = registry.get<'source', { name: string; logs: LogsConfig; pipeline: PipelineConfig }>('source', 'tail');
    sources.push(tail.create({ name: 'files', logs: config.logs, pipeline: config.pipeline }, context));
  } else {
    context.logger.warn('no log files to tail: logs.files is empty and none of the default system logs exist');
  }

  const file = config.outputs.file;
  const fileFactory = registry.get<'sink', { config: FileOutputConfig; logs: boolean; metrics: boolean }>('sink', 'file');
  // The embedded output takes the place of Elasticsearch and InfluxDB when they are not configured.
  const fileSink: Sink<HeraldRecord> = fileFactory.create({ config: file, logs: file.enabled !== 'never', metrics: file.enabled !== 'never' }, context);
  const router = new Router(fileSink, fileSink);
  context.logger.info({ output: (fileSink as { dir?: string }).dir }, 'embedded file output: writing what would be shipped');

  return new Pipeline({
    sources,
    transforms: [],
    sink: router,
    context,
    maxInFlightBatches: config.pipeline.max_in_flight_batches,
  });
}
