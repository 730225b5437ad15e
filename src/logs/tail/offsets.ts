/**
 * The offsets store: `<stateDir>/offsets/<name>.json`, one per tail source.
 *
 * ```json
 * {"version":1,"source":"files","written_ms":1700000000000,"files":[
 *   {"dev":"2049","ino":"1835","fp_bytes":1024,"fp_sha1":"6f1e…","offset":52311,
 *    "path":"/var/log/syslog","group":"files[0]"}]}
 * ```
 * - Positions are the ones the runner committed (every record before them acknowledged by the sinks), plus
 *   the start position of a newly discovered file (0, or its end for `start_at: end`): nothing before a
 *   start position will ever be read, so recording it loses nothing and keeps a restart from applying
 *   `start_at: end` to a file we already started reading.
 * - `truncated` (omitted when empty): contents of files we saw truncated, by fingerprint (always a full
 *   1 KiB), with the committed position reached in them, until `expires_ms`. A copy of such a content
 *   (copytruncate with a glob matching the copy) found after a restart continues there instead of at 0.
 * - `dev`/`ino` are decimal strings (inode numbers may exceed 2^53). `path` and `group` are informational:
 *   a stored entry is matched to a file by dev+ino+fingerprint. `missing_since_ms` marks an entry restored
 *   at start whose file was not found yet (kept for a retention period: its group may be added later).
 * - Written atomically: temp file, fsync, rename over the old file, fsync the directory. Writes are
 *   coalesced: at most one in flight; requests during a write cause exactly one more write with the
 *   latest state. Under load the runner commits ~200 batches a second, and writes back to back (two
 *   fsyncs each) ran ~40 times a second in the foundation benchmark. `minIntervalMs`
 *   (`logs.offsets_write_interval_ms`, 0 by default) spaces their starts, except when flushed (shutdown,
 *   reload): fewer fsyncs on a slow disk, but a crash then also re-reads what was acknowledged since the
 *   last write (more duplicates, never a lost line). With 0, only unacknowledged batches are read again.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode, HeraldError, errorMessage } from '../../errors';
import { FINGERPRINT_MAX_BYTES } from './fingerprint';

export const OFFSETS_VERSION = 1;

export interface StoredPosition {
  dev: string;
  ino: string;
  fpLen: number;
  fpHash: string;
  offset: number;
  path: string;
  group: string;
  missingSinceMs: number | undefined;
}

/** A content seen truncated: a copy of it (same group, same first KiB) continues at `offset`. */
export interface StoredTruncation {
  group: string;
  fpHash: string;
  offset: number;
  expiresMs: number;
}

export interface StoredState {
  files: StoredPosition[];
  truncated: StoredTruncation[];
}

interface StoredTruncationV1 { group: string; fp_bytes: number; fp_sha1: string; offset: number; expires_ms: number }

interface StoredFileV1 {
  dev: string; ino: string; fp_bytes: number; fp_sha1: string; offset: number; path: string; group: string;
  missing_since_ms?: number;
}

function toDisk(p: StoredPosition): StoredFileV1 {
  const out: StoredFileV1 = {
    dev: p.dev, ino: p.ino, fp_bytes: p.fpLen, fp_sha1: p.fpHash, offset: p.offset, path: p.path, group: p.group,
  };
  if (p.missingSinceMs !== undefined) out.missing_since_ms = p.missingSinceMs;
  return out;
}

function fromDisk(v: unknown): StoredPosition | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const str = (k: string) => { const v = o[k]; return typeof v === 'string' ? v : undefined; };
  const int = (k: string) => (Number.isSafeInteger(o[k]) && (o[k] as number) >= 0 ? (o[k] as number) : undefined);
  const dev = str('dev'), ino = str('ino'), fpHash = str('fp_sha1'), fpLen = int('fp_bytes'), offset = int('offset');
  if (dev === undefined || ino === undefined || fpHash === undefined || fpLen === undefined || offset === undefined) {
    return undefined;
  }
  return {
    dev, ino, fpLen, fpHash, offset, path: str('path') ?? '', group: str('group') ?? '',
    missingSinceMs: int('missing_since_ms'),
  };
}

function truncationFromDisk(v: unknown): StoredTruncation | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Partial<Record<keyof StoredTruncationV1, unknown>>;
  const int = (x: unknown) => (Number.isSafeInteger(x) && (x as number) >= 0 ? (x as number) : undefined);
  const offset = int(o.offset), expiresMs = int(o.expires_ms);
  if (typeof o.group !== 'string' || typeof o.fp_sha1 !== 'string' || o.fp_bytes !== FINGERPRINT_MAX_BYTES
    || offset === undefined || expiresMs === undefined) return undefined;
  return { group: o.group, fpHash: o.fp_sha1, offset, expiresMs };
}

/** File-system-safe form of a source name. */
export function offsetsFileName(sourceName: string): string {
  return `${sourceName.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}

export interface OffsetStoreOptions {
  stateDir: string;
  /** The tail source: the file name and the `source` key. */
  sourceName: string;
  /** The positions to write, taken when a write starts. */
  snapshot: () => StoredPosition[];
  /** The truncated contents to write (none by default). */
  truncations?: () => StoredTruncation[];
  logger: Logger;
  onWriteError: () => void;
  /** Wall-clock time for `written_ms`. */
  nowMs: () => number;
  /** Least time from the start of one write to the start of the next, unless flushed (default 0). */
  minIntervalMs?: number;
}

export class OffsetStore {
  readonly file: string;
  private readonly dir: string;
  private readonly sourceName: string;
  private readonly snapshot: () => StoredPosition[];
  private readonly truncations: () => StoredTruncation[];
  private readonly logger: Logger;
  private readonly onWriteError: () => void;
  private readonly nowMs: () => number;
  private readonly minIntervalMs: number;
  private requested = 0;
  private written = 0;
  /** The latest request that must not wait for the interval (flush). */
  private urgent = 0;
  private lastStartMs = -Infinity;
  private dirMade = false;
  private loop: Promise<void> | undefined;
  private waiters: { gen: number; resolve: () => void }[] = [];
  private endPause: (() => void) | undefined;

  constructor(opts: OffsetStoreOptions) {
    this.dir = path.join(opts.stateDir, 'offsets');
    this.file = path.join(this.dir, offsetsFileName(opts.sourceName));
    this.sourceName = opts.sourceName;
    this.snapshot = opts.snapshot;
    this.truncations = opts.truncations ?? (() => []);
    this.logger = opts.logger;
    this.onWriteError = opts.onWriteError;
    this.nowMs = opts.nowMs;
    this.minIntervalMs = opts.minIntervalMs ?? 0;
  }

  /**
   * The stored positions; [] when there is no file yet. An unreadable file (bad JSON) is moved aside as
   * `<file>.corrupt-<ms>` and reported: the files are then read according to `start_at`. A file from a
   * newer Herald (unknown version) stops the source instead of being overwritten.
   */
  async load(): Promise<StoredPosition[]> {
    return (await this.loadState()).files;
  }

  /** The stored positions and truncated contents (see `load`). */
  async loadState(): Promise<StoredState> {
    const empty: StoredState = { files: [], truncated: [] };
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return empty;
      throw new HeraldError(ErrorCode.state, `cannot read offsets file ${this.file}: ${errorMessage(err)}`, { cause: err });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      const aside = `${this.file}.corrupt-${this.nowMs()}`;
      this.logger.error({ file: this.file, aside, err: errorMessage(err) }, 'offsets file is not valid JSON; moved aside');
      await fsp.rename(this.file, aside).catch(() => undefined);
      return empty;
    }
    const version = (doc as { version?: unknown } | null)?.version;
    if (version !== OFFSETS_VERSION) {
      throw new HeraldError(ErrorCode.state, `offsets file ${this.file} has unsupported version ${JSON.stringify(version)}`);
    }
    const files = (doc as { files?: unknown }).files;
    const out: StoredPosition[] = [];
    let bad = 0;
    for (const f of Array.isArray(files) ? files : []) {
      const p = fromDisk(f);
      if (p) out.push(p);
      else bad++;
    }
    const truncated: StoredTruncation[] = [];
    const stored = (doc as { truncated?: unknown }).truncated;
    for (const v of Array.isArray(stored) ? stored : []) {
      const tr = truncationFromDisk(v);
      if (tr) truncated.push(tr);
      else bad++;
    }
    if (bad > 0) this.logger.warn({ file: this.file, bad }, 'ignored malformed entries in offsets file');
    return { files: out, truncated };
  }

  /**
   * Write the current snapshot, at most `minIntervalMs` after the previous write started. Resolves once a
   * write that started after this call has finished (errors are logged and counted, never thrown: the
   * positions stay in memory and the next request writes them again).
   */
  request(): Promise<void> {
    const gen = ++this.requested;
    const done = new Promise<void>((resolve) => this.waiters.push({ gen, resolve }));
    this.loop ??= this.run();
    return done;
  }

  /** Write the current snapshot now, without waiting for the interval; resolves once it is written. */
  writeNow(): Promise<void> {
    const done = this.request();
    this.urgent = this.requested;
    this.endPause?.();
    return done;
  }

  /** Wait for any write in flight or requested, without waiting for the interval. */
  async flush(): Promise<void> {
    if (this.written < this.requested) await this.writeNow();
  }

  private async run(): Promise<void> {
    try {
      while (this.written < this.requested) {
        const wait = this.lastStartMs + this.minIntervalMs - performance.now();
        if (wait > 0 && this.urgent <= this.written) await this.pause(wait);
        const gen = this.requested;
        this.lastStartMs = performance.now();
        try {
          await this.writeOnce(this.snapshot(), this.truncations());
        } catch (err) {
          this.onWriteError();
          this.logger.error({ file: this.file, err: errorMessage(err) }, 'writing offsets failed');
        }
        this.written = gen;
        while (this.waiters.length > 0 && (this.waiters[0] as { gen: number }).gen <= gen) this.waiters.shift()?.resolve();
      }
    } finally {
      this.loop = undefined; // synchronously with the last check: a request after this starts a new loop
    }
  }

  /** Opens the temp file, making the directory first when it is not known to exist (or went away). */
  private async openTemp(tmp: string): Promise<FileHandle> {
    if (this.dirMade) {
      try {
        return await fsp.open(tmp, 'w', 0o644);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    await fsp.mkdir(this.dir, { recursive: true });
    this.dirMade = true;
    return fsp.open(tmp, 'w', 0o644);
  }

  /** Sleeps `ms`, or until writeNow(). */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.endPause?.(), ms);
      this.endPause = () => {
        clearTimeout(timer);
        this.endPause = undefined;
        resolve();
      };
    });
  }

  private async writeOnce(positions: StoredPosition[], truncated: StoredTruncation[]): Promise<void> {
    const doc: Record<string, unknown> = {
      version: OFFSETS_VERSION, source: this.sourceName, written_ms: this.nowMs(), files: positions.map(toDisk),
    };
    if (truncated.length > 0) {
      doc['truncated'] = truncated.map((tr): StoredTruncationV1 => ({
        group: tr.group, fp_bytes: FINGERPRINT_MAX_BYTES, fp_sha1: tr.fpHash, offset: tr.offset, expires_ms: tr.expiresMs,
      }));
    }
    const body = JSON.stringify(doc);
    const tmp = `${this.file}.tmp`;
    const fh = await this.openTemp(tmp);
    try {
      await fh.writeFile(body, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, this.file);
    const dh = await fsp.open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
