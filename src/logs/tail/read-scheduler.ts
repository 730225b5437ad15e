/**
 * Which file is read next, and the open-handle budget.
 *
 * Files take turns (round-robin from the one after the last file that produced a batch), so a busy file
 * cannot starve the others; a batch holds lines of one file only. A file found at the path of a file being
 * drained (rename rotation) waits until the old one has reached its end, so a stream stays in order.
 * At most `maxOpenFiles` handles are open: to open another, the least recently active idle file is closed
 * (and re-verified by fingerprint when reopened); files being drained or holding a multiline event are
 * never closed early.
 */
import type { Batch } from '../../pipeline/contracts';
import type { Clock } from '../../pipeline/context';
import type { LogRecord } from '../../pipeline/records';
import { errorMessage } from '../../errors';
import { FINGERPRINT_MAX_BYTES } from './fingerprint';
import type { ReadContext, TailedFile } from './file-reader';
import type { FileTable } from './file-table';
import type { TailMetrics } from './tail-metrics';
import { NativeScratch } from './native-assembler';

export interface BatchLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly maxWaitMs: number;
}

export interface SchedulerHooks {
  /** Something changed on disk that a scan should settle (rotation, a vanished file). */
  requestScan(): void;
  warnOnce(key: string, fields: object, msg: string): void;
}

export class ReadScheduler {
  /** The shared read buffer; longer than every group's max_line_bytes (see LineSplitter). */
  buf: Buffer = Buffer.alloc(0);
  readonly scratch = Buffer.allocUnsafe(FINGERPRINT_MAX_BYTES);
  /** The native engine's per-batch arrays (used by files read through it). */
  readonly native = new NativeScratch();
  /** Set by nextBatch when a file advanced without producing records (skipped bytes, a release). */
  progressed = false;
  private order: TailedFile[] = [];
  private rr = 0;
  private openCount = 0;

  constructor(
    private readonly table: FileTable,
    private readonly metrics: TailMetrics,
    private readonly clock: Clock,
    private readonly limits: BatchLimits,
    private readonly maxOpenFiles: number,
    private readonly hooks: SchedulerHooks,
  ) {
    this.metrics.filesOpen.set(0);
  }

  /** Make sure the read buffer can hold a line of `maxLineBytes` plus one byte. */
  ensureBuffer(readChunkBytes: number, maxLineBytes: number): void {
    const size = Math.max(readChunkBytes, maxLineBytes + 1, 4096);
    if (this.buf.length < size) this.buf = Buffer.allocUnsafe(size);
  }

  /** The table's files changed (scan, forget): take turns over the new list. */
  refresh(): void {
    this.order = [...this.table.files.values()];
  }

  /** Take an open-handle slot for a file opened elsewhere (discovery); false at the limit. */
  reserveOpen(): boolean {
    if (this.openCount >= this.maxOpenFiles) return false;
    this.setOpen(1);
    return true;
  }

  releaseOpen(): void {
    this.setOpen(-1);
  }

  async closeFile(f: TailedFile): Promise<void> {
    if (!f.fh) return;
    await f.close();
    this.setOpen(-1);
  }

  /** Read one batch from the next file that has something; undefined when none has. */
  async nextBatch(stop: AbortSignal): Promise<Batch<LogRecord> | undefined> {
    const order = this.order;
    const n = order.length;
    if (n === 0) return undefined;
    const nowMono = this.clock.monotonic();
    const rc: ReadContext = {
      buf: this.buf, scratch: this.scratch, out: [], maxRecords: this.limits.maxRecords,
      maxBytes: this.limits.maxBytes, nowMs: this.clock.now(), nowMonoMs: nowMono, // the clock is read once per batch
      deadlineMonoMs: nowMono + this.limits.maxWaitMs, monotonic: () => this.clock.monotonic(), signal: stop,
      native: this.native,
    };
    for (let k = 0; k < n && !stop.aborted; k++) {
      const i = (this.rr + k) % n;
      const f = order[i] as TailedFile;
      if (!f.wantsService(nowMono) || this.table.files.get(f.key) !== f) continue;
      if (f.waitFor) {
        const w = f.waitFor;
        if (w.state !== 'released' && !w.caughtUp && this.table.files.get(w.key) === w) continue;
        f.waitFor = undefined;
      }
      if (!(await this.ensureOpen(f))) continue;
      let res;
      try {
        res = await f.read(rc);
      } catch (err) {
        this.readFailed(f, err);
        await this.closeFile(f);
        continue;
      }
      if (res.lines > 0) this.metrics.lines.inc(res.lines);
      if (res.bytes > 0) this.metrics.bytes.inc(res.bytes);
      if (res.linesTruncated > 0) this.metrics.linesTruncated.inc(res.linesTruncated);
      if (res.truncatedFrom) {
        this.metrics.truncations.inc();
        this.metrics.rotation('truncate');
        const from = res.truncatedFrom;
        this.table.recordGhost(f.group.id, from.fingerprint, from.offset, from.committed, f.key);
      }
      if (res.rotated) {
        this.metrics.rotation(res.rotated);
        this.hooks.requestScan(); // find the new file at the path, or the old one under its new name
      }
      if (res.released) {
        await this.closeFile(f);
        f.releasedScanGen = this.table.scanGen;
        this.hooks.requestScan();
      }
      if (res.bytes > 0 || res.released || res.rotated || res.truncatedFrom) this.progressed = true;
      if (rc.out.length > 0) {
        this.rr = (i + 1) % n;
        return { records: rc.out, checkpoint: f.checkpoint() };
      }
    }
    return undefined;
  }

  private async ensureOpen(f: TailedFile): Promise<boolean> {
    if (f.fh) return true;
    if (this.openCount >= this.maxOpenFiles && !(await this.evictIdle())) return false;
    try {
      const r = await f.open(this.scratch);
      if (r === 'moved') {
        f.dirty = false;
        this.hooks.requestScan();
        return false;
      }
      if (r === 'reset') {
        this.metrics.truncations.inc();
        this.metrics.rotation('truncate');
      }
    } catch (err) {
      this.readFailed(f, err);
      return false;
    }
    this.setOpen(1);
    return true;
  }

  /** Close the least recently active idle file to make room; false when every open file is busy. */
  private async evictIdle(): Promise<boolean> {
    let victim: TailedFile | undefined;
    for (const f of this.table.files.values()) {
      if (!f.fh || f.state !== 'active' || f.busy || !f.caughtUp) continue;
      if (!victim || f.lastDataMonoMs < victim.lastDataMonoMs) victim = f;
    }
    if (!victim) return false;
    victim.verifyOnOpen = true;
    await this.closeFile(victim);
    return true;
  }

  private readFailed(f: TailedFile, err: unknown): void {
    this.metrics.readErrors.inc();
    f.dirty = false;
    this.hooks.requestScan();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // gone between the scan and the open: the next scan settles it
    this.hooks.warnOnce(`read:${f.path}:${code}`, { path: f.path, err: errorMessage(err) }, 'tail read failed');
  }

  private setOpen(delta: number): void {
    this.openCount += delta;
    this.metrics.filesOpen.set(this.openCount);
  }
}
