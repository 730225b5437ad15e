/**
 * The tail source's table of files, keyed by dev:ino, and what a scan does to it.
 *
 * Policies (see also src/logs/tail/README.md):
 * - A file found by a scan with a known dev:ino is the same file (its handle pins the inode while open; a
 *   closed one is re-verified by fingerprint when reopened). A new path for a known inode is a rename
 *   within the globs (Mesos logrotate's `stdout` → `stdout.1`): reading continues from our offset.
 * - A file with a stored offset (restart) resumes there when dev+ino+fingerprint match; same dev+ino with
 *   other first bytes means truncated while we were down, or a reused inode: read from 0.
 * - Copies: a new inode whose full fingerprint (first 1 KiB) equals that of a known content of the same group
 *   (being read, seen truncated, or stored) is a copy of it, read from the position reached in the original
 *   (`cp app.log app.log.1` before a copytruncate). Full policy in copy-tracker.ts.
 * - Other new files: `start_at` in the group's first scan, else from 0. After a restart, a group with stored
 *   offsets is not "first tailed": files without an offset appeared while Herald was down and are read from 0
 *   (e.g. the new `app.log` created by a rotation during the downtime).
 * - A file no longer matched by a complete scan: drained to EOF if open, then released, and forgotten once
 *   its last yielded position is committed. Stored entries whose file is not found: see stored-positions.ts.
 *
 * This module does the I/O (open, stat, fingerprint, readdir); the bookkeeping it drives, without I/O, is in
 * stored-positions.ts (offsets loaded at start, not matched yet) and copy-tracker.ts (truncated contents).
 */
import { promises as fsp, type BigIntStats } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { errorMessage } from '../../errors';
import { CopyTracker, type CopyOrigin } from './copy-tracker';
import { FINGERPRINT_MAX_BYTES, computeFingerprint, fileKey, hashBytes, type Fingerprint } from './fingerprint';
import { TailedFile } from './file-reader';
import type { GroupRuntime } from './groups';
import type { StoredPosition, StoredTruncation } from './offsets';
import { StoredPositions } from './stored-positions';
import type { TailMetrics } from './tail-metrics';

export interface ScanHit {
  readonly path: string;
  readonly stats: BigIntStats;
  readonly group: GroupRuntime;
}

export interface TableContext {
  /** ≥ FINGERPRINT_MAX_BYTES; shared with reads (the source never runs a scan and a read at once). */
  readonly scratch: () => Buffer;
  /** The source's read buffer, longer than any max_line_bytes. */
  readonly buf: () => Buffer;
  readonly metrics: TailMetrics;
  readonly logger: Logger;
  /** Log a repeated problem once in a while (the metric counts every occurrence). */
  readonly warnOnce: (key: string, fields: object, msg: string) => void;
  readonly nowMs: () => number;
  readonly retainMissingMs: number;
  readonly ghostTtlMs: number;
  /** Reserve an open-file slot for a newly discovered file; false when at max_open_files. */
  readonly reserveOpen: () => boolean;
  /** Give back a slot taken by reserveOpen. */
  readonly releaseOpen: () => void;
}

interface Start { offset: number; copy?: CopyOrigin }

/** Offset just after the last `\n` in the file's last `maxLineBytes + 1` bytes (start_at: end). */
async function lineStartBefore(fh: fsp.FileHandle, size: number, buf: Buffer, maxLineBytes: number): Promise<number> {
  const window = Math.min(size, maxLineBytes + 1, buf.length);
  if (window === 0) return 0;
  const { bytesRead } = await fh.read(buf, 0, window, size - window);
  const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
  if (nl >= 0) return size - window + nl + 1;
  return window === size ? 0 : size; // a single incomplete line: wait for it; inside a huge line: skip it
}

export class FileTable {
  readonly files = new Map<string, TailedFile>();
  private byPath = new Map<string, TailedFile>();
  /** Positions loaded from the offsets file whose file no scan has found yet. */
  private readonly stored = new StoredPositions();
  /** Truncated contents and copies; reads `files` and `stored`. */
  private readonly copies: CopyTracker;
  scanGen = 0;
  /** Entries added or removed since the last offsets write was requested. */
  changed = false;

  constructor(private readonly ctx: TableContext) {
    this.copies = new CopyTracker(this.files, this.stored, () => ctx.nowMs(), ctx.ghostTtlMs);
  }

  restore(positions: readonly StoredPosition[], truncated: readonly StoredTruncation[] = []): void {
    this.stored.load(positions);
    this.copies.restore(truncated);
  }

  /** Ids of the groups that had stored positions when the offsets file was loaded. */
  storedGroupIds(): ReadonlySet<string> {
    return this.stored.groupIds();
  }

  fileAt(p: string): TailedFile | undefined {
    return this.byPath.get(p);
  }

  /** A content was truncated after being read to `offset` (see CopyTracker.record); kept for its copies. */
  recordGhost(group: string, fp: Fingerprint, offset: number, committed = offset, key?: string): void {
    if (this.copies.record(group, fp, offset, committed, key)) this.changed = true;
  }

  /** A committed checkpoint also commits the copies that follow it. Called by the source for every commit. */
  commitCopies(cp: { key: string; fpHash: string; offset: number }): void {
    this.copies.commit(cp);
  }

  /**
   * Apply one scan of all groups. Files of the groups in `incomplete` (a directory could not be read) that
   * were not found are left alone: not found is not the same as gone. Returns the new files.
   */
  async applyScan(hits: readonly ScanHit[], incomplete: ReadonlySet<string> = new Set()): Promise<TailedFile[]> {
    const gen = ++this.scanGen;
    const now = this.ctx.nowMs();
    this.copies.expire(now);
    const added: TailedFile[] = [];
    for (const hit of hits) {
      const key = fileKey(hit.stats.dev, hit.stats.ino);
      let f = this.files.get(key);
      if (f) this.reconcile(f, hit);
      else {
        f = await this.discover(key, hit);
        if (!f) continue;
        this.files.set(key, f);
        added.push(f);
        this.changed = true;
      }
      f.seenScanGen = gen;
    }
    for (const f of this.files.values()) {
      if (f.seenScanGen === gen || f.state !== 'active') continue;
      if (incomplete.has(f.group.id)) {
        f.seenScanGen = gen;
        continue;
      }
      if (f.fh) {
        f.state = 'draining';
        f.dirty = true;
        if (!f.group.removed) {
          const nlink = await f.fh.stat().then((st) => st.nlink, () => 0);
          this.ctx.metrics.rotation(nlink === 0 ? 'delete' : 'rename');
          f.renamedAway = nlink > 0;
        }
      } else {
        f.state = 'released'; // closed for inactivity and no longer matched: nothing to drain
        f.releasedScanGen = gen - 1;
      }
    }
    if (this.stored.expireMissing(now, this.ctx.retainMissingMs)) this.changed = true;
    this.forgetReleased();
    this.reindex();
    return added;
  }

  /**
   * Drop released files whose last position is committed and that the latest scan did not find again. The
   * position of one that was renamed away (still linked, its group still tailed) is kept as a stored one for
   * a few rescans (ghostTtlMs): a scan that raced a rename (logrotate shifting stdout.1 to stdout.2 between
   * our readdir and stat) misses a file that is still there, and when the next scan finds it, it resumes
   * where it ended instead of being read again from the start.
   */
  forgetReleased(): void {
    for (const [key, f] of this.files) {
      if (f.state !== 'released' || f.fh || f.seenScanGen >= this.scanGen || f.releasedScanGen >= this.scanGen) continue;
      if (f.committed.offset < f.lastYieldedOffset) continue;
      this.files.delete(key);
      this.changed = true;
      if (!f.renamedAway || f.group.removed) continue;
      this.stored.keep(
        { dev: f.dev, ino: f.ino, fpLen: f.committed.fpLen, fpHash: f.committed.fpHash, offset: f.committed.offset, path: f.path, group: f.group.id },
        this.ctx.nowMs(), this.ctx.ghostTtlMs, this.ctx.retainMissingMs,
      );
      this.copies.invalidate();
    }
  }

  private reindex(): void {
    this.byPath = new Map();
    for (const f of this.files.values()) if (f.state !== 'released') this.byPath.set(f.path, f);
  }

  private reconcile(f: TailedFile, hit: ScanHit): void {
    if (f.path !== hit.path) f.path = hit.path;
    if (f.group !== hit.group) f.setGroup(hit.group);
    if (f.state !== 'active') f.state = 'active'; // renamed back into the globs before it was released
    if (!f.fh && (Number(hit.stats.size) !== f.lastSize || Number(hit.stats.mtimeMs) !== f.lastMtimeMs)) {
      f.dirty = true;
      f.verifyOnOpen = true;
    }
  }

  private async discover(key: string, hit: ScanHit): Promise<TailedFile | undefined> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(hit.path, 'r');
    } catch (err) {
      this.ctx.metrics.readErrors.inc();
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.ctx.warnOnce(`open:${hit.path}:${code}`, { path: hit.path, err: errorMessage(err) }, 'cannot open matched file');
      return undefined;
    }
    let keep = false;
    try {
      const st = await fh.stat({ bigint: true });
      if (fileKey(st.dev, st.ino) !== key) return undefined; // replaced under us: the next scan sees it
      const size = Number(st.size);
      const scratch = this.ctx.scratch();
      const fp = await computeFingerprint(fh, scratch);
      const { offset: start, copy } = await this.startOffset(key, hit, fh, fp, size, scratch);
      const f = new TailedFile(key, String(st.dev), String(st.ino), hit.path, hit.group, fp, start);
      if (copy) this.copies.startCopy(f, copy, start);
      f.lastSize = size;
      f.lastMtimeMs = Number(st.mtimeMs);
      f.dirty = size > start;
      const previous = this.byPath.get(hit.path);
      if (previous?.fh) f.waitFor = previous; // drain the rotated-away file first: keeps the stream in order
      if (this.ctx.reserveOpen()) {
        f.fh = fh;
        keep = true;
      }
      return f;
    } catch (err) {
      this.ctx.metrics.readErrors.inc();
      this.ctx.logger.debug({ path: hit.path, err: errorMessage(err) }, 'cannot identify matched file');
      return undefined;
    } finally {
      if (!keep) await fh.close().catch(() => undefined);
    }
  }

  private async startOffset(
    key: string, hit: ScanHit, fh: fsp.FileHandle, fp: Fingerprint, size: number, scratch: Buffer,
  ): Promise<Start> {
    const stored = this.stored.take(key);
    if (stored) {
      this.copies.invalidate();
      const same = stored.fpLen <= fp.fpLen && hashBytes(scratch, stored.fpLen) === stored.fpHash;
      if (same && stored.offset <= size) return { offset: stored.offset };
      // Truncated while we were down (copytruncate), or the inode was reused: the content is new.
      this.ctx.metrics.truncations.inc();
      this.ctx.metrics.rotation('truncate');
      this.recordGhost(stored.group, { fpLen: stored.fpLen, fpHash: stored.fpHash }, stored.offset);
      return { offset: 0 };
    }
    if (fp.fpLen === FINGERPRINT_MAX_BYTES) {
      const copy = this.copies.originOf(hit.group.id, fp.fpHash);
      if (copy !== undefined) {
        this.ctx.metrics.rotation('copy');
        const offset = Math.min(copy.offset, size);
        this.ctx.logger.debug({ path: hit.path, offset, committed: copy.committed }, 'file is a copy of a known stream');
        return { offset, copy };
      }
    }
    // start_at applies to the files a group holds when Herald first tails it. After a restart (the group has
    // stored offsets) a file without an offset appeared while Herald was down: its lines are new, read them.
    if (!hit.group.initialScanDone && hit.group.spec.startAt === 'end' && !this.stored.groupIds().has(hit.group.id)) {
      return { offset: await lineStartBefore(fh, size, this.ctx.buf(), hit.group.spec.maxLineBytes) };
    }
    return { offset: 0 };
  }

  /**
   * After the first scan: a stored file whose path now holds another inode was rotated while we were down.
   * If it is still in the same directory under another name (app.log.1) with unread data, drain it.
   */
  async recoverRotated(groups: ReadonlyMap<string, GroupRuntime>): Promise<void> {
    for (const [dir, wanted] of this.stored.byDirectory(groups)) {
      const names = await fsp.readdir(dir).catch(() => [] as string[]);
      const keys = new Map(wanted.map((s) => [fileKey(s.dev, s.ino), s]));
      for (const name of names) {
        const p = path.join(dir, name);
        const st = await fsp.stat(p, { bigint: true }).catch(() => undefined);
        const s = st?.isFile() ? keys.get(fileKey(st.dev, st.ino)) : undefined;
        const group = s && groups.get(s.group);
        if (!st || !s || !group || Number(st.size) <= s.offset) continue;
        const f = await this.discover(fileKey(st.dev, st.ino), { path: p, stats: st, group });
        if (!f) continue;
        if (f.readOffset !== s.offset) { // fingerprint differs: not our file
          if (f.fh) {
            await f.close();
            this.ctx.releaseOpen();
          }
          continue;
        }
        f.state = 'draining';
        f.seenScanGen = this.scanGen;
        this.files.set(f.key, f);
        const current = this.byPath.get(s.path);
        if (current && current !== f) current.waitFor = f;
        this.ctx.metrics.rotation('rename');
      }
    }
  }

  /** The truncated contents the offsets file holds: the committed position reached in each. */
  snapshotTruncated(): StoredTruncation[] {
    return this.copies.snapshot();
  }

  /** What the offsets file holds: committed positions of known files plus stored ones not found yet. */
  snapshot(): StoredPosition[] {
    const out: StoredPosition[] = [];
    for (const f of this.files.values()) {
      out.push({
        dev: f.dev, ino: f.ino, fpLen: f.committed.fpLen, fpHash: f.committed.fpHash, offset: f.committed.offset,
        path: f.path, group: f.group.id, missingSinceMs: undefined,
      });
    }
    for (const s of this.stored.values()) out.push(s);
    return out;
  }
}
