/**
 * Multiline joining (Java stack traces, Python tracebacks), I/O-free. One joiner per tailed file.
 *
 * A line is a start line when `startPattern.test(line) !== negate`; other lines are appended (with `\n`) to
 * the event in progress. The event in progress is emitted when the next start line arrives, when it
 * reaches `maxLines`, after `timeoutMs` without a new line (so the last trace of a quiet file is not held
 * forever: the caller checks `expired`), and when the file is drained or truncated (`flush`).
 * The joined message is capped at `maxBytes` (the group's max_line_bytes): further lines still count in
 * `sizeBytes` but their text is dropped and the event is flagged `truncated`.
 * While lines are held, `pendingOffset` is the first byte of the held event: a checkpoint never goes past it.
 */
import { LogFlag } from '../../pipeline/records';

export interface MultilineConfig {
  readonly startPattern: RegExp;
  readonly negate: boolean;
  readonly timeoutMs: number;
  readonly maxLines: number;
}

export interface EventSink {
  /** One event (a single line or several joined). */
  event(text: string, offset: number, sizeBytes: number, flags: number): void;
}

export class MultilineJoiner {
  private text = '';
  private textBytes = 0;
  private lines = 0;
  private offset = 0;
  private endOffset = 0;
  private flags = 0;
  private lastAppendMs = 0;

  constructor(private readonly cfg: MultilineConfig, private readonly maxBytes: number) {}

  get hasPending(): boolean {
    return this.lines > 0;
  }

  /** First byte of the event in progress, or undefined. */
  get pendingOffset(): number | undefined {
    return this.lines > 0 ? this.offset : undefined;
  }

  /** Monotonic time at which the event in progress times out (Infinity when none). */
  get deadlineMs(): number {
    return this.lines > 0 ? this.lastAppendMs + this.cfg.timeoutMs : Infinity;
  }

  push(text: string, offset: number, sizeBytes: number, flags: number, nowMonoMs: number, sink: EventSink): void {
    const isStart = this.cfg.startPattern.test(text) !== this.cfg.negate;
    if (this.lines > 0 && isStart) this.flush(sink);
    this.lastAppendMs = nowMonoMs;
    if (this.lines === 0) {
      this.text = text;
      this.textBytes = Buffer.byteLength(text);
      this.lines = 1;
      this.offset = offset;
      this.flags = flags;
    } else {
      const bytes = Buffer.byteLength(text) + 1;
      if (this.textBytes + bytes <= this.maxBytes) {
        this.text += '\n' + text;
        this.textBytes += bytes;
      } else this.flags |= LogFlag.truncated;
      this.lines++;
      this.flags |= flags | LogFlag.multiline;
    }
    this.endOffset = offset + sizeBytes;
    if (this.lines >= this.cfg.maxLines) this.flush(sink);
  }

  /** True when the event in progress has waited `timeoutMs` without a new line. */
  expired(nowMonoMs: number): boolean {
    return this.lines > 0 && nowMonoMs >= this.lastAppendMs + this.cfg.timeoutMs;
  }

  /** Emit the event in progress, if any. */
  flush(sink: EventSink): void {
    if (this.lines === 0) return;
    const text = this.text;
    this.text = '';
    this.lines = 0;
    sink.event(text, this.offset, this.endOffset - this.offset, this.flags);
  }
}
