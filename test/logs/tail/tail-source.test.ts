import { appendFileSync, mkdirSync, promises as fsp, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { systemClock } from '../../../src/pipeline/context';
import { LogFlag, type LogEvent } from '../../../src/pipeline/records';
import type { LineParser, LogFormat } from '../../../src/logs/parse/contract';
import { testContext } from '../../helpers/context';
import { asEvents } from '../../helpers/blocks';
import { Consumer, group, lines, makeSource, metricValue, range, readOffsets, sleep } from './helpers';

void t.test('reads existing files from the beginning and follows appends', async (t) => {
  const dir = t.testdir({ logs: { 'a.log': lines(0, 3) } });
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'))]);
  const c = new Consumer(src);
  await c.waitForCount(3);
  for (let i = 3; i < 300; i += 3) appendFileSync(path.join(dir, 'logs/a.log'), lines(i, i + 3)); // appended while read
  await c.waitForCount(300);
  await c.stop();
  t.same(c.messages(), range(0, 300));
  t.equal(c.events[3]?.offset, lines(0, 3).length);
  const e = c.events[0] as LogEvent;
  t.same([e.origin.path, e.dataset, e.sizeBytes, e.flags, e.origin.identity.app], [path.join(dir, 'logs/a.log'), 'generic.log', 6, 0, 'test']);
});

void t.test('start_at: end skips what a file held at start, beginning reads it; new files are read from 0', async (t) => {
  const dir = t.testdir({ logs: { 'a.log': lines(0, 5) + 'partial' }, other: { 'b.log': lines(0, 2) } });
  const src = makeSource(path.join(dir, 'state'), [
    group(path.join(dir, 'logs/*.log'), { startAt: 'end' }),
    group(path.join(dir, 'other/*.log'), { id: 'files[1]', startAt: 'beginning' }),
  ]);
  const c = new Consumer(src);
  await c.waitForCount(2);
  appendFileSync(path.join(dir, 'logs/a.log'), ' line\n' + lines(5, 6));
  writeFileSync(path.join(dir, 'logs/new.log'), lines(0, 2, 'new'));
  await c.waitForCount(6);
  await c.stop();
  t.same(c.messages().sort(), ['line 0', 'line 1', 'line 5', 'new 0', 'new 1', 'partial line'].sort());
});

void t.test('a file created after start, in a directory that did not exist, is picked up', async (t) => {
  const dir = t.testdir({ logs: {} });
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/app/*.log'), { startAt: 'end' })], {
    rescanIntervalMs: 60_000, // only the watcher can find it quickly
  });
  const c = new Consumer(src);
  await sleep(300);
  mkdirSync(path.join(dir, 'logs/app'));
  await sleep(200);
  writeFileSync(path.join(dir, 'logs/app/x.log'), lines(0, 3));
  const started = Date.now();
  await c.waitForCount(3);
  await c.stop();
  t.same(c.messages(), range(0, 3), 'read from 0 although start_at is end');
  t.ok(Date.now() - started < 3000, 'picked up quickly');
});

void t.test('with no filesystem event at all, the periodic rescan alone finds a new file', async (t) => {
  // inotify can miss events (overflow, some network filesystems): the watcher is switched off here, so only
  // the rescan can find the file. With a long rescan interval it is not found: the watcher really is off.
  const run = async (rescanIntervalMs: number, name: string): Promise<Consumer> => {
    const dir = t.testdir({ logs: {} });
    const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'), { startAt: 'end' })], { rescanIntervalMs });
    (src as unknown as { watcher: { update(targets: unknown): void } }).watcher.update = () => undefined;
    const c = new Consumer(src, t);
    await sleep(300);
    writeFileSync(path.join(dir, 'logs', `${name}.log`), lines(0, 3, name));
    return c;
  };
  const rescanned = await run(300, 'found');
  await rescanned.waitForCount(3);
  t.same(rescanned.messages(), range(0, 3, 'found'), 'found by the rescan and read from 0 although start_at is end');
  const unwatched = await run(60_000, 'missed');
  await unwatched.settle(1500);
  t.equal(unwatched.events.length, 0, 'without the rescan, no event finds it');
});

void t.test('partial lines wait for their newline; CRLF, binary and invalid UTF-8 are handled', async (t) => {
  const dir = t.testdir({ logs: {} });
  const p = path.join(dir, 'logs/a.log');
  writeFileSync(p, 'crlf line\r\nhalf');
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'))]);
  const c = new Consumer(src);
  await c.waitForCount(1);
  await sleep(200);
  t.same(c.messages(), ['crlf line'], 'the incomplete line is held');
  appendFileSync(p, Buffer.concat([
    Buffer.from(' done\n'), Buffer.from([0x00, 0x01, 0x02, 0xff, 0x7f, 0x0a]), Buffer.from([0x62, 0xe9, 0x62, 0x0a]),
    Buffer.from('ok ünïcødé\n'),
  ]));
  await c.waitForCount(5);
  await c.stop();
  t.same(c.messages(), ['crlf line', 'half done', '\u0000\u0001\u0002\ufffd\u007f', 'b\ufffdb', 'ok ünïcødé']);
  t.same(c.events.map((e) => e.flags), [0, 0, LogFlag.binary | LogFlag.invalid_utf8, LogFlag.invalid_utf8, 0]);
  t.equal(c.events[0]?.sizeBytes, 10);
});

void t.test('a 10 MB line is cut, flagged and skipped without buffering it', async (t) => {
  const dir = t.testdir({ logs: {} });
  const p = path.join(dir, 'logs/a.log');
  const big = Buffer.alloc(10 * 1024 * 1024, 0x41);
  writeFileSync(p, Buffer.concat([Buffer.from('before\n'), big, Buffer.from('\nafter\n')]));
  const ctx = testContext(path.join(dir, 'state'), { clock: systemClock });
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'), { maxLineBytes: 1000 })], {
    context: ctx, readChunkBytes: 64 * 1024,
  });
  const before = process.memoryUsage().arrayBuffers;
  const c = new Consumer(src);
  await c.waitForCount(3);
  const grown = process.memoryUsage().arrayBuffers - before;
  await c.stop();
  t.same(c.messages().map((m) => m.length), [6, 1000, 5]);
  t.equal(c.events[1]?.sizeBytes, big.length, 'size is the original length');
  t.equal(c.events[1]?.flags, LogFlag.truncated);
  t.equal(c.events[2]?.offset, 7 + big.length + 1);
  t.ok(grown < 4 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
  t.equal(await metricValue(ctx.metrics, 'herald_tail_lines_truncated_total'), 1);
  t.equal(await metricValue(ctx.metrics, 'herald_tail_lines_total'), 3);
});

void t.test('multiline: stack traces joined, the last one flushed after the timeout', async (t) => {
  const dir = t.testdir({ logs: {} });
  const p = path.join(dir, 'logs/app.log');
  const trace = '2024-01-01 ERROR x\njava.lang.RuntimeException: boom\n\tat a.B.c(B.java:1)\n';
  writeFileSync(p, '2024-01-01 INFO start\n' + trace);
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'), {
    multiline: { startPattern: /^\d{4}-/, negate: false, timeoutMs: 300, maxLines: 100 },
  })]);
  const c = new Consumer(src);
  await c.waitForCount(1);
  const firstAt = Date.now();
  t.same(c.messages(), ['2024-01-01 INFO start']);
  t.equal((c.batches[0]?.checkpoint as { offset: number }).offset, 22, 'the checkpoint stops before the held trace');
  await c.waitForCount(2);
  t.ok(Date.now() - firstAt >= 250, 'held until the timeout');
  await c.stop();
  t.equal(c.messages()[1], trace.trimEnd());
  t.equal(c.events[1]?.flags, LogFlag.multiline);
  t.equal(c.events[1]?.sizeBytes, trace.length - 1);
});

void t.test('parse failures are flagged and shipped', async (t) => {
  const dir = t.testdir({ logs: { 'a.log': 'good\nbad\n' } });
  const parserFor = (format: LogFormat): LineParser => ({
    format,
    parse: (e, nowMs) => {
      if (e.message === 'bad') return 'test: no match';
      e.level = 'info';
      e.timestampMs = nowMs - 1;
      return undefined;
    },
  });
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'))], { parserFor });
  const c = new Consumer(src);
  await c.waitForCount(2);
  await c.stop();
  t.same(c.events.map((e) => [e.level, e.flags, e.error]), [['info', 0, undefined], [undefined, LogFlag.parse_failure, 'test: no match']]);
  t.equal(c.events[0]?.timestampMs, (c.events[1]?.timestampMs ?? 0) - 1, 'one clock reading per batch');
});

void t.test('batches hold one file, files take turns, limits apply', async (t) => {
  const dir = t.testdir({ logs: { 'busy.log': lines(0, 1000, 'busy'), 'quiet.log': lines(0, 3, 'quiet') } });
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'))], { batchMaxRecords: 100 });
  const c = new Consumer(src);
  await c.waitForCount(1003);
  await c.stop();
  for (const b of c.batches) {
    t.ok(b.records.length <= 100);
    t.equal(new Set(b.records.map((r) => r.origin.path)).size, 1, 'one file per batch');
  }
  const quietAt = c.batches.findIndex((b) => b.records[0]?.message.startsWith('quiet'));
  t.ok(quietAt <= 1, `the quiet file is served within the first turns (batch ${quietAt})`);
  const small = makeSource(path.join(dir, 'state2'), [group(path.join(dir, 'logs/busy.log'))], { batchMaxBytes: 100 });
  const c2 = new Consumer(small);
  await c2.waitForCount(1000);
  await c2.stop();
  const overfull = c2.batches.filter((b) => {
    const bytes = b.records.slice(0, -1).reduce((n, r) => n + r.sizeBytes + 1, 0);
    return bytes >= 100; // the limit is reached by the last line of a batch, never before it
  });
  t.same(overfull, [], 'batchMaxBytes bounds a batch');
  t.ok(c2.batches.length > 50);
});

void t.test('backpressure: nothing is read ahead of the consumer; abort ends the generator', async (t) => {
  const dir = t.testdir({ logs: { 'a.log': lines(0, 5000) } });
  const ctx = testContext(path.join(dir, 'state'), { clock: systemClock });
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'))], { context: ctx, batchMaxRecords: 100 });
  const ctl = new AbortController();
  const it = src.batches(ctl.signal)[Symbol.asyncIterator]();
  const first = await it.next();
  t.equal(asEvents(first.value?.records ?? []).length, 100);
  await sleep(300);
  t.equal(await metricValue(ctx.metrics, 'herald_tail_lines_total'), 100, 'only what was asked for was read');
  const second = await it.next();
  t.equal(asEvents(second.value?.records ?? [])[0]?.message, 'line 100');
  const pending = it.next(); // reads a batch, then is asked to stop
  ctl.abort();
  await pending;
  const started = Date.now();
  t.same(await it.next(), { done: true, value: undefined });
  t.ok(Date.now() - started < 500);
  // The batch read when abort came is not lost: a new iteration yields it first.
  const again = src.batches(new AbortController().signal)[Symbol.asyncIterator]();
  const third = await again.next();
  t.equal(asEvents(third.value?.records ?? [])[0]?.message, 'line 200');
  await again.return(undefined);
  await src.close();
  await src.close();
  t.equal(await metricValue(ctx.metrics, 'herald_tail_files_open'), 0);
});

void t.test('idle: waits without spinning, wakes on appends', async (t) => {
  const dir = t.testdir({ logs: { 'a.log': '' } });
  const ctx = testContext(path.join(dir, 'state'), { clock: systemClock });
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'))], { context: ctx, pollIntervalMs: 250 });
  const c = new Consumer(src);
  await sleep(300);
  const cpu = process.cpuUsage();
  await sleep(1000);
  const used = process.cpuUsage(cpu);
  t.ok(used.user + used.system < 200_000, `idle for 1 s used ${(used.user + used.system) / 1000} ms of CPU`);
  appendFileSync(path.join(dir, 'logs/a.log'), 'hello\n');
  await c.waitForCount(1);
  await c.stop();
});

void t.test('max_open_files: every file is read with fewer handles', async (t) => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 6; i++) files[`f${i}.log`] = lines(0, 50, `f${i}`);
  const dir = t.testdir({ logs: files });
  const ctx = testContext(path.join(dir, 'state'), { clock: systemClock });
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'))], {
    context: ctx, maxOpenFiles: 2, closeInactiveMs: 0,
  });
  const c = new Consumer(src);
  await c.waitForCount(300);
  t.ok((await metricValue(ctx.metrics, 'herald_tail_files_open')) <= 2);
  appendFileSync(path.join(dir, 'logs/f0.log'), 'f0 more\n');
  await c.waitForCount(301);
  await c.stop();
  t.equal(new Set(c.messages()).size, 301, 'no duplicates after reopening');
});

void t.test('close_inactive_ms: an idle file stays closed across rescans until it changes', async (t) => {
  const dir = t.testdir({ logs: { 'a.log': lines(0, 20, 'a'), 'b.log': lines(0, 20, 'b') } });
  // Sub-millisecond modification times, as on any real file system: the stat of a read and the bigint stat
  // of a rescan must agree on them, or every rescan takes the file for changed and reopens it.
  const when = Math.floor(Date.now() / 1000) - 60 + 0.1234567; // seconds
  for (const f of ['a.log', 'b.log']) await fsp.utimes(path.join(dir, 'logs', f), when, when);
  const ctx = testContext(path.join(dir, 'state'), { clock: systemClock });
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'))], {
    context: ctx, closeInactiveMs: 100, rescanIntervalMs: 100,
  });
  const c = new Consumer(src);
  await c.waitForCount(40);
  const open = () => metricValue(ctx.metrics, 'herald_tail_files_open');
  for (let i = 0; i < 100 && (await open()) > 0; i++) await sleep(50);
  t.equal(await open(), 0, 'both files closed for inactivity');
  const realOpen = fsp.open;
  const opened: string[] = [];
  fsp.open = ((...args: Parameters<typeof realOpen>) => (opened.push(String(args[0])), realOpen(...args)));
  try {
    await sleep(1000); // ten rescans
    t.same(opened.filter((p) => p.includes(`${path.sep}logs${path.sep}`)), [], 'no reopen of an unchanged file');
    appendFileSync(path.join(dir, 'logs/a.log'), 'a more\n');
    await c.waitForCount(41);
    t.ok(opened.some((p) => p.endsWith('a.log')), 'the file that changed is reopened and read');
  } finally {
    fsp.open = realOpen;
  }
  await c.stop();
  t.equal(new Set(c.messages()).size, 41, 'no duplicates');
});

void t.test('a file renamed out of the globs and back (or missed by one scan) resumes where it ended', async (t) => {
  // A scan that races a rename (logrotate shifting stdout.1 to stdout.2 between our readdir and stat) misses
  // the file: it is drained and released. Found again, it must not be read again from the start.
  const dir = t.testdir({ logs: { 'a.log': lines(0, 30, 'a') } });
  const src = makeSource(path.join(dir, 'state'), [group(path.join(dir, 'logs/*.log'))], { rescanIntervalMs: 50 });
  const c = new Consumer(src);
  await c.waitForCount(30);
  const a = path.join(dir, 'logs/a.log');
  const hidden = path.join(dir, 'logs/a.log.hidden');
  await fsp.rename(a, hidden);
  await sleep(500); // many rescans: drained, released and forgotten
  await fsp.rename(hidden, a);
  await sleep(500);
  appendFileSync(a, 'a more\n');
  await c.waitForCount(31);
  await c.stop();
  t.equal(c.messages().length, 31, 'no line read twice');
  t.equal(new Set(c.messages()).size, 31);
});

void t.test('offsets: only committed positions are written', async (t) => {
  const dir = t.testdir({ logs: { 'a.log': lines(0, 10) } });
  const state = path.join(dir, 'state');
  const src = makeSource(state, [group(path.join(dir, 'logs/*.log'))], { batchMaxRecords: 4 });
  const it = src.batches(new AbortController().signal)[Symbol.asyncIterator]();
  const b1 = await it.next();
  await it.next();
  await src.commit(b1.value?.checkpoint);
  await src.flush();
  t.same(readOffsets(state).files.map((f) => f.offset), [lines(0, 4).length], 'the uncommitted batch is not covered');
  await it.return(undefined);
  await src.close();
  t.same(readOffsets(state).files.map((f) => f.offset), [lines(0, 4).length], 'close writes committed positions only');
});

void t.test('commits in a row do not wait for a write each: the offsets writes are coalesced', async (t) => {
  const dir = t.testdir({ logs: { 'a.log': lines(0, 200) } });
  const state = path.join(dir, 'state');
  const src = makeSource(state, [group(path.join(dir, 'logs/*.log'))], { batchMaxRecords: 1 });
  const it = src.batches(new AbortController().signal)[Symbol.asyncIterator]();
  const checkpoints: unknown[] = [];
  for (let i = 0; i < 200; i++) checkpoints.push((await it.next()).value?.checkpoint);
  await src.flush();
  const rename = fsp.rename;
  let writes = 0;
  fsp.rename = (...args: Parameters<typeof rename>) => (writes++, rename(...args));
  try {
    for (const cp of checkpoints) await src.commit(cp); // as the runner does: in order, one after the other
    await src.flush();
  } finally {
    fsp.rename = rename;
  }
  t.ok(writes <= 3, `200 commits cost ${writes} offsets writes`);
  t.same(readOffsets(state).files.map((f) => f.offset), [lines(0, 200).length], 'the last position is written');
  await it.return(undefined);
  await src.close();
});

void t.test('offsets_write_interval_ms: commits within the interval wait for it; close writes them at once', async (t) => {
  const dir = t.testdir({ logs: { 'a.log': lines(0, 10) } });
  const stateDir = path.join(dir, 'state');
  const src = makeSource(stateDir, [group(path.join(dir, 'logs/*.log'))], { offsetsWriteIntervalMs: 60_000 });
  const c = new Consumer(src);
  await c.waitForCount(10);
  appendFileSync(path.join(dir, 'logs/a.log'), lines(10, 20));
  await c.waitForCount(20);
  await sleep(300); // both commits are in; their write waits for the interval
  t.same(readOffsets(stateDir).files.map((f) => f.offset), [0], 'only the start position found by the first scan is written');
  const stopped = Date.now();
  await c.stop();
  t.ok(Date.now() - stopped < 10_000, 'stop did not wait for the interval');
  t.same(readOffsets(stateDir).files.map((f) => f.offset), [lines(0, 20).length], 'close wrote the last commit');
});
