import { z } from 'zod';
import { sizeBytes, durationMs } from '../../config/units';

/** The embedded default output: what Herald would ship, written to size-rotated local files. */
export const fileOutputSchema = z
  .strictObject({
    enabled: z
      .enum(['auto', 'true', 'false'])
      .or(z.boolean())
      .default('auto')
      .transform((v) => (v === true || v === 'true' ? 'always' : v === false || v === 'false' ? 'never' : 'auto'))
      .describe('auto: on for logs when no elasticsearch output is set, and for metrics when no influxdb output is set'),
    dir: z.string().optional().describe('Directory of the output files (default: <state_dir>/output)'),
    max_file_bytes: sizeBytes('Rotate the current file once it exceeds this size').default(100 * 1024 * 1024),
    max_files: z.number().int().min(1).default(10).describe('Rotated files kept per kind; the oldest is deleted beyond this'),
    fsync: z
      .enum(['batch', 'interval', 'never'])
      .default('batch')
      .describe('batch: fdatasync before acknowledging each write (group commit); interval: every fsync_interval_ms, acknowledging after that sync; never: acknowledge after write(2) (survives a crash of Herald, not of the host)'),
    fsync_interval_ms: durationMs('Sync period for fsync: interval').default(1000),
    index: z.string().default('herald-logs-%Y.%m.%d').describe('The _index written in each bulk action line (%Y %m %d from the event date, UTC)'),
  })
  .describe('Embedded file output');

export type FileOutputConfig = z.infer<typeof fileOutputSchema>;
