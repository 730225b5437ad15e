import t from 'tap';
import { LogFlag } from '../../../src/pipeline/records';
import { MultilineJoiner, type EventSink } from '../../../src/logs/tail/multiline';

class Events implements EventSink {
  readonly out: { text: string; offset: number; size: number; flags: number }[] = [];
  event(text: string, offset: number, size: number, flags: number): void {
    this.out.push({ text, offset, size, flags });
  }
}

function feed(j: MultilineJoiner, sink: Events, lines: string[], start = 0, now = 0): number {
  let off = start;
  for (const l of lines) {
    j.push(l, off, Buffer.byteLength(l), 0, now, sink);
    off += Buffer.byteLength(l) + 1;
  }
  return off;
}

const trace = ['2024-01-01 ERROR boom', 'java.lang.X: y', '\tat a.b(C.java:1)', '\tat d.e(F.java:2)'];

void t.test('joins continuation lines to the previous start line', (t) => {
  const sink = new Events();
  const j = new MultilineJoiner({ startPattern: /^\d{4}-/, negate: false, timeoutMs: 100, maxLines: 50 }, 1 << 20);
  feed(j, sink, [...trace, '2024-01-01 INFO next']);
  t.equal(sink.out.length, 1);
  t.same(sink.out[0], { text: trace.join('\n'), offset: 0, size: trace.join('\n').length, flags: LogFlag.multiline });
  t.equal(j.pendingOffset, trace.join('\n').length + 1, 'the next event is held');
  j.flush(sink);
  t.same(sink.out[1]?.flags, 0, 'single line: no multiline flag');
  t.equal(j.pendingOffset, undefined);
  t.end();
});

void t.test('negate: matching lines are continuations', (t) => {
  const sink = new Events();
  const j = new MultilineJoiner({ startPattern: /^\s/, negate: true, timeoutMs: 100, maxLines: 50 }, 1 << 20);
  feed(j, sink, ['a', ' b', ' c', 'd']);
  j.flush(sink);
  t.same(sink.out.map((e) => e.text), ['a\n b\n c', 'd']);
  t.end();
});

void t.test('max_lines, timeout and the byte cap', (t) => {
  const sink = new Events();
  const j = new MultilineJoiner({ startPattern: /^S/, negate: false, timeoutMs: 100, maxLines: 3 }, 12);
  feed(j, sink, ['S1', 'c', 'c', 'c']);
  t.same(sink.out.map((e) => e.text), ['S1\nc\nc'], 'flushed at max_lines');
  t.notOk(j.expired(50));
  t.ok(j.expired(100), 'expires timeoutMs after the last line');
  t.equal(j.deadlineMs, 100);
  j.flush(sink);
  const j2 = new MultilineJoiner({ startPattern: /^S/, negate: false, timeoutMs: 100, maxLines: 50 }, 13);
  const s2 = new Events();
  feed(j2, s2, ['S-start', 'c1234', 'c5678']);
  j2.flush(s2);
  t.equal(s2.out[0]?.text, 'S-start\nc1234');
  t.equal(s2.out[0]?.size, 'S-start\nc1234\nc5678'.length, 'size covers every line');
  t.equal(s2.out[0]?.flags, LogFlag.multiline | LogFlag.truncated);
  t.end();
});
