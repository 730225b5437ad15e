import t from 'tap';
import { BodySize, BufferPool, NdjsonWriter } from '../../src/sinks/ndjson-writer';
import { skipBytes } from '../../src/sinks/file/rotating-file';

void t.test('the pool hands out the smallest free Buffer that fits, else a new one', async (t) => {
  const pool = new BufferPool(1 << 20);
  const a = pool.acquire(1000);
  const b = pool.acquire(5000);
  t.ok(a.length >= 1000 && b.length >= 5000);
  pool.release(b);
  pool.release(a);
  t.equal(pool.freeBytes, a.length + b.length);
  t.equal(pool.acquire(900), a, 'the smaller one for a small request');
  t.equal(pool.acquire(900), b, 'then the bigger one');
  t.equal(pool.freeBytes, 0);
  t.not(pool.acquire(10), a, 'an empty pool allocates');
});

void t.test('the pool keeps at most maxFreeBytes, preferring big Buffers', async (t) => {
  const pool = new BufferPool(10_000);
  pool.release(Buffer.alloc(20_000));
  t.equal(pool.freeBytes, 0, 'a Buffer larger than the whole pool is not kept');
  const small = Buffer.alloc(3000);
  pool.release(small);
  pool.release(Buffer.alloc(4000));
  pool.release(Buffer.alloc(6000));
  t.equal(pool.freeBytes, 10_000, 'the 3000-byte Buffer made room for the 6000-byte one');
  pool.release(Buffer.alloc(1000));
  t.equal(pool.freeBytes, 10_000, 'a Buffer smaller than every kept one is dropped when full');
  t.not(pool.acquire(2000), small);
});

void t.test('the writer grows past its estimate, keeps every byte, and gives its Buffers back', async (t) => {
  const pool = new BufferPool(1 << 20);
  const w = new NdjsonWriter(16, pool);
  const lines = ['{"a":1}', 'é'.repeat(40), '{"b":"ünïcödé ✓"}', 'x'.repeat(300)];
  for (const l of lines) w.line(l);
  const expected = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
  t.equal(w.length, expected.length);
  t.ok(w.result().equals(expected), 'the bytes are the UTF-8 of every line, newline-terminated');
  t.ok(pool.freeBytes > 0, 'the Buffers outgrown went back to the pool');
  const before = pool.freeBytes;
  w.release();
  t.ok(pool.freeBytes > before, 'release() returns the last one');
  t.equal(w.result().length, 0);
  // A reused Buffer still holds old bytes: a new writer's result is only what it wrote.
  const w2 = new NdjsonWriter(16, pool);
  w2.line('z');
  t.equal(w2.result().toString(), 'z\n');
});

void t.test('skipBytes: what is left to write after a short writev', async (t) => {
  const bufs = [Buffer.from('abc'), Buffer.from('defg'), Buffer.from('hi')];
  const left = (n: number) => skipBytes(bufs, n).map((b) => b.toString()).join('|');
  t.equal(left(0), 'abc|defg|hi');
  t.equal(left(2), 'c|defg|hi');
  t.equal(left(3), 'defg|hi');
  t.equal(left(5), 'fg|hi');
  t.equal(left(9), '');
  t.equal(bufs[0]?.toString(), 'abc', 'the input is not modified');
});

void t.test('BodySize follows the bytes per record of the last body, with an eighth to spare', async (t) => {
  const size = new BodySize();
  t.equal(size.for(10), 10 * (512 + 64) + 1024, 'before any body: 512 bytes a record');
  size.observe(8000, 10);
  t.equal(size.for(10), 10 * (800 + 100) + 1024);
  size.observe(0, 0);
  t.equal(size.for(10), 10 * (800 + 100) + 1024, 'an empty body changes nothing');
});

void t.test('a line written in parts; strings and numbers as JSON.stringify writes them', async (t) => {
  const w = new NdjsonWriter(4);
  w.part('ab');
  t.equal(w.length, 2);
  w.part('ü');
  t.equal(w.length, 4, 'the length in bytes');
  w.part('c');
  t.equal(w.length, 5);
  w.byte(0x0a);
  const strings = ['', 'plain', 'q"uote', 'back\\slash', 'tab\t', '\u0000', 'del\u007f', 'é', '😀', '\ud800', 'x'.repeat(64), 'x'.repeat(65), `${'y'.repeat(70)}"`];
  const numbers = [0, -0, 1, -1, 9, 10, 99, 100, 2147483647, -2147483648, 2147483648, 2 ** 53, 1e21, 0.5, -1e-7, NaN, Infinity, -Infinity];
  // Every digit count of a 32-bit integer, at both ends, with both signs; and a seeded sample in between.
  for (let p = 1; p <= 1e9; p *= 10) numbers.push(p - 1, p, p + 1, -(p - 1), -p, -(p + 1));
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    numbers.push(seed, seed >>> (i % 31), -(seed >>> (i % 29)));
  }
  let expected = 'abüc\n';
  for (const s of strings) {
    w.jsonString(s);
    expected += JSON.stringify(s);
  }
  for (const n of numbers) {
    w.jsonNumber(n);
    expected += JSON.stringify(n);
  }
  t.equal(w.result().toString(), expected);
  const big = 'é'.repeat(5000);
  w.part(big);
  t.equal(w.result().toString(), expected + big, 'grows for a part as for a line');
});
