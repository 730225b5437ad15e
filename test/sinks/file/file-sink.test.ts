import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSink } from '../../../src/sinks/file/file-sink';
import { RotatingFile } from '../../../src/sinks/file/rotating-file';
import { fileOutputSchema } from '../../../src/sinks/file/config';
import { makeMetricPoint } from '../../../src/pipeline/records';
import { logRecords, testOrigin } from '../../helpers/fakes';
import { makeBlock } from '../../helpers/blocks';
import { testContext } from '../../helpers/context';

const config = (over: Record<string, unknown> = {}) => fileOutputSchema.parse(over);

void t.test('writes bulk-ready NDJSON and line protocol, durable when the write resolves', async (t) => {
  const dir = t.testdir();
  const sink = new FileSink({ config: config({ dir }), context: testContext(dir), logs: true, metrics: true });
  const outcome = await sink.write({ records: [...logRecords(3), makeMetricPoint('cpu', { host: 'n' }, { usage: 0.5 }, 1700000000000)] });
  t.same(outcome, { delivered: 4, dropped: 0 });
  const lines = readFileSync(join(dir, 'logs.ndjson'), 'utf8').trimEnd().split('\n');
  t.equal(lines.length, 6, 'an action line and a document per event');
  t.same(JSON.parse(lines[0] as string), { create: { _index: 'herald-logs-2023.11.14' } });
  t.equal(JSON.parse(lines[1] as string).message, 'line 0');
  t.equal(JSON.parse(lines[5] as string).message, 'line 2');
  t.equal(readFileSync(join(dir, 'metrics.lp'), 'utf8'), 'cpu,host=n usage=0.5 1700000000000\n');
  await sink.close(1000);
  await sink.close(1000);
});

void t.test('rotates by size and keeps max_files rotated files', async (t) => {
  const dir = t.testdir();
  const sink = new FileSink({ config: config({ dir, max_file_bytes: 2000, max_files: 2 }), context: testContext(dir), logs: true, metrics: false });
  for (let i = 0; i < 20; i++) await sink.write({ records: logRecords(5, i * 5) });
  await sink.close(1000);
  const files = readdirSync(dir).sort();
  const rotated = files.filter((f) => /^logs-\d{8}T\d{6}-\d{4}\.ndjson$/.test(f));
  t.equal(rotated.length, 2, `two rotated files kept: ${files.join(', ')}`);
  t.ok(files.includes('logs.ndjson'));
  for (const f of files) t.ok(statSync(join(dir, f)).size <= 2000 + 1500, `${f} is near the size bound`);
  // The newest events are all there, in order, across the kept files.
  const all = [...rotated, 'logs.ndjson'].flatMap((f) => readFileSync(join(dir, f), 'utf8').trimEnd().split('\n'));
  const messages = all.filter((_, i) => i % 2 === 1).map((l) => JSON.parse(l).message as string);
  t.equal(messages.at(-1), 'line 99');
  const first = Number((messages[0] as string).slice(5));
  t.same(messages, Array.from({ length: 100 - first }, (_, i) => `line ${first + i}`), 'no gap, no duplicate');
});

void t.test('only the kinds it is enabled for; points with no writable field are dropped and counted', async (t) => {
  const dir = t.testdir();
  const ctx = testContext(dir);
  const sink = new FileSink({ config: config({ dir }), context: ctx, logs: false, metrics: true });
  const outcome = await sink.write({ records: [makeMetricPoint('m', {}, { v: NaN }, 1), makeMetricPoint('m', {}, { v: 1 }, 1)] });
  t.same(outcome, { delivered: 1, dropped: 1, dropReason: 'no_writable_field' });
  t.equal(sink.logsPath, undefined);
  t.match(await ctx.metrics.metrics(), /herald_file_output_records_total\{kind="metric",outcome="dropped"\} 1/);
  await sink.close(100);
});

void t.test('fsync batch: an append resolves only after its datasync has completed; never: no datasync', async (t) => {
  // Every FileHandle shares one prototype: hold datasync at a gate and record the order of events.
  const probe = await open(join(t.testdir(), 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
  await probe.close();
  const original = proto.datasync;
  t.teardown(() => {
    proto.datasync = original;
  });
  const order: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  proto.datasync = async function (this: unknown) {
    order.push('datasync started');
    await gate;
    await original.call(this);
    order.push('datasync done');
  };
  for (const fsync of ['batch', 'never'] as const) {
    order.length = 0;
    const dir = t.testdir();
    const f = new RotatingFile({ dir, base: 'logs', ext: 'ndjson', maxFileBytes: 1e6, maxFiles: 2, fsync, fsyncIntervalMs: 1000, onError: () => undefined });
    const appended = f.append(Buffer.from('{"a":1}\n')).then(() => order.push('acknowledged'));
    await new Promise((r) => setTimeout(r, 200));
    if (fsync === 'batch') {
      t.same(order, ['datasync started'], 'batch: not acknowledged while the datasync is pending');
      release();
      await appended;
      t.same(order, ['datasync started', 'datasync done', 'acknowledged'], 'batch: acknowledged after the datasync');
    } else {
      await appended;
      t.same(order, ['acknowledged'], 'never: no datasync');
    }
    await f.close(1000);
  }
});

void t.test('fsync policies never and interval acknowledge too', async (t) => {
  for (const fsync of ['never', 'interval']) {
    const dir = t.testdir();
    const sink = new FileSink({ config: config({ dir, fsync, fsync_interval_ms: 20 }), context: testContext(dir), logs: true, metrics: false });
    t.same(await sink.write({ records: logRecords(2) }), { delivered: 2, dropped: 0 }, fsync);
    await sink.close(100);
  }
});

void t.test('a write after close is refused, so the batch is not acknowledged', async (t) => {
  const dir = t.testdir();
  const sink = new FileSink({ config: config({ dir }), context: testContext(dir), logs: true, metrics: false });
  await sink.close(100);
  await t.rejects(sink.write({ records: logRecords(1) }), { code: 'HERALD_E_SINK_CLOSED' });
});

void t.test('an unwritable directory is retried, the batch stays pending, and close gives up', async (t) => {
  const dir = t.testdir({ blocker: 'a file where the output directory should be' });
  const ctx = testContext(dir);
  // The output dir exists, but the file path is a directory: open() fails with EISDIR until fixed.
  const out = join(dir, 'out');
  const sink = new FileSink({ config: config({ dir: out }), context: ctx, logs: true, metrics: false });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(out, 'logs.ndjson'));
  let settled = false;
  const p = sink.write({ records: logRecords(1) }).then(() => (settled = true), () => (settled = true));
  await new Promise((r) => setTimeout(r, 300));
  t.notOk(settled, 'not acknowledged while the write fails');
  t.match(await ctx.metrics.metrics(), /herald_file_output_errors_total\{kind="log"\} [1-9]/);
  await sink.close(50);
  await p;
  t.ok(settled);
});

void t.test('a torn tail left by a crash is cut back on open, so later writes stay well-formed', async (t) => {
  const dir = t.testdir({
    'logs.ndjson': '{"create":{"_index":"i"}}\n{"@timestamp":"x","message":"kept"}\n{"create":{"_index":"i"}}\n{"@timestamp":"x","mess',
    'metrics.lp': 'm v=1 1\nm v=2 2\nm v=',
  });
  const sink = new FileSink({ config: config({ dir }), context: testContext(dir), logs: true, metrics: true });
  await sink.write({ records: [...logRecords(1, 7), makeMetricPoint('m', {}, { v: 3 }, 3)] });
  await sink.close(100);
  const lines = readFileSync(join(dir, 'logs.ndjson'), 'utf8').trimEnd().split('\n');
  t.equal(lines.length, 4, 'the dangling action line and the torn document are gone');
  t.equal(JSON.parse(lines[1] as string).message, 'kept');
  t.equal(JSON.parse(lines[3] as string).message, 'line 7');
  t.equal(readFileSync(join(dir, 'metrics.lp'), 'utf8'), 'm v=1 1\nm v=2 2\nm v=3 3\n');
});

void t.test('an append made by the caller the moment its previous append resolved is written too', async (t) => {
  const dir = t.testdir();
  const file = new RotatingFile({ dir, base: 'x', ext: 'lp', maxFileBytes: 1 << 20, maxFiles: 2, fsync: 'never', fsyncIntervalMs: 1000, onError: () => undefined });
  // Each next append is made in a reaction to the previous append's promise, so it runs right after the
  // flush loop's last resolve() and before anything else: a loop that had just ended must not be joined.
  for (let i = 0; i < 50; i += 2) {
    let next: Promise<void> | undefined;
    await file.append(Buffer.from(`line ${i}\n`)).then(() => {
      next = file.append(Buffer.from(`line ${i + 1}\n`));
    });
    const done = await Promise.race([next!.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
    if (!done) {
      t.fail(`append ${i + 1} never resolved`);
      break;
    }
  }
  await file.close(1000);
  t.equal(readFileSync(join(dir, 'x.lp'), 'utf8').split('\n').filter((l) => l !== '').length, 50);
});

void t.test('batches written concurrently through reused bodies come out whole and in order', async (t) => {
  // Many batches in flight at once: their appends are queued and written together (writev), and each body
  // goes back to the pool only after its bytes are durable. A body reused too early would corrupt a line.
  const dir = t.testdir();
  const sink = new FileSink({ config: config({ dir }), context: testContext(dir), logs: true, metrics: true });
  const writes: Promise<unknown>[] = [];
  for (let b = 0; b < 40; b++) {
    const records = [...logRecords(50, b * 50), makeMetricPoint('m', { b: String(b) }, { v: b }, 1)];
    writes.push(sink.write({ records }));
    if (b % 7 === 0) await Promise.all(writes.splice(0)); // reuse bodies while others are still queued
  }
  await Promise.all(writes);
  await sink.close(1000);
  const lines = readFileSync(join(dir, 'logs.ndjson'), 'utf8').trimEnd().split('\n');
  const messages = lines.filter((_, i) => i % 2 === 1).map((l) => JSON.parse(l).message as string);
  t.same(messages, Array.from({ length: 2000 }, (_, i) => `line ${i}`), 'every document, in order, no torn line');
  const points = readFileSync(join(dir, 'metrics.lp'), 'utf8').trimEnd().split('\n');
  t.same(points, Array.from({ length: 40 }, (_, b) => `m,b=${b} v=${b} 1`));
});

void t.test('an interval sync that fails keeps its appends pending until a later sync succeeds', async (t) => {
  const dir = t.testdir();
  const errors: unknown[] = [];
  const file = new RotatingFile({ dir, base: 'x', ext: 'lp', maxFileBytes: 1 << 20, maxFiles: 2, fsync: 'interval', fsyncIntervalMs: 10, onError: (e) => errors.push(e) });
  await file.append(Buffer.from('first\n')); // opens the file
  // The next datasync fails once (as on EIO), then works again: patched on the FileHandle prototype.
  const probe = await open(join(dir, 'probe'), 'w');
  const FileHandle = Object.getPrototypeOf(probe) as { datasync: (this: unknown) => Promise<void> };
  await probe.close();
  const original = FileHandle.datasync;
  let failures = 1;
  FileHandle.datasync = function (this: unknown) {
    if (failures-- > 0) return Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    return original.call(this);
  };
  t.teardown(() => {
    FileHandle.datasync = original;
  });
  let resolved = false;
  const p = file.append(Buffer.from('second\n')).then(() => {
    resolved = true;
  });
  await Promise.race([p, new Promise((r) => setTimeout(r, 1000))]);
  t.ok(resolved, 'the append resolved once a later sync succeeded');
  t.equal(errors.length, 1, 'the failed sync was reported');
  await file.close(1000);
  t.equal(readFileSync(join(dir, 'x.lp'), 'utf8'), 'first\nsecond\n');
});

void t.test('native blocks: the kept documents, each after its action line, in the batch\'s order; the block is released', async (t) => {
  const dir = t.testdir();
  const sink = new FileSink({ config: config({ dir }), context: testContext(dir), logs: true, metrics: false });
  const block = makeBlock(testOrigin, ['{"message":"b0"}', '{"message":"b1"}', '{"message":"b2"}'], { timestampMs: 1_700_000_000_000 });
  block.dropped = new Uint8Array([0, 0, 1]);
  block.kept = 2;
  const outcome = await sink.write({ records: [...logRecords(1), block, ...logRecords(1, 1)] });
  t.same(outcome, { delivered: 4, dropped: 0 }, 'two events and two documents');
  t.equal(block.released, 1, 'the block\'s Buffer is given back once copied');
  const lines = readFileSync(join(dir, 'logs.ndjson'), 'utf8').trimEnd().split('\n');
  t.same(lines.filter((_, i) => i % 2 === 1).map((l) => (JSON.parse(l) as { message: string }).message), ['line 0', 'b0', 'b1', 'line 1']);
  t.same(JSON.parse(lines[2] as string), { create: { _index: 'herald-logs-2023.11.14' } });
  await sink.close(1000);
});
