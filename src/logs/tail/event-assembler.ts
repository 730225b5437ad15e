/**
 * One tailed file's bytes → log events, I/O-free: its line splitter, multiline joiner, parser and origin, and
 * the room left in the batch being filled. The file reader (file-reader.ts) does the reads and hands each
 * chunk to `scan`; what the splitter and the joiner still hold decides what a checkpoint may cover.
 *
 * A batch is filled between `begin` and `end`: lines become events until `maxRecords` events or `maxBytes`
 * of line bytes are reached. A new multiline config of the group takes effect at the start of a batch in
 * which nothing is held (a joined event in progress or an over-long line being skipped).
 */
import { LogFlag, makeLogEvent, type LogEvent, type LogOrigin, type LogRecord } from '../../pipeline/records';
import type { NativeScratch } from './native-assembler';
import { errorMessage } from '../../errors';
import type { LineParser } from '../parse/contract';
import type { GroupRuntime } from './groups';
import { LineSplitter, type LineSink } from './line-splitter';
import { MultilineJoiner, type EventSink, type MultilineConfig } from './multiline';

/** What filling one batch needs (a subset of the reader's ReadContext). */
export interface BatchRoom {
  readonly out: LogRecord[];
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly nowMs: number;
  readonly nowMonoMs: number;
  /** The native engine's per-batch arrays, shared by the files of one source (native-assembler.ts). */
  readonly native: NativeScratch;
}

/**
 * One tailed file's bytes → log records, I/O-free: EventAssembler (JavaScript) or NativeAssembler (the
 * native line engine), with the same contract. The file reader calls `begin`, then `scan` and `flush` any
 * number of times, then `end`.
 */
export interface Assembler {
  setGroup(group: GroupRuntime): void;
  readonly pendingLineOffset: number | undefined;
  committableOffset(readOffset: number): number;
  resumeOffset(readOffset: number): number;
  readonly joinDeadlineMs: number;
  readonly busy: boolean;
  begin(rc: BatchRoom): void;
  end(): { lines: number; linesTruncated: number };
  scan(buf: Buffer, n: number, pos: number, final: boolean): number;
  flush(): void;
  expired(nowMonoMs: number): boolean;
  reset(): void;
  hasRoom(): boolean;
}

export class EventAssembler implements Assembler, LineSink, EventSink {
  private origin: LogOrigin;
  private group: GroupRuntime;
  private parser: LineParser;
  private readonly splitter: LineSplitter;
  private joiner: MultilineJoiner | undefined;
  private joinerCfg: MultilineConfig | undefined;
  private rc: BatchRoom | undefined;
  private batchLineBytes = 0;
  private linesTruncated = 0;

  constructor(group: GroupRuntime, path: string) {
    this.group = group;
    this.origin = group.origin(path);
    this.parser = group.parser;
    this.splitter = new LineSplitter(group.spec.maxLineBytes);
    this.joinerCfg = group.multiline;
    this.joiner = group.multiline && new MultilineJoiner(group.multiline, group.spec.maxLineBytes);
  }

  /** Another version of the group (or another group): new origin/parser for the next events. */
  setGroup(group: GroupRuntime): void {
    this.group = group;
    this.origin = group.origin(this.origin.path);
    this.parser = group.parser;
    this.splitter.maxLineBytes = group.spec.maxLineBytes;
  }

  /** In the middle of an over-long line: the offset of its first byte. */
  get pendingLineOffset(): number | undefined {
    return this.splitter.pendingLineOffset;
  }

  /** Offset up to which everything has been emitted, for a file read up to `readOffset`. */
  committableOffset(readOffset: number): number {
    const skipping = this.splitter.pendingLineOffset;
    const held = this.joiner?.pendingOffset;
    const base = skipping ?? readOffset;
    return held !== undefined && held < base ? held : base;
  }

  /** Where a reader of a byte-identical copy would continue, for a file read up to `readOffset`. */
  resumeOffset(readOffset: number): number {
    return this.splitter.pendingLineOffset ?? readOffset;
  }

  /** Monotonic deadline of the multiline event held, or Infinity. */
  get joinDeadlineMs(): number {
    return this.joiner?.deadlineMs ?? Infinity;
  }

  /** Holding state that a close would lose (a joined event in progress or an over-long line). */
  get busy(): boolean {
    return (this.joiner?.hasPending ?? false) || this.splitter.pendingLineOffset !== undefined;
  }

  /** Start filling `rc.out`; adopts the group's current multiline config when nothing is held. */
  begin(rc: BatchRoom): void {
    this.rc = rc;
    this.batchLineBytes = 0;
    this.linesTruncated = 0;
    this.splitter.linesSeen = 0;
    if (this.joinerCfg !== this.group.multiline && !this.busy) {
      this.joinerCfg = this.group.multiline;
      this.joiner = this.joinerCfg && new MultilineJoiner(this.joinerCfg, this.group.spec.maxLineBytes);
    }
  }

  /** Done filling: the physical lines seen and the events flagged truncated since `begin`. */
  end(): { lines: number; linesTruncated: number } {
    const counts = { lines: this.splitter.linesSeen, linesTruncated: this.linesTruncated };
    this.rc = undefined;
    return counts;
  }

  /** The bytes of the file at `pos..pos+n` in `buf[0..n)`; returns how many were consumed (line-splitter.ts). */
  scan(buf: Buffer, n: number, pos: number, final: boolean): number {
    return this.splitter.scan(buf, n, pos, this, final);
  }

  /** Emit the joined event in progress, if any (drained, truncated, or its timeout passed). */
  flush(): void {
    this.joiner?.flush(this);
  }

  /** The joined event in progress has waited `timeout_ms` without a new line. */
  expired(nowMonoMs: number): boolean {
    return this.joiner?.expired(nowMonoMs) ?? false;
  }

  /** The file is read again from 0: forget the over-long line being skipped. */
  reset(): void {
    this.splitter.reset();
  }

  hasRoom(): boolean {
    const rc = this.rc as BatchRoom;
    return rc.out.length < rc.maxRecords && this.batchLineBytes < rc.maxBytes;
  }

  line(text: string, offset: number, sizeBytes: number, flags: number): boolean {
    this.batchLineBytes += sizeBytes + 1;
    if (this.joiner) this.joiner.push(text, offset, sizeBytes, flags, (this.rc as BatchRoom).nowMonoMs, this);
    else this.event(text, offset, sizeBytes, flags);
    return this.hasRoom();
  }

  event(text: string, offset: number, sizeBytes: number, flags: number): void {
    const rc = this.rc as BatchRoom;
    if ((flags & LogFlag.truncated) !== 0) this.linesTruncated++;
    rc.out.push(parsedEvent(this.origin, this.parser, text, offset, sizeBytes, flags, rc.nowMs));
  }
}

/** One event's text through its parser: a line that does not parse is flagged and kept, never dropped. */
export function parsedEvent(
  origin: LogOrigin, parser: LineParser, text: string, offset: number, sizeBytes: number, flags: number, nowMs: number,
): LogEvent {
  const ev = makeLogEvent(origin, text, offset, sizeBytes, flags, nowMs);
  let reason: string | undefined;
  try {
    reason = parser.parse(ev, nowMs);
  } catch (err) {
    reason = `parser error: ${errorMessage(err)}`;
  }
  if (reason !== undefined) {
    ev.flags |= LogFlag.parse_failure;
    ev.error = reason;
  }
  return ev;
}
