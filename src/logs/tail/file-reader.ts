/**
 * One tailed file (one inode): its open handle, read position and fingerprint, and the rotation/truncation
 * checks done at its end; the I/O of tailing one file. The source decides when to read it; `read` fills one
 * batch. Turning the bytes read into events (splitter, multiline joiner, parser) is event-assembler.ts, I/O-free.
 *
 * Positions: `readOffset` is the next byte to read (always a line start, except inside an over-long line
 * being skipped); `endSeen` is the end of the bytes seen so far (a file shorter than that was truncated, and so
 * was a file whose first bytes no longer match the fingerprint, checked whenever its size or mtime changed).
 * The checkpoint offset never covers a line held by the joiner or an over-long line still being skipped.
 *
 * Lifecycle: active (its path matches a glob) → draining (renamed away, deleted, or its group removed: read
 * to EOF, the incomplete last line included, with the handle kept open) → released (handle closed; the
 * source forgets it once its last position is committed, unless a scan finds it again).
 */
import { fstatSync, promises as fsp } from 'node:fs';
import { EventAssembler, type Assembler, type BatchRoom } from './event-assembler';
import { NativeAssembler } from './native-assembler';
import { EMPTY_FINGERPRINT, FINGERPRINT_MAX_BYTES, fileKey, prefixMatches, refreshFingerprint, type Fingerprint } from './fingerprint';
import type { GroupRuntime } from './groups';

export type FileState = 'active' | 'draining' | 'released';

/** What one batch read needs; built once per batch by the source. */
export interface ReadContext extends BatchRoom {
  /** Shared, reused read buffer; longer than every group's maxLineBytes. */
  readonly buf: Buffer;
  /** ≥ FINGERPRINT_MAX_BYTES. */
  readonly scratch: Buffer;
  readonly deadlineMonoMs: number;
  readonly monotonic: () => number;
  readonly signal: AbortSignal;
}

export interface ReadResult {
  bytes: number;
  lines: number;
  linesTruncated: number;
  /**
   * Set when the file was found truncated: its identity, the position reached and the committed position in
   * that content before the reset (for copy matching).
   */
  truncatedFrom: { fingerprint: Fingerprint; offset: number; committed: number } | undefined;
  /** Set when the path no longer leads to this file (checked at EOF when `checkPath` is set). */
  rotated: 'rename' | 'delete' | undefined;
  released: boolean;
}

export interface TailCheckpoint {
  readonly key: string;
  readonly fpLen: number;
  readonly fpHash: string;
  readonly offset: number;
}

export function isTailCheckpoint(v: unknown): v is TailCheckpoint {
  const c = v as Partial<TailCheckpoint> | null;
  return typeof c === 'object' && c !== null && typeof c.key === 'string' && typeof c.offset === 'number'
    && typeof c.fpLen === 'number' && typeof c.fpHash === 'string';
}

export class TailedFile {
  fh: fsp.FileHandle | undefined;
  state: FileState = 'active';
  /** Worth a read attempt (event, poll tick, or known unread data). */
  dirty = true;
  /** Check at the next EOF whether `path` still leads to this inode. */
  checkPath = false;
  /** The last read reached the end of the file. */
  caughtUp = false;
  /** Re-check the fingerprint after reopening a handle that had been closed for inactivity. */
  verifyOnOpen = false;
  readOffset: number;
  endSeen: number;
  fp: Fingerprint;
  /** The last committed position (what the offsets file holds for this file). */
  committed: { fpLen: number; fpHash: string; offset: number };
  lastYieldedOffset: number;
  lastDataMonoMs = 0;
  lastSize = 0;
  lastMtimeMs = 0;
  seenScanGen = 0;
  releasedScanGen = 0;
  /** A scan missed it while it was still linked: renamed out of the globs (or the scan raced a rename). */
  renamedAway = false;
  /** A rotated-away file at our path that should be drained before this one is read. */
  waitFor: TailedFile | undefined;
  /**
   * A copy read from the position reached in its original (`upTo`) while the original's batches up to there
   * were not all committed yet: the copy's committed position starts at the original's and follows the
   * original's commits of that content (`key`, `fpHash`) up to `upTo`. Until then a restart reads the
   * uncommitted part again from the copy, the only place it still exists once the original is truncated.
   */
  copyOf: { key: string; fpHash: string; upTo: number } | undefined;
  /** Lines → events: splitter, multiline joiner, parser (I/O-free). */
  private readonly events: Assembler;

  constructor(
    readonly key: string, readonly dev: string, readonly ino: string,
    public path: string, public group: GroupRuntime, fp: Fingerprint, startOffset: number,
  ) {
    this.fp = fp;
    this.readOffset = startOffset;
    this.endSeen = startOffset;
    this.committed = { fpLen: fp.fpLen, fpHash: fp.fpHash, offset: startOffset };
    this.lastYieldedOffset = startOffset;
    // A group the native engine takes reads all its files through it (a later version of the group that it
    // cannot take still splits and joins there, and parses every event in JavaScript).
    this.events = group.native !== undefined && group.lines !== undefined ? new NativeAssembler(group, path, group.lines) : new EventAssembler(group, path);
  }

  /** Adopt a new version of the group (same id) or another group: new origin/parser for the next events. */
  setGroup(group: GroupRuntime): void {
    if (group === this.group) return;
    this.group = group;
    this.events.setGroup(group);
  }

  /** Offset up to which everything has been emitted: what a checkpoint may cover. */
  committableOffset(): number {
    return this.events.committableOffset(this.readOffset);
  }

  /** Where a reader of a byte-identical copy of this file would continue. */
  resumeOffset(): number {
    return this.events.resumeOffset(this.readOffset);
  }

  /** The committed position in the current content (0 when the last commit was of other content). */
  durableOffset(): number {
    const c = this.committed;
    return c.fpLen === this.fp.fpLen && c.fpHash === this.fp.fpHash ? c.offset : 0;
  }

  /** Monotonic deadline of the multiline event held, or Infinity. */
  get joinDeadlineMs(): number {
    return this.events.joinDeadlineMs;
  }

  /** Holding state that a close would lose (a joined event in progress or an over-long line). */
  get busy(): boolean {
    return this.events.busy;
  }

  wantsService(nowMonoMs: number): boolean {
    if (this.state === 'released') return false;
    return this.dirty || this.state === 'draining' || this.joinDeadlineMs <= nowMonoMs;
  }

  checkpoint(): TailCheckpoint {
    const offset = this.committableOffset();
    this.lastYieldedOffset = offset;
    return { key: this.key, fpLen: this.fp.fpLen, fpHash: this.fp.fpHash, offset };
  }

  /**
   * Open by path. 'moved' when the path now leads to another inode (the source rescans); 'reset' when a
   * handle closed for inactivity is reopened on content that no longer starts with our fingerprint (the
   * file was truncated, or the inode was freed and reused): it is then read from 0.
   */
  async open(scratch: Buffer): Promise<'ok' | 'moved' | 'reset'> {
    const fh = await fsp.open(this.path, 'r');
    let st;
    try {
      st = await fh.stat({ bigint: true });
    } catch (err) {
      await fh.close();
      throw err;
    }
    if (fileKey(st.dev, st.ino) !== this.key) {
      await fh.close();
      return 'moved';
    }
    this.fh = fh;
    if (this.verifyOnOpen) {
      this.verifyOnOpen = false;
      if (!(await prefixMatches(fh, this.fp, scratch)) || Number(st.size) < this.endSeen) {
        this.resetToStart();
        return 'reset';
      }
    }
    return 'ok';
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    if (fh) await fh.close().catch(() => undefined);
  }

  async read(rc: ReadContext): Promise<ReadResult> {
    const res: ReadResult = { bytes: 0, lines: 0, linesTruncated: 0, truncatedFrom: undefined, rotated: undefined, released: false };
    const fh = this.fh;
    if (!fh) return res;
    const events = this.events;
    events.begin(rc);
    // The stat is synchronous: on an open descriptor of a local file the kernel answers from the inode in
    // memory (1 µs), where a trip to libuv's thread pool and back cost the main thread 60 µs and two wake-ups
    // per batch. (Before, the stat went to the pool alongside the batch's first read.)
    // Whole milliseconds, as the bigint stats of discovery and rescans give them: a fractional mtime here
    // would never equal theirs, and every rescan would reopen a file closed for inactivity.
    const st = fstatSync(fh.fd, { bigint: true });
    const size = Number(st.size);
    const mtimeMs = Number(st.mtimeMs);
    const changed = size !== this.lastSize || mtimeMs !== this.lastMtimeMs;
    this.lastSize = size;
    this.lastMtimeMs = mtimeMs;
    if (size < this.endSeen) this.truncated(res);
    // A file that changed since we last looked is checked against its fingerprint (one read of ≤ 1 KiB): a
    // truncation followed by more bytes than we had read (copytruncate while we were busy elsewhere, or
    // between discovery and the first read) leaves the size above our offset but changes the first bytes.
    // Reading on from our offset would emit the new content from the middle of a line on, lose what precedes
    // it, and checkpoint it under the old identity (a copy of the old content would then be read from there).
    if ((changed && this.fp.fpLen > 0) || (this.fp.fpLen < FINGERPRINT_MAX_BYTES && size > this.fp.fpLen)) {
      const r = await refreshFingerprint(fh, this.fp, rc.scratch);
      if (!r.samePrefix) this.truncated(res); // first bytes rewritten: a new content
      this.fp = r.fingerprint;
    }
    const draining = this.state === 'draining';
    // Draining a file that ends inside an over-long line: one more (empty) read emits that line.
    let eof = size <= this.readOffset && !(draining && events.pendingLineOffset !== undefined);
    while (!eof && events.hasRoom() && !rc.signal.aborted) {
      const want = rc.buf.length;
      const { bytesRead } = await fh.read(rc.buf, 0, want, this.readOffset);
      const short = bytesRead < want;
      if (bytesRead > 0) {
        if (this.readOffset + bytesRead > this.endSeen) this.endSeen = this.readOffset + bytesRead;
        this.lastDataMonoMs = rc.nowMonoMs;
      }
      const consumed = events.scan(rc.buf, bytesRead, this.readOffset, draining && short);
      this.readOffset += consumed;
      res.bytes += consumed;
      if (short && (consumed === bytesRead || events.hasRoom())) eof = true;
      else if (res.bytes >= rc.maxBytes || rc.monotonic() >= rc.deadlineMonoMs) break;
    }
    this.caughtUp = eof;
    this.dirty = !eof;
    if (eof && this.state === 'active' && this.checkPath) {
      this.checkPath = false;
      res.rotated = await this.pathMoved(Number(st.nlink));
      if (res.rotated) this.dirty = true; // drain: the incomplete last line is emitted on the next read
    }
    if (events.expired(rc.nowMonoMs) || (eof && draining)) events.flush();
    if (eof && draining) {
      res.released = true; // the source closes the handle
      this.state = 'released';
    } else if (this.fp.fpLen < FINGERPRINT_MAX_BYTES && this.endSeen > this.fp.fpLen) {
      const r = await refreshFingerprint(fh, this.fp, rc.scratch);
      if (!r.samePrefix) this.truncated(res);
      this.fp = r.fingerprint;
    }
    const counts = events.end();
    res.lines = counts.lines;
    res.linesTruncated = counts.linesTruncated;
    return res;
  }

  /** Where the file is now: nothing left at the path, or another inode there. */
  private async pathMoved(nlink: number): Promise<'rename' | 'delete' | undefined> {
    try {
      const st = await fsp.stat(this.path, { bigint: true });
      if (fileKey(st.dev, st.ino) === this.key) return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined; // cannot tell (EACCES, EIO): keep reading
    }
    this.state = 'draining';
    this.renamedAway = nlink > 0;
    return nlink === 0 ? 'delete' : 'rename';
  }

  private truncated(res: ReadResult): void {
    if (res.truncatedFrom === undefined) {
      res.truncatedFrom = { fingerprint: this.fp, offset: this.resumeOffset(), committed: this.durableOffset() };
    }
    this.events.flush(); // complete lines of the old content
    this.resetToStart();
  }

  private resetToStart(): void {
    this.readOffset = 0;
    this.endSeen = 0;
    this.events.reset();
    this.fp = EMPTY_FINGERPRINT;
    this.dirty = true;
  }
}
