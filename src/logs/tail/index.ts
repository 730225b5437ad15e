import { defineComponent } from '../../pipeline/registry';
import { createParser } from '../parse';
import type { LogsConfig } from '../config';
import type { PipelineConfig } from '../../pipeline/config';
import { watchGroupFromConfig } from './config';
import { TailSource, type TailSourceOptions } from './tail-source';
import type { NativeLines } from '../../native/native-lines';

/** The engine settings every tail source takes from the `logs` and `pipeline` sections. */
export function tailEngineOptions(logs: LogsConfig, pipeline: PipelineConfig): Omit<TailSourceOptions, 'name' | 'groups' | 'context' | 'parserFor'> {
  return {
    batchMaxRecords: pipeline.batch_max_records,
    batchMaxBytes: pipeline.batch_max_bytes,
    batchMaxWaitMs: pipeline.batch_max_wait_ms,
    rescanIntervalMs: logs.rescan_interval_ms,
    readChunkBytes: logs.read_chunk_bytes,
    maxOpenFiles: logs.max_open_files,
    closeInactiveMs: logs.close_inactive_ms,
    offsetsWriteIntervalMs: logs.offsets_write_interval_ms,
  };
}

/** Tails the configured `logs.files` (syslog, HAProxy, JSON, plain, glog). */
export const tailSource = defineComponent({
  kind: 'source',
  type: 'tail',
  description: 'Tails log files by glob, with offsets committed after delivery, rotation and truncation handled',
  create: (cfg: { name: string; logs: LogsConfig; pipeline: PipelineConfig; nativeLines?: NativeLines }, context) =>
    new TailSource({
      name: cfg.name,
      groups: cfg.logs.files.map((f, i) => watchGroupFromConfig(f, i)),
      context,
      parserFor: createParser,
      ...tailEngineOptions(cfg.logs, cfg.pipeline),
      ...(cfg.nativeLines === undefined ? {} : { nativeLines: cfg.nativeLines }),
    }),
});
