/**
 * The tail source's table of files, keyed by dev:ino, and what a scan does to it.
 *
 * Policies (see also src/logs/tail/README.md):
 * - A file found by a scan with a known dev:ino is the same file (its handle pins the inode while open; a
 *   closed one is re-verified by fingerprint when reopened). A new path for a known inode is a rename
 *   within the globs (Mesos logrotate's `stdout` → `stdout.1`): reading continues from our offset.
 * - A file with a stored offset (restart) resumes there when dev+ino+fingerprint match; same dev+ino with
 *   other first bytes means truncated while we were down, or a reused inode: read from 0.
 * - Copies: a new inode whose full fingerprint (first 1 KiB) equals that of a stream of the same group that
 *   we are reading, that we saw truncated, or that we had stored, is a copy of it (`cp app.log app.log.1`
 *   before a copytruncate, when the glob also matches the copy). It is read from the position we had reached
 *   in the original: what we already read is not shipped twice, and lines written between our last read and
 *   the truncation, which exist only in the copy, are not lost. Its committed position starts at what was
 *   committed of the original and follows the original's commits up to there (a crash reads the original's
 *   uncommitted batches again from the copy). Truncated contents are kept in the offsets file for a while,
 *   so that a copy found after a restart is recognised too. (Cost: a different file of the same group
 *   with the same first KiB would be read from that offset; log lines start with timestamps, so in practice
 *   only copies share 1 KiB.) Globs that do not match copies (`*.log` vs `app.log.1`) are the normal case.
 * - Other new files: `start_at` in the group's first scan, else from 0. After a restart, a group with stored
 *   offsets is not "first tailed": files without an offset appeared while Herald was down and are read from 0
 *   (e.g. the new `app.log` created by a rotation during the downtime).
 * - A file no longer matched by a complete scan: drained to EOF if open, then released, and forgotten once
 *   its last yielded position is committed. Stored entries whose file is not found are kept for
 *   `retainMissingMs` (their group may be added later, e.g. a sandbox seen again after a restart).
 */
import { promises as fsp, type BigIntStats } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { errorMessage } from '../../errors';
import { FINGERPRINT_MAX_BYTES, computeFingerprint, fileKey, hashBytes, type Fingerprint } from './fingerprint';
import { TailedFile } from './file-reader';
import type { GroupRuntime } from './groups';
import type { StoredPosition, StoredTruncation } from './offsets';
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

/**
 * The content a file held before it was truncated (seen truncated, or stored and found truncated at start):
 * a copy of it continues at `offset`. `committed` is the position in that content known to be committed,
 * and `key` the file whose later commits of that content (batches in flight at the truncation) advance it.
 */
interface Ghost { group: string; hash: string; offset: number; committed: number; key: string | undefined; expiresMs: number }

/** Where a copy of a known content starts, and what of it is already committed. */
interface CopyOrigin { offset: number; committed: number; key: string | undefined; hash: string }

interface Start { offset: number; copy?: CopyOrigin }

/** Truncated contents remembered at most (oldest dropped first). */
const MAX_GHOSTS = 1000;

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
  private readonly restored = new Map<string, StoredPosition>();
  /** Groups that had stored offsets at start: Herald tailed them before this run. */
  private readonly groupsWithState = new Set<string>();
  private ghosts: Ghost[] = [];
  private copyIndex: Map<string, CopyOrigin> | undefined;
  /** Copies whose committed position still follows their original's commits (see TailedFile.copyOf). */
  private readonly following = new Set<TailedFile>();
  scanGen = 0;
  /** Entries added or removed since the last offsets write was requested. */
  changed = false;

  constructor(private readonly ctx: TableContext) {}

  restore(positions: readonly StoredPosition[], truncated: readonly StoredTruncation[] = []): void {
    for (const p of positions) {
      this.restored.set(fileKey(p.dev, p.ino), { ...p });
      this.groupsWithState.add(p.group);
    }
    // Kept at least one TTL after the start: the copies are normally there at the first scan.
    const minExpiry = this.ctx.nowMs() + this.ctx.ghostTtlMs;
    for (const tr of truncated) {
      this.ghosts.push({
        group: tr.group, hash: tr.fpHash, offset: tr.offset, committed: tr.offset, key: undefined,
        expiresMs: Math.max(tr.expiresMs, minExpiry),
      });
    }
  }

  /** Ids of the groups that had stored positions when the offsets file was loaded. */
  storedGroupIds(): ReadonlySet<string> {
    return this.groupsWithState;
  }

  fileAt(p: string): TailedFile | undefined {
    return this.byPath.get(p);
  }

  /**
   * A content of `group` identified by `fp` was truncated after we had read it up to `offset` and committed
   * it up to `committed` (later commits of `key` with that fingerprint advance it). Stored in the offsets
   * file until it expires, so that a copy found after a restart continues at the committed position.
   */
  recordGhost(group: string, fp: Fingerprint, offset: number, committed = offset, key?: string): void {
    if (fp.fpLen < FINGERPRINT_MAX_BYTES) return;
    const expiresMs = this.ctx.nowMs() + this.ctx.ghostTtlMs;
    const known = this.ghosts.find((g) => g.group === group && g.hash === fp.fpHash);
    if (known) {
      known.offset = Math.max(known.offset, offset);
      known.committed = Math.max(known.committed, Math.min(committed, offset));
      known.key = key ?? known.key;
      known.expiresMs = Math.max(known.expiresMs, expiresMs);
    } else {
      this.ghosts.push({ group, hash: fp.fpHash, offset, committed: Math.min(committed, offset), key, expiresMs });
      if (this.ghosts.length > MAX_GHOSTS) this.ghosts.shift();
    }
    this.copyIndex = undefined;
    this.changed = true;
  }

  /**
   * A committed checkpoint of `cp.key` also commits the same content in the copies (and truncated contents)
   * that were started from a position of it not committed yet. Called by the source for every commit.
   */
  commitCopies(cp: { key: string; fpHash: string; offset: number }): void {
    for (const g of this.ghosts) {
      if (g.key === cp.key && g.hash === cp.fpHash && cp.offset > g.committed) g.committed = Math.min(cp.offset, g.offset);
    }
    for (const c of this.following) {
      const link = c.copyOf;
      if (!link || this.files.get(c.key) !== c || c.committed.offset >= link.upTo) {
        c.copyOf = undefined;
        this.following.delete(c);
        continue;
      }
      if (link.key !== cp.key || link.fpHash !== cp.fpHash || cp.offset <= c.committed.offset) continue;
      c.committed = { ...c.committed, offset: Math.min(cp.offset, link.upTo) };
      if (c.committed.offset >= link.upTo) {
        c.copyOf = undefined;
        this.following.delete(c);
      }
    }
  }

  /**
   * Apply one scan of all groups. Files of the groups in `incomplete` (a directory could not be read) that
   * were not found are left alone: not found is not the same as gone. Returns the new files.
   */
  async applyScan(hits: readonly ScanHit[], incomplete: ReadonlySet<string> = new Set()): Promise<TailedFile[]> {
    const gen = ++this.scanGen;
    const now = this.ctx.nowMs();
    this.ghosts = this.ghosts.filter((g) => g.expiresMs > now);
    this.copyIndex = undefined;
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
        }
      } else {
        f.state = 'released'; // closed for inactivity and no longer matched: nothing to drain
        f.releasedScanGen = gen - 1;
      }
    }
    for (const [key, s] of this.restored) {
      if (s.missingSinceMs === undefined) s.missingSinceMs = now;
      else if (now - s.missingSinceMs > this.ctx.retainMissingMs) {
        this.restored.delete(key);
        this.changed = true;
      }
    }
    this.forgetReleased();
    this.reindex();
    return added;
  }

  /** Drop released files whose last position is committed and that the latest scan did not find again. */
  forgetReleased(): void {
    for (const [key, f] of this.files) {
      if (f.state !== 'released' || f.fh || f.seenScanGen >= this.scanGen || f.releasedScanGen >= this.scanGen) continue;
      if (f.committed.offset < f.lastYieldedOffset) continue;
      this.files.delete(key);
      this.changed = true;
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
      if (copy && copy.committed < start) {
        // Read from where the original got to, but stored (committed) only at what the original committed:
        // a restart before the original's batches in flight are committed reads them again from the copy.
        f.committed = { ...f.committed, offset: copy.committed };
        if (copy.key !== undefined) {
          f.copyOf = { key: copy.key, fpHash: copy.hash, upTo: start };
          this.following.add(f);
        }
      }
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
    const stored = this.restored.get(key);
    if (stored) {
      this.restored.delete(key);
      this.copyIndex = undefined;
      const same = stored.fpLen <= fp.fpLen && hashBytes(scratch, stored.fpLen) === stored.fpHash;
      if (same && stored.offset <= size) return { offset: stored.offset };
      // Truncated while we were down (copytruncate), or the inode was reused: the content is new.
      this.ctx.metrics.truncations.inc();
      this.ctx.metrics.rotation('truncate');
      this.recordGhost(stored.group, { fpLen: stored.fpLen, fpHash: stored.fpHash }, stored.offset);
      return { offset: 0 };
    }
    if (fp.fpLen === FINGERPRINT_MAX_BYTES) {
      const copy = this.copyOrigin(hit.group.id, fp.fpHash);
      if (copy !== undefined) {
        this.ctx.metrics.rotation('copy');
        const offset = Math.min(copy.offset, size);
        this.ctx.logger.debug({ path: hit.path, offset, committed: copy.committed }, 'file is a copy of a known stream');
        return { offset, copy };
      }
    }
    // start_at applies to the files a group holds when Herald first tails it. After a restart (the group has
    // stored offsets) a file without an offset appeared while Herald was down: its lines are new, read them.
    if (!hit.group.initialScanDone && hit.group.spec.startAt === 'end' && !this.groupsWithState.has(hit.group.id)) {
      return { offset: await lineStartBefore(fh, size, this.ctx.buf(), hit.group.spec.maxLineBytes) };
    }
    return { offset: 0 };
  }

  private copyOrigin(group: string, hash: string): CopyOrigin | undefined {
    if (!this.copyIndex) {
      const idx = new Map<string, CopyOrigin>();
      for (const s of this.restored.values()) {
        if (s.fpLen === FINGERPRINT_MAX_BYTES) idx.set(`${s.group}\0${s.fpHash}`, { offset: s.offset, committed: s.offset, key: undefined, hash: s.fpHash });
      }
      for (const g of this.ghosts) idx.set(`${g.group}\0${g.hash}`, { offset: g.offset, committed: g.committed, key: g.key, hash: g.hash });
      for (const f of this.files.values()) {
        if (f.fp.fpLen !== FINGERPRINT_MAX_BYTES) continue;
        const offset = f.resumeOffset();
        idx.set(`${f.group.id}\0${f.fp.fpHash}`, { offset, committed: Math.min(f.durableOffset(), offset), key: f.key, hash: f.fp.fpHash });
      }
      this.copyIndex = idx;
    }
    return this.copyIndex.get(`${group}\0${hash}`);
  }

  /**
   * After the first scan: a stored file whose path now holds another inode was rotated while we were down.
   * If it is still in the same directory under another name (app.log.1) with unread data, drain it.
   */
  async recoverRotated(groups: ReadonlyMap<string, GroupRuntime>): Promise<void> {
    const byDir = new Map<string, StoredPosition[]>();
    for (const s of this.restored.values()) {
      if (!groups.has(s.group) || !s.path) continue;
      const dir = path.dirname(s.path);
      byDir.set(dir, [...(byDir.get(dir) ?? []), s]);
    }
    for (const [dir, wanted] of byDir) {
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
    const now = this.ctx.nowMs();
    return this.ghosts.filter((g) => g.expiresMs > now).map((g) => ({ group: g.group, fpHash: g.hash, offset: g.committed, expiresMs: g.expiresMs }));
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
    for (const s of this.restored.values()) out.push(s);
    return out;
  }
}
