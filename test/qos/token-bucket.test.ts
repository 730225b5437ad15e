import t from 'tap';
import { Reservoir, TokenBucket, UNIT, toMicros } from '../../src/qos/token-bucket';

const limits = (linesPerSec: number, burstLines: number, bytesPerSec = 0, burstBytes = 1) => ({ linesPerSec, burstLines, bytesPerSec, burstBytes });

void t.test('refill over fractional intervals is exact (fixed point, µs and micro-tokens)', async (t) => {
  const b = new TokenBucket(limits(3, 2), toMicros(1000));
  t.ok(b.take(10), 'starts full');
  t.ok(b.take(10), 'burst of 2');
  t.notOk(b.take(10), 'empty');
  b.refill(toMicros(1333.333));
  t.equal(b.lines.tokens, 333_333 * 3, '333 333 µs at 3/s = 999 999 micro-tokens: not yet a token');
  t.notOk(b.take(10));
  b.refill(toMicros(1333.334));
  t.equal(b.lines.tokens, UNIT + 2, 'one more µs: a token and 2 micro-tokens');
  t.ok(b.take(10));
  t.equal(b.lines.tokens, 2, 'the remainder is kept, not rounded away');

  // Many tiny refills credit exactly what one refill over the same span credits.
  const many = new TokenBucket(limits(7, 1000), toMicros(5000));
  const once = new TokenBucket(limits(7, 1000), toMicros(5000));
  for (let i = 0; i < 1000; i++) many.take(0);
  for (let i = 0; i < 1000; i++) once.take(0);
  let now = 5000;
  for (let i = 0; i < 10_000; i++) {
    now += 0.0137; // 13.7 µs: never a whole number of anything
    many.refill(toMicros(now));
  }
  once.refill(toMicros(now));
  t.equal(many.lines.tokens, once.lines.tokens, 'no drift from cutting time in pieces');
  t.equal(once.lines.tokens, (toMicros(now) - toMicros(5000)) * 7, 'exactly dt_µs × rate micro-tokens');
});

void t.test('caps at burst, even after a very long idle (no overflow)', async (t) => {
  const b = new TokenBucket(limits(10_000_000, 1_000_000_000, 1024 ** 3, 1024 ** 3), 0);
  for (let i = 0; i < 5; i++) b.take(1000);
  b.refill(toMicros(1000 * 3600 * 24 * 365 * 50)); // fifty years
  t.equal(b.lines.tokens, 1_000_000_000 * UNIT);
  t.equal(b.bytes.tokens, 1024 ** 3 * UNIT);
  t.ok(Number.isSafeInteger(b.bytes.tokens));
  t.ok(b.isFull());
  const r = new Reservoir(5, 10);
  r.take(3 * UNIT);
  r.add(100_000); // 0.1 s at 5/s = 0.5 token
  t.equal(r.tokens, 7.5 * UNIT);
  r.add(10_000_000);
  t.equal(r.tokens, 10 * UNIT, 'capped');
});

void t.test('lines and bytes together: both must afford, both are consumed, a refusal consumes nothing', async (t) => {
  const b = new TokenBucket(limits(100, 5, 1000, 100), 0);
  t.ok(b.take(60));
  t.equal(b.lines.tokens, 4 * UNIT);
  t.equal(b.bytes.tokens, 40 * UNIT);
  t.notOk(b.take(41), 'bytes short: refused');
  t.equal(b.lines.tokens, 4 * UNIT, 'the line token was not taken');
  t.ok(b.take(40));
  t.ok(b.take(0), 'an empty line costs a line, no bytes');
  t.ok(b.take(0));
  t.ok(b.take(0));
  t.notOk(b.take(0), 'lines short: refused although bytes would do');
  t.equal(b.bytes.tokens, 0);
  b.refill(10_000); // 10 ms: 1 line, 10 bytes
  t.ok(b.take(10));
  t.notOk(b.take(0));
});

void t.test('a record bigger than burst_bytes passes when the bucket is full, as a debt repaid before anything else', async (t) => {
  const b = new TokenBucket(limits(0, 1, 10, 100), 0);
  t.ok(b.take(250), 'full bucket: the oversized record passes');
  t.equal(b.bytes.tokens, -150 * UNIT, 'a debt of 150 bytes');
  b.refill(15_000_000);
  t.equal(b.bytes.tokens, 0, '15 s at 10 B/s repaid it');
  t.notOk(b.take(1));
  b.refill(15_100_000);
  t.ok(b.take(1), 'then the next byte 0.1 s later');
  // Not full: an oversized record waits until the bucket is full again.
  b.refill(25_000_000); // 99 tokens
  t.notOk(b.take(101), 'refused while not full');
  t.ok(b.take(99), 'normal records still pass');
  b.refill(35_000_000);
  t.ok(b.isFull());
  t.ok(b.take(101));
  t.equal(b.bytes.tokens, -1 * UNIT);
  // Long-run rate holds: 10 oversized records of 250 B take 10 × 25 s minus the first burst.
  const c = new TokenBucket(limits(0, 1, 10, 100), 0);
  let passed = 0;
  for (let ms = 0; ms <= 250_000; ms += 100) {
    c.refill(ms * 1000);
    if (c.take(250)) passed++;
  }
  t.equal(passed, 11, 'at 0 s, then every 25 s (250 B at 10 B/s) up to 250 s: the long-run rate holds');
});

void t.test('an unlimited dimension (rate 0) never refuses; limits can change keeping the balance', async (t) => {
  const b = new TokenBucket(limits(0, 1, 100, 100), 0);
  for (let i = 0; i < 100; i++) t.ok(b.take(1));
  t.notOk(b.take(1), 'bytes still limited');
  t.equal(b.lines.tokens, Infinity);
  b.setLimits(limits(0, 1, 100, 50), 1_000_000);
  t.equal(b.bytes.tokens, 50 * UNIT, 'refilled to the old cap, then capped at the new burst');
  b.setLimits(limits(5, 5, 0, 1), 1_000_000);
  t.equal(b.bytes.tokens, Infinity, 'now unlimited in bytes');
  t.equal(b.lines.tokens, 5 * UNIT, 'lines limited from now, starting at the new burst');
  for (let i = 0; i < 5; i++) t.ok(b.take(1_000_000));
  t.notOk(b.take(0));
});

void t.test('spill: what overflows a full reservoir is handed on, up to a limit', async (t) => {
  const r = new Reservoir(10, 10);
  t.equal(r.add(1_000_000, 100 * UNIT), 10 * UNIT, 'full: one second of refill overflows');
  r.take(4 * UNIT);
  t.equal(r.add(500_000, 100 * UNIT), 1 * UNIT, '0.5 s: 5 tokens, 4 fill it, 1 spills');
  t.equal(r.add(3_600_000_000, 7 * UNIT), 7 * UNIT, 'capped at the spill limit');
  const empty = new Reservoir(0, 0, false);
  t.notOk(empty.affords(UNIT), 'a spill-only reservoir with no capacity affords nothing');
  t.equal(empty.add(1_000_000, 5), 0);
});
