/**
 * The `logs` section. With no `files` key at all, Herald tails the usual system logs that exist on this host
 * (so a bare `herald run` is useful anywhere); `files: []` turns that off.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { durationMs, sizeBytes } from '../config/units';
import { tailFileConfigSchema, type TailFileConfig } from './tail/config';
import { DEFAULT_OFFSETS_WRITE_INTERVAL_MS } from './tail/tail-options';
import { sandboxesConfigSchema } from './sandbox/config';

/** Candidates for the default inputs, in order; only those present at load are used. */
export const DEFAULT_SYSTEM_LOGS: { path: string; format: 'syslog' | 'haproxy' }[] = [
  { path: '/var/log/syslog', format: 'syslog' },
  { path: '/var/log/messages', format: 'syslog' },
  { path: '/var/log/haproxy.log', format: 'haproxy' },
];

export const logsSchema = z
  .strictObject({
    files: z
      .array(tailFileConfigSchema)
      .optional()
      .describe('Log files to tail. Default (key absent): those of /var/log/syslog, /var/log/messages and /var/log/haproxy.log that exist'),
    rescan_interval_ms: durationMs('Rescan globs this often, in addition to filesystem events').default(10_000),
    read_chunk_bytes: sizeBytes('Size of the read buffer').default(256 * 1024),
    max_open_files: z.number().int().min(1).default(1024).describe('Open file handles at most; idle files are closed first'),
    sandboxes: sandboxesConfigSchema.prefault({}),
    close_inactive_ms: durationMs('Close the handle of a file with no new data for this long (it is reopened and re-verified later)').default(300_000),
    offsets_write_interval_ms: durationMs('Least time between two writes of an offsets file (each is two fsyncs); shutdown and reload write at once. 0 (default): after every commit, one write at a time, so a crash re-reads only batches that were not acknowledged. A longer interval saves fsyncs on a slow disk, and a crash then also re-reads what was acknowledged since the last write: more duplicates, never a loss').default(DEFAULT_OFFSETS_WRITE_INTERVAL_MS),
    native: z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe('The native line engine (native/, Rust): splits, parses, checks redaction and encodes the lines of the files it can take, several times cheaper than JavaScript, with the same documents. auto: when it is built; on: refuse to start without it; off: JavaScript only'),
  })
  .transform((logs) => ({ ...logs, files: logs.files ?? defaultFiles() }))
  .describe('The logs collector');

/** The default inputs: the DEFAULT_SYSTEM_LOGS that `exists` finds (the real filesystem; tests inject one). */
export function defaultFiles(exists: (path: string) => boolean = existsSync): TailFileConfig[] {
  return DEFAULT_SYSTEM_LOGS.filter((f) => exists(f.path)).map((f) =>
    tailFileConfigSchema.parse({ path: f.path, format: f.format }),
  );
}

export type LogsConfig = z.infer<typeof logsSchema>;
