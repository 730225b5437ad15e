import t from 'tap';
import { backoffMs, parseRetryAfter } from '../../src/net/retry';

void t.test('Retry-After: delta-seconds (also fractional), HTTP dates, caps, garbage', async (t) => {
  t.equal(parseRetryAfter('3', 0), 3000);
  t.equal(parseRetryAfter(' 3 ', 0), 3000);
  t.equal(parseRetryAfter(['2', '9'], 0), 2000, 'the first of repeated headers');
  t.equal(parseRetryAfter('0.5', 0), 500);
  t.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
  t.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  t.equal(parseRetryAfter(new Date(1000).toUTCString(), 4000), 0, 'a date in the past: at once');
  t.equal(parseRetryAfter('99999', 0, 300_000), 300_000, 'capped');
  t.equal(parseRetryAfter('120', 0, 60_000), 60_000, 'capped');
  t.equal(parseRetryAfter('99999', 0), 99_999_000, 'no cap given');
  for (const bad of ['soon', '-3', '1e3', '', '  ', undefined]) t.equal(parseRetryAfter(bad, 0), undefined, `${String(bad)}`);
});

void t.test('backoff: doubling ceiling, capped, and each jitter within its range', async (t) => {
  const b = { initialMs: 100, maxMs: 1000 };
  const top = () => 0.999999;
  const bottom = () => 0;
  t.same([0, 1, 2, 3, 10, 100].map((r) => backoffMs(b, r, 'full', top)), [99, 199, 399, 799, 999, 999], 'full: just under the ceiling');
  t.equal(backoffMs(b, 5, 'full', bottom), 0, 'full: down to 0');
  t.same([0, 1, 2, 3, 4].map((r) => backoffMs(b, r, 'spread', () => 0.5)), [100, 200, 400, 800, 1000], 'spread: centred on the ceiling');
  t.equal(backoffMs(b, 0, 'spread', bottom), 80, 'spread: -20%');
  t.equal(backoffMs(b, 0, 'spread', () => 1), 120, 'spread: +20%');
  t.equal(backoffMs(b, 2, 'equal', bottom), 200, 'equal: half the ceiling at least');
  t.equal(backoffMs(b, 2, 'equal', () => 1), 400, 'equal: the ceiling at most');
  t.equal(backoffMs(b, -1, 'equal', () => 1), 100, 'a negative retry counts as the first');
  t.equal(backoffMs(b, 1e9, 'full', top), 999, 'huge retry counts do not overflow');
});
