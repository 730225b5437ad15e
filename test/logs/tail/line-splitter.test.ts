import t from 'tap';
import { LogFlag } from '../../../src/pipeline/records';
import { LineSplitter, utf8CutPoint, type LineSink } from '../../../src/logs/tail/line-splitter';

interface Line { text: string; offset: number; size: number; flags: number }

class Collect implements LineSink {
  readonly lines: Line[] = [];
  constructor(private readonly room = Infinity) {}
  line(text: string, offset: number, size: number, flags: number): boolean {
    this.lines.push({ text, offset, size, flags });
    return this.lines.length < this.room;
  }
}

/** Feed `data` through a splitter the way the reader does: re-reading unconsumed bytes, `bufSize` at a time. */
function feed(data: Buffer, maxLine: number, bufSize: number, final = false, sink = new Collect()) {
  const s = new LineSplitter(maxLine);
  const buf = Buffer.alloc(bufSize);
  let pos = 0;
  for (;;) {
    const n = data.copy(buf, 0, pos, pos + bufSize);
    const short = n < bufSize;
    const consumed = s.scan(buf, n, pos, sink, final && short);
    pos += consumed;
    if (short) break;
  }
  return { lines: sink.lines, pos, splitter: s };
}

void t.test('splits lines, strips CR, skips empty lines, holds the incomplete last line', (t) => {
  const data = Buffer.from('one\r\ntwo\n\n\r\nthree\npart');
  const { lines, pos, splitter } = feed(data, 100, 7);
  t.same(lines.map((l) => l.text), ['one', 'two', 'three']);
  t.same(lines.map((l) => l.offset), [0, 5, 12]);
  t.same(lines.map((l) => l.size), [4, 3, 5], 'size counts the CR, not the LF');
  t.equal(pos, 18, 'stops before the incomplete line');
  t.equal(splitter.linesSeen, 5);
  t.same(feed(data, 100, 64, true).lines.at(-1), { text: 'part', offset: 18, size: 4, flags: 0 }, 'final emits the rest');
  t.end();
});

void t.test('stops when the sink is full and resumes at a line boundary', (t) => {
  const sink = new Collect(2);
  const s = new LineSplitter(100);
  const buf = Buffer.from('a\nb\nc\n');
  t.equal(s.scan(buf, buf.length, 0, sink, false), 4);
  t.same(sink.lines.map((l) => l.text), ['a', 'b']);
  t.end();
});

void t.test('over-long line inside the buffer: cut on a UTF-8 boundary, flagged, full size', (t) => {
  const long = 'ab' + 'é'.repeat(10); // 22 bytes
  const { lines } = feed(Buffer.from(`${long}\nnext\n`), 5, 64);
  t.same(lines[0], { text: 'abé', offset: 0, size: 22, flags: LogFlag.truncated });
  t.same(lines[1]?.text, 'next');
  const b = Buffer.from('aé');
  t.equal(utf8CutPoint(b, 0, 2), 1, 'backs off to the lead byte');
  t.end();
});

void t.test('over-long line across buffers: skip mode keeps only the cut', (t) => {
  const big = Buffer.alloc(1_000_000, 0x78);
  const data = Buffer.concat([Buffer.from('head\n'), big, Buffer.from('\ntail\n')]);
  const { lines } = feed(data, 100, 4096);
  t.equal(lines.length, 3);
  t.equal(lines[1]?.text, 'x'.repeat(100));
  t.equal(lines[1]?.size, 1_000_000);
  t.equal(lines[1]?.offset, 5);
  t.equal(lines[1]?.flags, LogFlag.truncated);
  t.same(lines[2], { text: 'tail', offset: 1_000_006, size: 4, flags: 0 });
  const final = feed(Buffer.concat([Buffer.from('h\n'), big]), 100, 4096, true).lines;
  t.equal(final[1]?.size, 1_000_000, 'an unterminated long line is emitted at drain');
  t.end();
});

void t.test('invalid UTF-8 and binary bytes are flagged, never thrown', (t) => {
  const data = Buffer.concat([
    Buffer.from('ok \ufffd literal\n'), Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a]), Buffer.from('nul\0byte\tand tab\n'),
    Buffer.from('tab\tonly\n'), Buffer.from('esc \x1b[31mred\n'), Buffer.from([0xc3, 0x28, 0x00, 0x0a]),
  ]);
  const { lines } = feed(data, 100, 64);
  t.same(lines.map((l) => l.flags), [
    0, LogFlag.invalid_utf8, LogFlag.binary, 0, LogFlag.binary, LogFlag.invalid_utf8 | LogFlag.binary,
  ]);
  t.equal(lines[1]?.text, 'a\ufffd\ufffdb');
  t.end();
});
