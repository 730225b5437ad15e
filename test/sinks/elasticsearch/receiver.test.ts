/**
 * The sink against the bulk-receiver: deterministic retries of chosen items, whole-request failures,
 * timeouts, dead-lettering, flushing by size and time, bounded concurrency, and what the logs do not say.
 */
import t from 'tap';
import { ElasticsearchSink } from '../../../src/sinks/elasticsearch/elasticsearch-sink';
import { DocumentEncoder } from '../../../src/sinks/elasticsearch/encode';
import { makeMetricPoint, type LogEvent } from '../../../src/pipeline/records';
import { BulkReceiver, type ItemAnswer } from '../../helpers/bulk-receiver';
import { capturingLogger, testContext } from '../../helpers/context';
import { esConfig, events, stateAfter, waitFor } from './helpers';
import { within } from '../../helpers/fakes';

const encoder = new DocumentEncoder('node-1.test');
const encoded = (records: readonly unknown[]): string[] => records.map((e) => encoder.encode(e as LogEvent)).sort();

/** A receiver that keeps documents and answers each item by its document and its attempt (1, 2, ...). */
async function countingReceiver(answer: (doc: string, attempt: number) => ItemAnswer): Promise<{ r: BulkReceiver; attempts: Map<string, number> }> {
  const attempts = new Map<string, number>();
  const r = await BulkReceiver.start({
    keepDocuments: true,
    itemAnswer: (doc) => {
      const n = (attempts.get(doc) ?? 0) + 1;
      attempts.set(doc, n);
      return answer(doc, n);
    },
  });
  return { r, attempts };
}

void t.test('every document arrives exactly as the encoder writes it; batches settle with their own counts', async (t) => {
  const r = await BulkReceiver.start({ keepDocuments: true });
  t.teardown(() => r.close());
  const ctx = testContext(t.testdir());
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url }), context: ctx });
  await sink.start();
  const a = events('a', 50);
  const b = [...events('b', 30), makeMetricPoint('cpu', {}, { v: 1 }, 1)];
  const [oa, ob] = await Promise.all([sink.write({ records: a }), sink.write({ records: b })]);
  t.same(oa, { delivered: 50, dropped: 0 });
  t.same(ob, { delivered: 30, dropped: 1, dropReason: 'not_a_log_event' }, 'a metric point is not for this sink: dropped, counted');
  const enc = new DocumentEncoder('node-1.test');
  t.same(r.documents.slice().sort(), [...a, ...b.slice(0, 30)].map((e) => enc.encode(e as LogEvent)).sort());
  t.equal(r.bulkRequests, 1, 'the two batches written together went in one bulk request (flush_interval_ms)');
  // Its body is the two batches' bytes as they are (views, streamed one after the other), with its length.
  const bulk = r.headers.filter((h) => String(h['content-type']).includes('ndjson'));
  t.equal(bulk.length, 1);
  t.equal(bulk[0]?.['content-length'], String(r.bytes), 'the length is given');
  t.equal(bulk[0]?.['transfer-encoding'], undefined, 'not chunked');
  t.ok(r.templates.has('herald-logs') && r.templates.has('herald-logs-dead-letter'), 'templates installed first');
  const m = await ctx.metrics.metrics();
  t.match(m, /herald_elasticsearch_documents_total\{outcome="delivered"\} 80/);
  t.match(m, new RegExp(`herald_elasticsearch_bulk_bytes_total ${r.bytes}`));
  t.match(m, /herald_elasticsearch_template_ready 1/);
  await sink.close(1000);
  await sink.close(1000);
});

void t.test('429 and 500 items are re-sent, and only they', async (t) => {
  const { r, attempts } = await countingReceiver((doc, n) => {
    if (doc.includes('"x 3"') && n <= 2) return 429;
    if (doc.includes('"x 7"') && n === 1) return 500;
    if (doc.includes('"x 8"') && n === 1) return 503;
    return 201;
  });
  t.teardown(() => r.close());
  const ctx = testContext(t.testdir());
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url }), context: ctx });
  t.same(await sink.write({ records: events('x', 10) }), { delivered: 10, dropped: 0 });
  t.equal(r.documentCount, 10, 'each document indexed once');
  t.same(r.refused, { 429: 2, 500: 1, 503: 1 });
  t.equal(r.bulkRequests, 3, 'first request, then two re-sends');
  const sent = [...attempts.values()].reduce((a, b) => a + b, 0);
  t.equal(sent, 14, 'items sent: 10 + the 4 failed attempts re-sent, nothing else');
  t.match(await ctx.metrics.metrics(), /herald_elasticsearch_documents_total\{outcome="retried"\} 4/);
  await sink.close(1000);
});

void t.test('a refused document goes to the dead-letter index; the rest of its batch is delivered; logs stay clean', async (t) => {
  const r = await BulkReceiver.start({ keepDocuments: true, itemAnswer: (doc) => (doc.includes('"m 2"') && !doc.includes('dead_letter') ? 'mapping' : 201) });
  t.teardown(() => r.close());
  const { logger, lines } = capturingLogger();
  const ctx = testContext(t.testdir(), { logger });
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url }), context: ctx });
  t.same(await sink.write({ records: events('m', 5) }), { delivered: 4, dropped: 1, dropReason: 'dead_lettered' });
  const dl = r.documents.filter((d) => d.includes('"dead_letter"'));
  t.equal(dl.length, 1);
  const doc = JSON.parse(dl[0] as string) as { error: { type: string; message: string }; dead_letter: { index: string; status: number }; event: { original: string } };
  t.equal(doc.dead_letter.status, 400);
  t.equal(doc.dead_letter.index, 'herald-logs-2026.11.21', 'the index it was meant for');
  t.equal(doc.error.type, 'document_parsing_exception');
  t.match(doc.error.message, /failed to parse field \[http.response.status_code\]/);
  t.equal((JSON.parse(doc.event.original) as { message: string }).message, 'm 2', 'the original, intact, as a string');
  const log = lines.join('\n');
  t.match(log, /document_parsing_exception/, 'the error type is logged');
  t.notMatch(log, /SECRET-VALUE/, 'the value quoted in the reason is not');
  t.notMatch(log, /"m \d"/, 'no document content');
  t.match(await ctx.metrics.metrics(), /herald_elasticsearch_documents_total\{outcome="dead_lettered"\} 1/);
  await sink.close(1000);
});

void t.test('a dead-letter copy that is refused too is dropped and counted, not looped', async (t) => {
  const r = await BulkReceiver.start({ itemAnswer: (doc) => (doc.includes('bad') ? 'mapping' : 201) });
  t.teardown(() => r.close());
  const { logger, lines } = capturingLogger();
  const ctx = testContext(t.testdir(), { logger });
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url }), context: ctx });
  t.same(await sink.write({ records: [...events('ok', 2), ...events('bad', 2)] }), { delivered: 2, dropped: 2, dropReason: 'dead_letter_failed' });
  t.equal(r.bulkRequests, 2, 'the batch, then its dead-letter copies, then nothing');
  const m = await ctx.metrics.metrics();
  t.match(m, /herald_elasticsearch_dropped_total\{reason="dead_letter_failed"\} 2/);
  t.match(lines.join('\n'), /dead-letter index refused documents too/);
  await sink.close(1000);
});

void t.test('whole-request failures: 429 with Retry-After and 503 are re-sent, 413 splits, 401 waits for a fix', async (t) => {
  const answers: ({ status: number; retryAfter?: string } | undefined)[] = [{ status: 429, retryAfter: '0' }, { status: 503 }, { status: 413 }, { status: 401 }];
  const r = await BulkReceiver.start({ keepDocuments: true, requestAnswer: (n) => answers[n] });
  t.teardown(() => r.close());
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url }), context: testContext(t.testdir()) });
  t.same(await sink.write({ records: events('w', 9) }), { delivered: 9, dropped: 0 });
  t.equal(r.documentCount, 9);
  t.equal(r.bulkRequests, 4 + 2, 'four refused whole, then the two halves of the split');
  await sink.close(1000);
});

void t.test('flush by size: a large batch is split into requests of about flush_bytes', async (t) => {
  const r = await BulkReceiver.start();
  t.teardown(() => r.close());
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url, flush_bytes: '8KiB', max_concurrent_requests: 2 }), context: testContext(t.testdir()) });
  t.same(await sink.write({ records: events('s', 400) }), { delivered: 400, dropped: 0 });
  t.equal(r.documentCount, 400);
  const avg = r.bytes / r.bulkRequests;
  t.ok(r.bulkRequests >= 10 && avg <= 8192 + 1024, `${r.bulkRequests} requests of ${avg.toFixed(0)} bytes on average`);
  await sink.close(1000);
});

void t.test('basic auth and API key are sent, and never logged', async (t) => {
  for (const auth of [{ username: 'herald', password: 'pa55-SECRET' }, { api_key: 'a2V5LVNFQ1JFVA==' }]) {
    const r = await BulkReceiver.start();
    const { logger, lines } = capturingLogger('trace');
    const sink = new ElasticsearchSink({ config: esConfig({ url: r.url, auth }), context: testContext(t.testdir(), { logger }) });
    await sink.write({ records: events('auth', 3) });
    const expected = 'password' in auth ? `Basic ${Buffer.from('herald:pa55-SECRET').toString('base64')}` : 'ApiKey a2V5LVNFQ1JFVA==';
    t.ok(r.headers.length >= 3 && r.headers.every((h) => h.authorization === expected), `every request carries ${expected.split(' ')[0]}`);
    await sink.close(1000);
    await r.close();
    const log = lines.join('\n');
    t.notMatch(log, /pa55-SECRET|a2V5LVNFQ1JFVA|cGE1NS1TRUNSRVQ/, 'no secret in the logs');
  }
});

void t.test('close with a deadline while nothing answers rejects the pending writes', async (t) => {
  const r = await BulkReceiver.start({ requestAnswer: () => ({ status: 503 }) });
  t.teardown(() => r.close());
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url }), context: testContext(t.testdir()) });
  const w = sink.write({ records: events('c', 5) });
  t.equal(await stateAfter(w, 300), 'pending', 'the write waits while the server refuses');
  const t0 = Date.now();
  await sink.close(200);
  t.ok(Date.now() - t0 < 2000, 'close kept its deadline');
  await t.rejects(w, { code: 'HERALD_E_SINK_CLOSED' });
  await t.rejects(sink.write({ records: events('c', 1) }), { code: 'HERALD_E_SINK_CLOSED' }, 'no write after close');
});

void t.test('documents do not linger while their sources wait: sent at once when idle, and as soon as an answer frees a slot', async (t) => {
  // flush_interval_ms is long and flush_bytes large: only the idle rule and the answer rule can send these.
  const r = await BulkReceiver.start({ delayMs: 200 });
  t.teardown(() => r.close());
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url, flush_interval_ms: 30_000, flush_bytes: '10MiB' }), context: testContext(t.testdir()) });
  await sink.start();
  const t0 = performance.now();
  const first = sink.write({ records: events('a', 5) });
  await new Promise((res) => setTimeout(res, 50)); // the first request is in flight (answered after 200 ms)
  const second = sink.write({ records: events('b', 5) });
  t.same(await first, { delivered: 5, dropped: 0 });
  t.same(await second, { delivered: 5, dropped: 0 });
  const ms = performance.now() - t0;
  t.ok(ms < 5000, `both settled in ${ms.toFixed(0)} ms, far below the 30 s flush interval`);
  t.equal(r.bulkRequests, 2, 'the second batch went in its own request once the first was answered');
  await sink.close(1000);
});

void t.test('batches whose bytes are reused after settling: every document arrives intact, re-sends and dead letters included', async (t) => {
  // Batches settle at different times (some items are re-sent, some refused into the dead-letter index), so
  // the bytes of settled batches are reused by new ones while others are still being re-sent. A reuse that
  // came too early would corrupt a re-sent or dead-lettered document.
  const { r } = await countingReceiver((doc, n) => {
    if (doc.includes('dead_letter')) return 201;
    if (/"b\d+ \d*7"/.test(doc) && n <= 2) return 429; // every tenth item of every batch: two re-sends
    if (/"b\d+ 13"/.test(doc)) return 'mapping'; // one item per batch refused
    return 201;
  });
  t.teardown(() => r.close());
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url, flush_bytes: '4KiB', max_concurrent_requests: 3 }), context: testContext(t.testdir()) });
  await sink.start();
  const batches = Array.from({ length: 40 }, (_, b) => events(`b${b}`, 30));
  const writes: Promise<unknown>[] = [];
  for (const [b, records] of batches.entries()) {
    writes.push(sink.write({ records }));
    if (b % 4 === 3) await Promise.all(writes.splice(0, 2)); // keep a few batches in flight, settling unevenly
  }
  const outcomes = await Promise.all(writes);
  t.ok(outcomes.length > 0);
  const enc = new DocumentEncoder('node-1.test');
  const expected = batches.flat().filter((e) => !/^b\d+ 13$/.test((e as LogEvent).message)).map((e) => enc.encode(e as LogEvent));
  const delivered = r.documents.filter((d) => !d.includes('"dead_letter"'));
  t.same(delivered.slice().sort(), expected.sort(), 'every accepted document is byte-identical to its encoding');
  const dead = r.documents.filter((d) => d.includes('"dead_letter"')).map((d) => (JSON.parse(d) as { event: { original: string } }).event.original);
  t.same(dead.sort(), batches.map((records) => enc.encode(records[13] as LogEvent)).sort(), 'every dead-letter copy carries its original intact');
  await sink.close(1000);
});

void t.test('bounded concurrency: exactly max_concurrent_requests bulk requests open at once, re-sends included', async (t) => {
  for (const n of [1, 2]) {
    // Answers come after 20 ms, so requests pile up; an item in ten is refused once (429) and re-sent.
    const refusedOnce = new Set<string>();
    const itemAnswer = (doc: string): ItemAnswer => {
      if (!/"c\d+ \d*5"/.test(doc) || refusedOnce.has(doc)) return 201;
      refusedOnce.add(doc);
      return 429;
    };
    const r = await BulkReceiver.start({ keepDocuments: true, delayMs: 20, itemAnswer });
    t.teardown(() => r.close());
    const sink = new ElasticsearchSink({ config: esConfig({ url: r.url, flush_bytes: '4KiB', flush_interval_ms: 5, max_concurrent_requests: n }), context: testContext(t.testdir()) });
    t.teardown(() => sink.close(500));
    await sink.start();
    const batches = Array.from({ length: 20 }, (_, b) => events(`c${b}`, 20));
    const outcomes = await within(Promise.all(batches.map((records) => sink.write({ records }))), 30_000, `the writes (max_concurrent_requests ${n})`);
    t.ok(outcomes.every((o) => o.delivered === 20 && o.dropped === 0), `every batch delivered (max_concurrent_requests ${n})`);
    t.equal(refusedOnce.size, 40, 'forty items were refused once');
    t.ok(r.arrivals.length >= 5 * n, `${r.arrivals.length} bulk requests: enough to fill every slot again and again`);
    t.equal(r.maxOpenBulkRequests, n, `at most ${n} open at once, and ${n} reached`);
    t.same(r.documents.slice().sort(), encoded(batches.flat()), 'every document stored exactly once');
    await sink.close(1000);
  }
});

void t.test('a bulk request not answered within request_timeout_ms is re-sent; every document is stored once', async (t) => {
  // request_timeout_ms 500, which the client (undici, checking its timers every ~500 ms) enforces after
  // 500 to 1000 ms. Attempt 1 is answered at 1600 ms, after the client closed its connection: the receiver
  // then stores nothing of it, as a request the client gave up on. Attempt 2 is never answered; attempt 3 is
  // answered at once.
  const LATE_MS = 1600;
  const r = await BulkReceiver.start({ keepDocuments: true, delayMs: (nth) => (nth === 0 ? LATE_MS : nth === 1 ? Infinity : 0) });
  t.teardown(() => r.close());
  const { logger, lines } = capturingLogger();
  const ctx = testContext(t.testdir(), { logger });
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url, request_timeout_ms: 500 }), context: ctx });
  t.teardown(() => sink.close(500));
  await sink.start();
  const records = events('to', 20);
  const t0 = performance.now();
  const outcome = await within(sink.write({ records }), 10_000, 'the write');
  const ms = performance.now() - t0;
  t.same(outcome, { delivered: 20, dropped: 0 });
  t.ok(ms >= 900 && ms < 6000, `settled in ${ms.toFixed(0)} ms: two timeouts of 500 ms (up to 1000 ms each), then the answer`);
  // Let attempt 1's late answer come (bounded) before counting what was stored.
  const first = r.arrivals[0]?.atMs ?? 0;
  await waitFor(() => performance.now() > first + LATE_MS + 100, 3000, 'the late answer to attempt 1');
  t.equal(r.arrivals.length, 3, 'three attempts: two timed out, the third answered');
  t.equal(r.abandonedBulkRequests, 2, 'the client closed the connections of the two it gave up on');
  t.equal(r.bulkRequests, 1, 'only the third was answered');
  t.same(r.documents.slice().sort(), encoded(records), 'every document stored exactly once');
  t.match(await ctx.metrics.metrics(), /herald_elasticsearch_documents_total\{outcome="retried"\} 40/);
  t.match(lines.join('\n'), /TimeoutError/, 'the timeout is logged');
  await sink.close(1000);
});

void t.test('flush by time: with a request in flight, a partly filled buffer goes after flush_interval_ms, before that request is answered', async (t) => {
  // flush_bytes is far away, so only flush_interval_ms can send the second batch while the first request is
  // held for 1500 ms (the answer to the first would also send it, but much later).
  const r = await BulkReceiver.start({ delayMs: (nth) => (nth === 0 ? 1500 : 0) });
  t.teardown(() => r.close());
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url, flush_interval_ms: 200, flush_bytes: '10MiB' }), context: testContext(t.testdir()) });
  t.teardown(() => sink.close(500));
  await sink.start();
  const first = sink.write({ records: events('a', 5) });
  await waitFor(() => r.arrivals.length === 1, 2000, 'the first request');
  const t0 = performance.now();
  const second = sink.write({ records: events('b', 5) });
  await waitFor(() => r.arrivals.length === 2, 3000, 'the second request');
  const arrival = r.arrivals[1];
  const waitedMs = (arrival?.atMs ?? Infinity) - t0;
  t.equal(arrival?.open, 2, 'the second request arrived while the first was still open');
  t.ok(waitedMs >= 150 && waitedMs < 1200, `sent ${waitedMs.toFixed(0)} ms after its batch was written (flush_interval_ms 200, first answered after 1500 ms)`);
  t.same(await within(second, 2000, 'the second write'), { delivered: 5, dropped: 0 });
  t.same(await within(first, 3000, 'the first write'), { delivered: 5, dropped: 0 });
  t.equal(r.bulkRequests, 2);
  await sink.close(1000);
});
