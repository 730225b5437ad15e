/**
 * writeBlock: the kept documents of a native block, each after its day's action line, into a body. The
 * native writer (native/src/items.rs, one call per run of documents of the same day) must give the bytes,
 * the item count and the item offsets of the JavaScript loop, whatever the days, the dropped documents, the
 * room left in the body and the items already in it.
 */
import t from 'tap';
import { DOC_END, DOC_STRIDE, DOC_TIMESTAMP, type LogBlock } from '../../../src/pipeline/records';
import { IndexNamer, writeBlock, writeBlockInJs } from '../../../src/sinks/elasticsearch/encode';
import { ItemOffsets } from '../../../src/sinks/elasticsearch/item-offsets';
import { NdjsonWriter } from '../../../src/sinks/ndjson-writer';
import { makeBlock } from '../../helpers/blocks';
import { requireNative, testBinding } from '../../helpers/native';

const DAY = 86_400_000;
const origin = { path: '/p', dataset: 'd', identity: { app: '', docFragment: '', labels: {} } };

/** Deterministic pseudo-random integers in [0, n). */
function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    return ((s >>> 8) % n + n) % n;
  };
}

/** Timestamps an index name sees: one day, a few days in any order, and those it names as the epoch's. */
const ODD_TIMES = [NaN, Infinity, -Infinity, 253_402_300_799_999, 253_402_300_800_000, 253_402_300_799_999.5, -62_167_219_200_000, -62_167_219_200_001, 0, DAY - 1, DAY];

function randomBlock(r: (n: number) => number, mode: number): LogBlock {
  const n = 1 + r(200);
  const base = Date.UTC(2026, 10, 21) + r(DAY);
  const docs: string[] = [];
  for (let k = 0; k < n; k++) {
    const len = r(10) === 0 ? 2000 + r(6000) : r(300);
    docs.push(`{"message":"${'x€é'.repeat(len / 3 + 1).slice(0, len)}","k":${k}}`);
  }
  const block = makeBlock(origin, docs);
  for (let k = 0; k < n; k++) {
    const i = k * DOC_STRIDE + DOC_TIMESTAMP;
    if (mode === 0) block.docs[i] = base; // one day
    else if (mode === 1) block.docs[i] = base + k * 3_600_000; // days in order
    else if (mode === 2) block.docs[i] = base + (r(5) - 2) * DAY + r(1000); // any order
    else block.docs[i] = r(4) === 0 ? (ODD_TIMES[r(ODD_TIMES.length)] as number) : base + r(2) * DAY;
  }
  if (r(2) === 0) {
    const dropped = new Uint8Array(n);
    for (let k = 0; k < n; k++) dropped[k] = r(3) === 0 ? 1 : 0;
    block.dropped = dropped;
    block.kept = dropped.reduce((a, d) => a + (d === 0 ? 1 : 0), 0);
  }
  return block;
}

function offsetsOf(o: ItemOffsets): number[] {
  const out: number[] = [];
  for (let i = 0; i < o.count; i++) out.push(o.start(i), o.docStart(i));
  out.push(o.start(o.count));
  return out;
}

void t.test('the native writer gives the bytes, counts and offsets of the JavaScript loop', (t) => {
  if (!requireNative(t)) return t.end();
  const r = rng(11);
  let blocks = 0;
  let items = 0;
  for (let round = 0; round < 400; round++) {
    const block = randomBlock(r, round % 4);
    const pattern = round % 5 === 4 ? 'logs' : 'logs-%Y.%m.%d';
    // Bodies that start small (every call runs out of room) or big enough, empty or with an item already.
    const size = r(2) === 0 ? 16 : 1 << 20;
    const prior = r(2) === 0;
    const bodies = [0, 1].map(() => {
      const w = new NdjsonWriter(size);
      const o = new ItemOffsets(r(2) === 0 ? 1 : 64);
      if (prior) {
        w.line('{"create":{}}');
        o.add(0, 14, w.length);
      }
      return { w, o };
    });
    const [a, b] = bodies as [(typeof bodies)[0], (typeof bodies)[0]];
    const nJs = writeBlockInJs(a.w, block, new IndexNamer(pattern), a.o);
    const nNative = writeBlock(b.w, block, new IndexNamer(pattern), b.o);
    if (nNative !== nJs || !b.w.result().equals(a.w.result()) || offsetsOf(b.o).join() !== offsetsOf(a.o).join()) {
      t.fail(`round ${round} (mode ${round % 4}, pattern ${pattern}): ${nNative} items against ${nJs}`);
      t.equal(b.w.result().toString(), a.w.result().toString());
      return t.end();
    }
    if (nJs !== block.kept) return t.fail(`round ${round}: ${nJs} items of ${block.kept} kept documents`);
    blocks++;
    items += nJs;
  }
  t.equal(blocks, 400, `${items} items in 400 blocks, identical`);
  t.end();
});

void t.test('without offsets (the file output), the same bytes', (t) => {
  if (!requireNative(t)) return t.end();
  const r = rng(5);
  for (let round = 0; round < 50; round++) {
    const block = randomBlock(r, 3);
    const a = new NdjsonWriter(16);
    const b = new NdjsonWriter(16);
    t.equal(writeBlock(b, block, new IndexNamer('x-%Y%m%d')), writeBlockInJs(a, block, new IndexNamer('x-%Y%m%d')));
    if (!b.result().equals(a.result())) return t.fail(`round ${round}`);
  }
  t.end();
});

void t.test('the native writer refuses a document outside its block and arguments that share memory', (t) => {
  const native = testBinding();
  if (!requireNative(t) || native === undefined) return t.end();
  const block = makeBlock(origin, ['{"a":1}']);
  block.docs[DOC_END] = block.buf.length + 1;
  const cursor = new Float64Array(3);
  const dst = Buffer.alloc(64);
  t.throws(() => native.writeItems(block.buf, block.docs, undefined, 1, Buffer.from('H\n'), 0, Infinity, dst, undefined, cursor), /document 0 spans \[0, 9\) of a 8-byte block/);
  t.same([...cursor], [0, 0, 0], 'nothing written');
  block.docs[DOC_END] = block.buf.length;
  t.throws(() => native.writeItems(block.buf, block.docs, undefined, 1, Buffer.from('H\n'), 0, Infinity, block.buf, undefined, cursor), /must not share memory/);
  t.end();
});

void t.test('IndexNamer: the day range of the last action line holds exactly the times named with it', (t) => {
  const namer = new IndexNamer('logs-%Y.%m.%d');
  const ts = Date.UTC(2026, 10, 21, 13, 5);
  namer.head(ts);
  t.same([namer.dayLo, namer.dayHi], [Date.UTC(2026, 10, 21), Date.UTC(2026, 10, 22)]);
  for (const odd of [NaN, Infinity, 253_402_300_800_000]) {
    t.equal(namer.index(odd), 'logs-1970.01.01', `${odd} is named as the epoch`);
    t.notOk(odd >= namer.dayLo && odd < namer.dayHi, `${odd} is outside the range`);
  }
  namer.head(253_402_300_799_000);
  t.equal(namer.dayHi, 253_402_300_799_999, 'the last day ends where ISO 8601 does');
  const plain = new IndexNamer('logs');
  plain.head(NaN);
  t.same([plain.dayLo, plain.dayHi], [-Infinity, Infinity]);
  t.end();
});

void t.test('NdjsonWriter: the length set after a direct write stays within the Buffer', (t) => {
  const w = new NdjsonWriter(8);
  const buf = w.reserve(100);
  t.ok(buf.length >= 100);
  buf.write('abc\n', 0);
  w.length = 4;
  t.equal(w.result().toString(), 'abc\n');
  t.throws(() => (w.length = buf.length + 1), RangeError);
  t.throws(() => (w.length = -1), RangeError);
  t.end();
});

void t.test('the exact body of a small block', (t) => {
  const block = makeBlock(origin, ['{"a":1}', '{"b":2}']);
  const w = new NdjsonWriter(16);
  t.equal(writeBlock(w, block, new IndexNamer('i')), 2);
  t.equal(w.result().toString(), '{"create":{"_index":"i"}}\n{"a":1}\n{"create":{"_index":"i"}}\n{"b":2}\n');
  t.end();
});
