/**
 * The tail source's memory of contents for recognising copies: truncated contents ("ghosts"), the copies
 * whose committed position still follows their original's commits, and the index of known contents a new
 * file is looked up in. Bookkeeping only, no I/O: the file table decides when a file is a copy and opens it.
 *
 * Policy (see also src/logs/tail/README.md): a new inode whose full fingerprint (first 1 KiB) equals that of
 * a stream of the same group that we are reading, that we saw truncated, or that we had stored, is a copy of
 * it (`cp app.log app.log.1` before a copytruncate, when the glob also matches the copy). It is read from the
 * position we had reached in the original: what we already read is not shipped twice, and lines written
 * between our last read and the truncation, which exist only in the copy, are not lost. Its committed position
 * starts at what was committed of the original and follows the original's commits up to there (a crash reads
 * the original's uncommitted batches again from the copy). Truncated contents are kept in the offsets file for
 * a while, so that a copy found after a restart is recognised too. (Cost: a different file of the same group
 * with the same first KiB would be read from that offset; log lines start with timestamps, so in practice only
 * copies share 1 KiB.) Globs that do not match copies (`*.log` vs `app.log.1`) are the normal case.
 */
import { FINGERPRINT_MAX_BYTES, type Fingerprint } from './fingerprint';
import type { TailedFile } from './file-reader';
import type { StoredTruncation } from './offsets';
import type { StoredPositions } from './stored-positions';

/**
 * The content a file held before it was truncated (seen truncated, or stored and found truncated at start):
 * a copy of it continues at `offset`. `committed` is the position in that content known to be committed,
 * and `key` the file whose later commits of that content (batches in flight at the truncation) advance it.
 */
interface Ghost { group: string; hash: string; offset: number; committed: number; key: string | undefined; expiresMs: number }

/** Where a copy of a known content starts, and what of it is already committed. */
export interface CopyOrigin { offset: number; committed: number; key: string | undefined; hash: string }

/** Truncated contents remembered at most (oldest dropped first). */
const MAX_GHOSTS = 1000;

export class CopyTracker {
  private ghosts: Ghost[] = [];
  /** Built on demand from the stored, truncated and open contents; dropped whenever one of them changes. */
  private copyIndex: Map<string, CopyOrigin> | undefined;
  /** Copies whose committed position still follows their original's commits (see TailedFile.copyOf). */
  private readonly following = new Set<TailedFile>();

  /** `files` and `stored` are the file table's own, read (never changed) here. */
  constructor(
    private readonly files: ReadonlyMap<string, TailedFile>,
    private readonly stored: StoredPositions,
    private readonly nowMs: () => number,
    private readonly ghostTtlMs: number,
  ) {}

  /** The truncated contents loaded from the offsets file. */
  restore(truncated: readonly StoredTruncation[]): void {
    // Kept at least one TTL after the start: the copies are normally there at the first scan.
    const minExpiry = this.nowMs() + this.ghostTtlMs;
    for (const tr of truncated) {
      this.ghosts.push({
        group: tr.group, hash: tr.fpHash, offset: tr.offset, committed: tr.offset, key: undefined,
        expiresMs: Math.max(tr.expiresMs, minExpiry),
      });
    }
  }

  /**
   * A content of `group` identified by `fp` was truncated after we had read it up to `offset` and committed
   * it up to `committed` (later commits of `key` with that fingerprint advance it). Stored in the offsets
   * file until it expires, so that a copy found after a restart continues at the committed position.
   * Returns false (nothing recorded) for a fingerprint shorter than FINGERPRINT_MAX_BYTES.
   */
  record(group: string, fp: Fingerprint, offset: number, committed = offset, key?: string): boolean {
    if (fp.fpLen < FINGERPRINT_MAX_BYTES) return false;
    const expiresMs = this.nowMs() + this.ghostTtlMs;
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
    return true;
  }

  /** Forget the truncated contents expired at `nowMs` (start of a scan); the index is rebuilt when needed. */
  expire(nowMs: number): void {
    this.ghosts = this.ghosts.filter((g) => g.expiresMs > nowMs);
    this.copyIndex = undefined;
  }

  /** The stored or open contents changed in a way the index cannot see (a stored position was taken). */
  invalidate(): void {
    this.copyIndex = undefined;
  }

  /**
   * A committed checkpoint of `cp.key` also commits the same content in the copies (and truncated contents)
   * that were started from a position of it not committed yet.
   */
  commit(cp: { key: string; fpHash: string; offset: number }): void {
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

  /** The known content of `group` with the full fingerprint `hash`, if any: a new file with it is a copy. */
  originOf(group: string, hash: string): CopyOrigin | undefined {
    if (!this.copyIndex) {
      const idx = new Map<string, CopyOrigin>();
      for (const s of this.stored.values()) {
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
   * `f` is a new copy of `copy` read from `start`. When the original's batches up to there are not all
   * committed, `f` is stored (committed) only at what the original committed, and follows its commits.
   */
  startCopy(f: TailedFile, copy: CopyOrigin, start: number): void {
    if (copy.committed >= start) return;
    // Read from where the original got to, but stored (committed) only at what the original committed:
    // a restart before the original's batches in flight are committed reads them again from the copy.
    f.committed = { ...f.committed, offset: copy.committed };
    if (copy.key !== undefined) {
      f.copyOf = { key: copy.key, fpHash: copy.hash, upTo: start };
      this.following.add(f);
    }
  }

  /** The truncated contents the offsets file holds: the committed position reached in each. */
  snapshot(): StoredTruncation[] {
    const now = this.nowMs();
    return this.ghosts.filter((g) => g.expiresMs > now).map((g) => ({ group: g.group, fpHash: g.hash, offset: g.committed, expiresMs: g.expiresMs }));
  }
}
