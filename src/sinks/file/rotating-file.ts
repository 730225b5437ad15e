/**
 * An append-only file with size rotation and group commit: appends queued while a write/sync is in flight
 * are written together and covered by one fdatasync, so durability costs one sync per flush, not per batch.
 * A failing write (disk full) is retried with backoff; the callers' promises stay pending meanwhile.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, HeraldError, errorMessage } from '../../errors';
import { sleep, withDeadline } from '../../pipeline/timing';

export type FsyncPolicy = 'batch' | 'interval' | 'never';

export interface RotatingFileOptions {
  dir: string;
  base: string; // e.g. "logs"
  ext: string; // e.g. "ndjson"
  maxFileBytes: number;
  maxFiles: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  onError(err: unknown): void;
  onRotate?(path: string): void;
  /**
   * A crash (SIGKILL, power loss) can leave a torn, never-acknowledged tail. On open the file is cut back to
   * its last newline, then also before a last complete line for which this returns true (a bulk action line
   * whose document was torn away).
   */
  isDanglingLine?(line: string): boolean;
}

interface Pending {
  data: Buffer;
  resolve(): void;
  reject(err: Error): void;
}

export class RotatingFile {
  readonly path: string;
  readonly #o: RotatingFileOptions;
  #fh: FileHandle | undefined;
  #size = 0;
  #queue: Pending[] = [];
  #awaitingSync: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #looping = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #seq = 0;

  constructor(o: RotatingFileOptions) {
    this.#o = o;
    this.path = join(o.dir, `${o.base}.${o.ext}`);
    mkdirSync(o.dir, { recursive: true });
    if (o.fsync === 'interval') {
      // Not unref'd: acknowledgements wait on it; close() clears it.
      this.#timer = setInterval(() => this.#intervalSync(), o.fsyncIntervalMs);
    }
  }

  /** Resolves once `data` is written (and synced, per the policy). */
  append(data: Buffer): Promise<void> {
    if (this.#closed) return Promise.reject(new HeraldError(ErrorCode.sinkClosed, `${this.path}: closed`));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ data, resolve, reject });
      if (!this.#looping) {
        this.#looping = true;
        this.#flushing = this.#flushLoop();
      }
    });
  }

  /**
   * `#looping` is cleared synchronously when the loop sees an empty queue: a caller resumed by the last
   * resolve() may append at once, and must start a new loop rather than join one that has ended.
   */
  async #flushLoop(): Promise<void> {
    let backoffMs = 100;
    // No await between the last resolve() and clearing #looping (the finally runs in the same turn).
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const items = this.#queue;
        this.#queue = [];
        // Written with writev, not concatenated: the callers' buffers are written as they are.
        let rest = items.map((i) => i.data);
        for (;;) {
          try {
            const fh = await this.#handleFor(byteCount(rest));
            while (rest.length > 0) {
              const { bytesWritten } = rest.length === 1 ? await fh.write(rest[0] as Buffer) : await fh.writev(rest);
              this.#size += bytesWritten;
              rest = skipBytes(rest, bytesWritten);
            }
            if (this.#o.fsync === 'batch') await fh.datasync();
            break;
          } catch (err) {
            this.#o.onError(err);
            if (this.#closed) {
              for (const i of items) i.reject(new HeraldError(ErrorCode.sinkClosed, `${this.path}: closed while retrying: ${errorMessage(err)}`));
              return;
            }
            await sleep(backoffMs);
            backoffMs = Math.min(backoffMs * 2, 5000);
          }
        }
        backoffMs = 100;
        if (this.#o.fsync === 'interval') this.#awaitingSync.push(...items);
        else for (const i of items) i.resolve();
      }
    } finally {
      this.#looping = false;
    }
  }

  async #handleFor(incoming: number): Promise<FileHandle> {
    if (this.#fh && this.#size > 0 && this.#size + incoming > this.#o.maxFileBytes) await this.#rotate();
    if (!this.#fh) {
      await this.#repairTail();
      this.#fh = await open(this.path, 'a');
      this.#size = (await this.#fh.stat()).size;
    }
    return this.#fh;
  }

  async #repairTail(): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await open(this.path, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const { size } = await fh.stat();
      if (size === 0) return;
      const window = Math.min(size, 4 * 1024 * 1024);
      const buf = Buffer.alloc(window);
      await fh.read(buf, 0, window, size - window);
      let end = buf.lastIndexOf(0x0a) + 1; // keep through the last newline
      if (end === window) {
        if (!this.#o.isDanglingLine) return;
      }
      if (end > 0 && this.#o.isDanglingLine) {
        const prev = buf.lastIndexOf(0x0a, end - 2) + 1;
        if (this.#o.isDanglingLine(buf.toString('utf8', prev, end - 1))) end = prev;
      }
      const keep = size - window + end;
      if (keep < size) {
        await fh.truncate(keep);
        this.#o.onError(new Error(`cut ${size - keep} torn bytes (never acknowledged) from the end of ${this.path}`));
      }
    } finally {
      await fh.close();
    }
  }

  async #rotate(): Promise<void> {
    const fh = this.#fh;
    this.#fh = undefined;
    if (fh) {
      await fh.datasync();
      await this.#resolveSynced();
      await fh.close();
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const rotated = join(this.#o.dir, `${this.#o.base}-${stamp}-${String(++this.#seq).padStart(4, '0')}.${this.#o.ext}`);
    await rename(this.path, rotated);
    this.#o.onRotate?.(rotated);
    await this.#prune();
  }

  /** Keeps the newest maxFiles rotated files (names sort by time). */
  async #prune(): Promise<void> {
    const prefix = `${this.#o.base}-`;
    const rotated = readdirSync(this.#o.dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith(`.${this.#o.ext}`))
      .sort();
    for (const f of rotated.slice(0, Math.max(0, rotated.length - this.#o.maxFiles))) await unlink(join(this.#o.dir, f));
  }

  #intervalSync(): void {
    if (this.#awaitingSync.length === 0 || !this.#fh) return;
    void this.#resolveSynced().catch((err: unknown) => this.#o.onError(err));
  }

  async #resolveSynced(): Promise<void> {
    const items = this.#awaitingSync;
    if (items.length === 0) return;
    this.#awaitingSync = [];
    try {
      await this.#fh?.datasync();
    } catch (err) {
      this.#awaitingSync.unshift(...items); // not durable yet: the next sync (or close) settles them
      throw err;
    }
    for (const i of items) i.resolve();
  }

  /** Waits for queued appends up to the deadline, syncs, closes. Safe to call twice. */
  async close(deadlineMs: number): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const flushing = this.#flushing;
    if (flushing) await withDeadline(flushing, deadlineMs);
    this.#closed = true;
    for (const i of this.#queue) i.reject(new HeraldError(ErrorCode.sinkClosed, `${this.path}: closed before write`));
    this.#queue = [];
    try {
      await this.#resolveSynced();
    } catch (err) {
      for (const i of this.#awaitingSync) i.reject(new HeraldError(ErrorCode.sinkClosed, errorMessage(err)));
    }
    const fh = this.#fh;
    this.#fh = undefined;
    await fh?.close();
  }
}

function byteCount(bufs: readonly Buffer[]): number {
  let n = 0;
  for (const b of bufs) n += b.length;
  return n;
}

/** What is left of `bufs` once their first `n` bytes were written (a short write). */
export function skipBytes(bufs: readonly Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < bufs.length && n >= (bufs[i] as Buffer).length) n -= (bufs[i++] as Buffer).length;
  const rest = bufs.slice(i);
  if (n > 0 && rest.length > 0) rest[0] = (rest[0] as Buffer).subarray(n);
  return rest;
}
