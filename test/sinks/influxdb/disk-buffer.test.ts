import t from 'tap';
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiskBuffer, type Overflow } from '../../../src/sinks/influxdb/disk-buffer';

function buffer(dir: string, maxBytes: number, overflow: Overflow = 'drop_oldest', segmentMaxBytes = 1) {
  const drops: number[] = [];
  const errors: string[] = [];
  const b = new DiskBuffer({ dir, maxBytes, overflow, segmentMaxBytes, onDrop: (n) => drops.push(n), onError: (e) => errors.push(String(e)) });
  return { b, drops, errors };
}

/** `n` lines of exactly 10 bytes each ("m v=NNNN\n" padded), numbered from `from`. */
const lines = (from: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `m v=${String(from + i).padStart(4, '0')}i\n`).join(''));

async function drain(b: DiskBuffer): Promise<string[]> {
  const out: string[] = [];
  const ac = new AbortController();
  while (!b.isEmpty) {
    const seg = await b.next(ac.signal);
    if (!seg) break;
    out.push(...(await b.read(seg)).toString().trimEnd().split('\n'));
    await b.remove(seg);
  }
  return out;
}

void t.test('appends are durable segments handed out oldest first and deleted after remove', async (t) => {
  const dir = t.testdir();
  const { b } = buffer(dir, 10_000, 'drop_oldest', 25);
  await b.open();
  t.ok(b.isEmpty);
  const results = await Promise.all([b.append(lines(0, 2), 2), b.append(lines(2, 2), 2), b.append(lines(4, 1), 1)]);
  t.same(results, ['buffered', 'buffered', 'buffered']);
  t.equal(b.points, 5);
  t.equal(b.bytes, 50);
  t.equal(b.segmentCount, 2, 'sealed at 25 bytes: 20+20 bytes, then a new segment');
  t.equal(readdirSync(dir).length, 2);
  const got = await drain(b);
  t.same(got, ['m v=0000i', 'm v=0001i', 'm v=0002i', 'm v=0003i', 'm v=0004i'], 'in order');
  t.ok(b.isEmpty);
  t.same(readdirSync(dir), [], 'segments deleted');
  await b.close(100);
  await t.rejects(b.append(lines(0, 1), 1), { code: 'HERALD_E_SINK_CLOSED' });
});

void t.test('drop_newest refuses what does not fit, counted exactly', async (t) => {
  const { b, drops } = buffer(t.testdir(), 45, 'drop_newest');
  await b.open();
  const r = [];
  for (let i = 0; i < 5; i++) r.push(await b.append(lines(i * 2, 2), 2));
  t.same(r, ['buffered', 'buffered', 'dropped', 'dropped', 'dropped']);
  t.same(drops, [2, 2, 2]);
  t.same(await drain(b), ['m v=0000i', 'm v=0001i', 'm v=0002i', 'm v=0003i']);
  await b.close(100);
});

void t.test('drop_oldest evicts the oldest segments, never the one being replayed', async (t) => {
  const { b, drops } = buffer(t.testdir(), 45, 'drop_oldest');
  await b.open();
  for (let i = 0; i < 4; i++) t.equal(await b.append(lines(i * 2, 2), 2), 'buffered');
  t.same(drops, [2, 2], 'two oldest segments evicted');
  const ac = new AbortController();
  const inFlight = await b.next(ac.signal);
  t.ok(inFlight);
  t.equal(await b.append(lines(8, 2), 2), 'buffered');
  t.same(drops, [2, 2, 2], 'the next oldest went, not the one in flight');
  t.equal(await b.append(lines(10, 5), 5), 'dropped', 'nothing left to evict: the incoming batch is refused');
  t.same(drops, [2, 2, 2, 5]);
  t.same((await b.read(inFlight!)).toString(), lines(4, 2).toString());
  await b.remove(inFlight!);
  t.same(await drain(b), ['m v=0008i', 'm v=0009i']);
  await b.close(100);
});

void t.test('after a restart the segments are found, a torn tail is cut, and numbering continues', async (t) => {
  const dir = t.testdir();
  const first = buffer(dir, 10_000);
  await first.b.open();
  await first.b.append(lines(0, 3), 3);
  await first.b.append(lines(3, 2), 2);
  await first.b.close(100);
  const files = readdirSync(dir).sort();
  t.equal(files.length, 2);
  appendFileSync(join(dir, files[1]!), 'm v=torn-by-a-cra');
  writeFileSync(join(dir, 'notes.txt'), 'not a segment');
  const second = buffer(dir, 10_000);
  await second.b.open();
  t.equal(second.b.points, 5);
  t.equal(second.b.bytes, 50);
  t.match(second.errors.join('\n'), /cut 17 torn bytes/);
  t.equal(readFileSync(join(dir, files[1]!), 'utf8'), lines(3, 2).toString());
  await second.b.append(lines(5, 1), 1);
  t.ok(readdirSync(dir).includes('0000000000000003.lp'), 'a new segment after the old ones');
  t.same((await drain(second.b)).map((l) => l.slice(4, 8)), ['0000', '0001', '0002', '0003', '0004', '0005']);
  t.ok(readdirSync(dir).includes('notes.txt'), 'foreign files are left alone');
  await second.b.close(100);
});

void t.test('a lowered max_bytes applies to what a previous run left (drop_oldest)', async (t) => {
  const dir = t.testdir();
  const first = buffer(dir, 10_000);
  await first.b.open();
  for (let i = 0; i < 4; i++) await first.b.append(lines(i, 1), 1);
  await first.b.close(100);
  const second = buffer(dir, 25);
  await second.b.open();
  t.same(second.drops, [1, 1]);
  t.equal(second.b.points, 2);
  await second.b.close(100);
});
