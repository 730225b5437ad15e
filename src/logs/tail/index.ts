import { defineComponent } from '../../pipeline/registry';
import { createParser } from '../parse';
import type { LogsConfig } from '../config';
import type { PipelineConfig } from '../../pipeline/config';
import { watchGroupFromConfig } from './config';
import { TailSource } from './tail-source';

/** Tails the configured `logs.files` (syslog, HAProxy, JSON, plain, glog). */
export const tailSource = defineComponent({
  kind: 'source',
  type: 'tail',
  description: 'Tails log files by glob, with offsets committed after delivery, rotation and truncation handled',
  create: (cfg: { name: string; logs: LogsConfig; pipeline: PipelineConfig }, context) =>
    new TailSource({
      name: cfg.name,
      groups: cfg.logs.files.map((f, i) => watchGroupFromConfig(f, i)),
      context,
      parserFor: createParser,
      batchMaxRecords: cfg.pipeline.batch_max_records,
      batchMaxBytes: cfg.pipeline.batch_max_bytes,
      batchMaxWaitMs: cfg.pipeline.batch_max_wait_ms,
      rescanIntervalMs: cfg.logs.rescan_interval_ms,
      readChunkBytes: cfg.logs.read_chunk_bytes,
      maxOpenFiles: cfg.logs.max_open_files,
      closeInactiveMs: cfg.logs.close_inactive_ms,
    }),
});
