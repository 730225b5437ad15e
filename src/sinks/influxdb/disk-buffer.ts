/**
 * The bounded on-disk buffer of line protocol that InfluxDB has not taken yet: numbered segment files
 * (`<16-digit seq>.lp`, newline-terminated lines) under one directory, oldest first.
 *
 * Invariants:
 * - append() resolves 'buffered' only once the bytes are written and fdatasync'ed (and the directory synced
 *   after a segment file was created): from then on the buffer owns the points and their source may commit.
 *   Appends queued while a write is in flight share one write + sync (group commit).
 * - Bytes are reserved synchronously in append(), so the bound (max_bytes) is exact and applied in call
 *   order. drop_oldest evicts whole segments, oldest first, never one being replayed or still being written;
 *   drop_newest (or nothing left to evict) refuses the incoming batch. Evicted/refused points go to onDrop.
 * - next() hands out the oldest durable segment (sealing the tail, so new appends start a new segment);
 *   remove() deletes it only after the server acknowledged all of it. A crash between the two re-sends that
 *   segment once: identical points (same series and timestamp) overwrite each other in InfluxDB.
 * - open() finds the segments of a previous run, cuts a torn tail (bytes after the last newline: never
 *   acknowledged) and counts their points.
 *
 * This file is the buffer's I/O: the directory, group-committed writes, file handles, deletions and the
 * wait for a segment to replay. Which segments exist, the bound and what to evict are segment-ledger.ts.
 */
import { constants, mkdirSync } from 'node:fs';
import { open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, HeraldError, errorMessage } from '../../errors';
import { sleep, withDeadline } from '../../pipeline/timing';
import { repairSegment } from './segment-file';
import { SEGMENT_RE, SegmentLedger, type Overflow, type Segment } from './segment-ledger';

export type { Overflow, Segment } from './segment-ledger';

export interface DiskBufferOptions {
  dir: string;
  maxBytes: number;
  overflow: Overflow;
  /** A segment is sealed once it reaches this size (a segment can exceed it by one append). */
  segmentMaxBytes: number;
  /** Points forced out by the bound (evicted segments or a refused append). Synchronous. */
  onDrop(points: number): void;
  /** A disk error (retried with backoff) or a repair made at open. */
  onError(err: unknown): void;
}

interface Pending {
  seg: Segment;
  data: Buffer;
  resolve(r: 'buffered'): void;
  reject(err: Error): void;
}

export class DiskBuffer {
  readonly #o: DiskBufferOptions;
  readonly #ledger: SegmentLedger;
  #queue: Pending[] = [];
  #flushing: Promise<void> | undefined;
  #running = false;
  #fh: FileHandle | undefined;
  #fhSeg: Segment | undefined;
  #waiters: (() => void)[] = [];
  #housekeeping: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(o: DiskBufferOptions) {
    this.#o = o;
    this.#ledger = new SegmentLedger(o);
  }

  get isEmpty(): boolean {
    return this.#ledger.isEmpty;
  }
  get bytes(): number {
    return this.#ledger.bytes;
  }
  get points(): number {
    return this.#ledger.points;
  }
  get segmentCount(): number {
    return this.#ledger.segmentCount;
  }

  /** Finds and repairs the segments of a previous run. Call once, before anything else. */
  async open(): Promise<void> {
    mkdirSync(this.#o.dir, { recursive: true });
    const names = (await readdir(this.#o.dir)).filter((n) => SEGMENT_RE.test(n)).sort();
    for (const name of names) {
      const path = join(this.#o.dir, name);
      const { bytes, points, cut } = await repairSegment(path);
      if (cut > 0) this.#o.onError(new Error(`cut ${cut} torn bytes (never acknowledged) from the end of ${path}`));
      const seq = Number(SEGMENT_RE.exec(name)?.[1]);
      this.#ledger.sawSeq(seq);
      if (bytes === 0) {
        await unlink(path);
        continue;
      }
      this.#ledger.adopt(seq, path, bytes, points);
    }
    // A lowered max_bytes applies to what a previous run left, too.
    if (this.#ledger.bytes > this.#o.maxBytes && this.#o.overflow === 'drop_oldest') this.#ledger.evict(0, this.#evicted);
  }

  /** Queues `data` (whole lines, newline-terminated) holding `points` points. See the class invariants. */
  append(data: Buffer, points: number): Promise<'buffered' | 'dropped'> {
    if (this.#closed) return Promise.reject(new HeraldError(ErrorCode.sinkClosed, `${this.#o.dir}: buffer closed`));
    const seg = this.#ledger.reserve(data.length, points, this.#evicted);
    if (seg === undefined) {
      this.#o.onDrop(points);
      return Promise.resolve('dropped');
    }
    return new Promise<'buffered'>((resolve, reject) => {
      this.#queue.push({ seg, data, resolve, reject });
      if (!this.#running) {
        // Set and cleared synchronously by the loop itself: an append made by a caller resumed from the
        // loop's last resolve() (before a .finally() would run) must start a new loop, not join a done one.
        this.#running = true;
        this.#flushing = this.#flushLoop();
      }
    });
  }

  /** A segment the bound evicted (already forgotten by the ledger): count its points, delete its file. */
  readonly #evicted = (seg: Segment): void => {
    this.#o.onDrop(seg.points);
    this.#housekeeping = this.#housekeeping.then(() => this.#unlink(seg));
  };

  async #unlink(seg: Segment): Promise<void> {
    try {
      await unlink(seg.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#o.onError(err);
    }
  }

  /** Clears #running itself, synchronously after its last resolve() (see append). Never throws. */
  async #flushLoop(): Promise<void> {
    let backoffMs = 100;
    while (this.#queue.length > 0 && !this.#closed) {
      const items = this.#queue;
      this.#queue = [];
      for (;;) {
        try {
          await this.#writeAll(items);
          break;
        } catch (err) {
          this.#o.onError(err);
          await this.#closeHandle(false);
          if (this.#closed) {
            for (const i of items) i.reject(new HeraldError(ErrorCode.sinkClosed, `${this.#o.dir}: closed while retrying: ${errorMessage(err)}`));
            this.#running = false;
            return;
          }
          await sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, 5000);
        }
      }
      backoffMs = 100;
      for (const i of items) {
        i.seg.unflushed--;
        i.resolve('buffered');
      }
      this.#wake();
    }
    this.#running = false;
  }

  /** Writes the items at their segments' durable offsets (so a retry rewrites, never duplicates) and syncs. */
  async #writeAll(items: Pending[]): Promise<void> {
    let i = 0;
    while (i < items.length) {
      const seg = (items[i] as Pending).seg;
      let j = i;
      while (j < items.length && (items[j] as Pending).seg === seg) j++;
      const group = items.slice(i, j);
      const data = group.length === 1 ? (group[0] as Pending).data : Buffer.concat(group.map((g) => g.data));
      if (!seg.removed) {
        const fh = await this.#handleFor(seg);
        let written = 0;
        while (written < data.length) {
          const { bytesWritten } = await fh.write(data, written, data.length - written, seg.durableBytes + written);
          written += bytesWritten;
        }
        await fh.datasync();
        seg.durableBytes += data.length;
      }
      i = j;
    }
  }

  async #handleFor(seg: Segment): Promise<FileHandle> {
    if (this.#fh && this.#fhSeg === seg) return this.#fh;
    await this.#closeHandle(true);
    const created = seg.durableBytes === 0;
    this.#fh = await open(seg.path, constants.O_WRONLY | constants.O_CREAT);
    this.#fhSeg = seg;
    if (created) await this.#fh.truncate(0);
    if (created) await syncDir(this.#o.dir); // the new file's directory entry must survive a crash too
    return this.#fh;
  }

  async #closeHandle(sync: boolean): Promise<void> {
    const fh = this.#fh;
    this.#fh = undefined;
    this.#fhSeg = undefined;
    if (!fh) return;
    try {
      if (sync) await fh.datasync();
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /**
   * The oldest durable segment, marked in flight; waits until there is one. Undefined once the buffer is
   * closed or `signal` aborts. The caller must remove() or release() it.
   */
  async next(signal: AbortSignal): Promise<Segment | undefined> {
    for (;;) {
      if (this.#closed || signal.aborted) return undefined;
      const seg = this.#ledger.takeOldest(); // replaying the tail seals it: later appends go to a new segment
      if (seg !== undefined) return seg;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.#waiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  read(seg: Segment): Promise<Buffer> {
    return readFile(seg.path);
  }

  /** Deletes a replayed segment (the server acknowledged all of it). */
  async remove(seg: Segment): Promise<void> {
    this.#ledger.remove(seg);
    if (this.#fhSeg === seg) await this.#closeHandle(false);
    await this.#unlink(seg);
  }

  /** Gives a segment back unsent (closing): it stays for the next run. */
  release(seg: Segment): void {
    this.#ledger.release(seg);
  }

  /** Waits for queued appends up to the deadline, then closes. Safe to call twice. */
  async close(deadlineMs: number): Promise<void> {
    const flushing = this.#flushing;
    if (this.#running && flushing) await withDeadline(flushing, deadlineMs);
    this.#closed = true;
    for (const i of this.#queue) i.reject(new HeraldError(ErrorCode.sinkClosed, `${this.#o.dir}: closed before write`));
    this.#queue = [];
    this.#wake();
    await this.#housekeeping;
    await this.#closeHandle(true).catch((err: unknown) => this.#o.onError(err));
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
