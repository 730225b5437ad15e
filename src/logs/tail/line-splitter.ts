/**
 * Bytes → lines, I/O-free. One splitter per tailed file; the caller owns the (shared, reused) read buffer.
 *
 * Contract with the reader: `scan(buf, n, pos, …)` looks at `buf[0..n)`, the bytes of the file at `pos..pos+n`,
 * and returns how many bytes it consumed. Unconsumed bytes (an incomplete last line, or lines left because
 * the sink is full) are simply read again next time from `pos + consumed`: nothing is copied between reads,
 * so per-file memory does not grow with line length. This needs `buf.length > maxLineBytes` (a full buffer
 * then always holds either a newline or more than `maxLineBytes` bytes of one line).
 *
 * - Lines end at `\n`; a trailing `\r` is stripped (CRLF). Empty lines carry nothing and are not emitted.
 * - A line longer than `maxLineBytes` is cut there (backing off to a UTF-8 character boundary) and flagged
 *   `truncated`; `sizeBytes` is still the full original length. When the line does not fit the buffer the
 *   splitter switches to skip mode: it keeps only the cut text and counts the rest of the line as it streams
 *   past, so a 10 MB line costs `maxLineBytes` of memory, not 10 MB.
 * - Decoding is done once per line with replacement characters; `invalid_utf8` is set only when the
 *   decoded text contains U+FFFD and the bytes are not valid UTF-8 (cheap: the check runs only then);
 *   `binary` is set when a NUL or another C0 control character except TAB is present.
 * - An incomplete last line is held back until its newline arrives, except when `final` is set (the file was
 *   rotated away or deleted and is drained to its end): the remainder is then emitted as a line.
 */
import { isUtf8 } from 'node:buffer';
import { LogFlag } from '../../pipeline/records';

const NL = 0x0a;
const CR = 0x0d;
/** C0 controls except TAB (LF cannot occur inside a line; CR only at the end, where it is stripped). */
const CONTROL_RE = /[\u0000-\u0008\u000a-\u001f]/;

export interface LineSink {
  /** One physical line. Returns false when no more lines fit: the splitter stops after this one. */
  line(text: string, offset: number, sizeBytes: number, flags: number): boolean;
}

/** Largest cut ≤ `limit` that does not split a UTF-8 character (at most 3 bytes back). */
export function utf8CutPoint(buf: Buffer, start: number, limit: number): number {
  let cut = limit;
  for (let k = 0; k < 3 && cut > start && ((buf[cut] as number) & 0xc0) === 0x80; k++) cut--;
  return ((buf[cut] as number) & 0xc0) === 0x80 ? limit : cut; // not valid UTF-8 anyway: cut at the limit
}

export function decodeFlags(buf: Buffer, start: number, end: number, text: string): number {
  let flags = 0;
  if (text.indexOf('\ufffd') !== -1 && !isUtf8(buf.subarray(start, end))) flags |= LogFlag.invalid_utf8;
  if (CONTROL_RE.test(text)) flags |= LogFlag.binary;
  return flags;
}

export class LineSplitter {
  /** Physical lines seen (including empty ones), for the lines counter; the caller resets it. */
  linesSeen = 0;
  private skipping = false;
  private skipOffset = 0;
  private skipSeen = 0;
  private skipText = '';
  private skipFlags = 0;

  constructor(public maxLineBytes: number) {}

  /** In the middle of an over-long line: the offset of its first byte (nothing from it is emitted yet). */
  get pendingLineOffset(): number | undefined {
    return this.skipping ? this.skipOffset : undefined;
  }

  /** Forget any line in progress (the file was truncated). */
  reset(): void {
    this.skipping = false;
    this.skipText = '';
  }

  scan(buf: Buffer, n: number, pos: number, sink: LineSink, final: boolean): number {
    const view = n === buf.length ? buf : buf.subarray(0, n);
    let start = 0;
    if (this.skipping) {
      const nl = view.indexOf(NL, 0);
      if (nl < 0) {
        this.skipSeen += n;
        if (final) {
          this.linesSeen++;
          this.endSkip(sink, this.skipSeen);
        }
        return n;
      }
      this.linesSeen++;
      const more = this.endSkip(sink, this.skipSeen + nl);
      start = nl + 1;
      if (!more) return start;
    }
    for (;;) {
      const nl = view.indexOf(NL, start);
      if (nl < 0) break;
      this.linesSeen++;
      const more = this.emit(view, start, nl, pos + start, sink);
      start = nl + 1;
      if (!more) return start;
    }
    const rest = n - start;
    if (rest === 0) return n;
    if (rest > this.maxLineBytes) {
      // The line does not fit the buffer: keep the cut text, skip the rest until its newline.
      const cut = utf8CutPoint(view, start, start + this.maxLineBytes);
      this.skipText = view.toString('utf8', start, cut);
      this.skipFlags = decodeFlags(view, start, cut, this.skipText) | LogFlag.truncated;
      this.skipOffset = pos + start;
      this.skipSeen = rest;
      this.skipping = true;
      if (final) {
        this.linesSeen++;
        this.endSkip(sink, rest);
      }
      return n;
    }
    if (final) {
      this.linesSeen++;
      this.emit(view, start, n, pos + start, sink);
      return n;
    }
    return start; // incomplete line: read again once more bytes arrived
  }

  private endSkip(sink: LineSink, sizeBytes: number): boolean {
    this.skipping = false;
    const text = this.skipText;
    this.skipText = '';
    return sink.line(text, this.skipOffset, sizeBytes, this.skipFlags);
  }

  private emit(view: Buffer, start: number, nl: number, offset: number, sink: LineSink): boolean {
    const sizeBytes = nl - start;
    let end = nl > start && view[nl - 1] === CR ? nl - 1 : nl;
    let flags = 0;
    if (end - start > this.maxLineBytes) {
      end = utf8CutPoint(view, start, start + this.maxLineBytes);
      flags = LogFlag.truncated;
    }
    if (end === start) return true; // empty line: nothing to ship
    const text = view.toString('utf8', start, end);
    return sink.line(text, offset, sizeBytes, flags | decodeFlags(view, start, end, text));
  }
}
