/**
 * A tail source's settings and the defaults of the optional ones, I/O-free: what the engine is configured
 * with, in one place. `tailEngineOptions` (index.ts) fills them from the `logs` and `pipeline` sections; the
 * sandbox source and the tests pass their own.
 */
import type { ComponentContext } from '../../pipeline/context';
import type { LineParser, LogFormat } from '../parse/contract';
import type { WatchGroup } from './groups';
import type { NativeLines } from '../../native/native-lines';

export interface TailSourceOptions {
  /** Source name: the metrics label and the offsets file name (`<stateDir>/offsets/<name>.json`). */
  name: string;
  groups: WatchGroup[];
  context: ComponentContext;
  /** The parser for a format (compiled once per group). */
  parserFor: (format: LogFormat) => LineParser;
  batchMaxRecords: number;
  batchMaxBytes: number;
  batchMaxWaitMs: number;
  /** Periodic glob rescan, in addition to chokidar events (inotify can miss events). */
  rescanIntervalMs: number;
  /** Size of the reused read buffer (raised to max_line_bytes + 1 when smaller). */
  readChunkBytes: number;
  /** Open handles at most (default 1024): idle files are closed first, and reopened (and re-verified) later. */
  maxOpenFiles?: number;
  /** Close the handle of a file without new data for this long (default 5 min). */
  closeInactiveMs?: number;
  /** Check open files for new data, truncation and rotation this often (default 250 ms). */
  pollIntervalMs?: number;
  /** Keep a stored offset whose file is not found for this long (default 24 h). */
  retainMissingMs?: number;
  /** Start offsets writes at least this far apart, except on flush and close (default 0: back to back). */
  offsetsWriteIntervalMs?: number;
  /** The native line engine, when loaded and enabled: the groups it can take are read through it. */
  nativeLines?: NativeLines;
}

/** `logs.offsets_write_interval_ms` by default. */
export const DEFAULT_OFFSETS_WRITE_INTERVAL_MS = 0;

/** The optional settings with their defaults, and the ones derived from others. */
export interface EngineSettings {
  readonly pollIntervalMs: number;
  readonly closeInactiveMs: number;
  readonly retainMissingMs: number;
  /** How long a truncated content is remembered for copies: a minute, or three rescan intervals. */
  readonly ghostTtlMs: number;
  /** At least 1. */
  readonly maxOpenFiles: number;
  readonly offsetsWriteIntervalMs: number;
}

export function engineSettings(opts: TailSourceOptions): EngineSettings {
  return {
    pollIntervalMs: opts.pollIntervalMs ?? 250,
    closeInactiveMs: opts.closeInactiveMs ?? 300_000,
    retainMissingMs: opts.retainMissingMs ?? 86_400_000,
    ghostTtlMs: Math.max(60_000, 3 * opts.rescanIntervalMs),
    maxOpenFiles: Math.max(1, opts.maxOpenFiles ?? 1024),
    offsetsWriteIntervalMs: opts.offsetsWriteIntervalMs ?? DEFAULT_OFFSETS_WRITE_INTERVAL_MS,
  };
}
