import t from 'tap';
import { BatchState, BulkBuffer, BulkRequest, ItemSet, bodyParts, splitRequest } from '../../../src/sinks/elasticsearch/bulk-buffer';
import { BufferPool } from '../../../src/sinks/ndjson-writer';
import { readBulkResponse, Settlement } from '../../../src/sinks/elasticsearch/bulk-response';
import { safeReason } from '../../../src/sinks/elasticsearch/dead-letter';
import { isRetriableStatus } from '../../../src/sinks/elasticsearch/retry-policy';
import { DocumentEncoder, IndexNamer } from '../../../src/sinks/elasticsearch/encode';
import { makeLogEvent } from '../../../src/pipeline/records';
import type { Outcome } from '../../../src/pipeline/contracts';
import { makeBlock } from '../../helpers/blocks';

const body = (req: BulkRequest) => Buffer.concat(bodyParts(req));

function itemSet(tag: string, n: number, outcomes: Outcome[] = []): ItemSet {
  const set = new ItemSet(new BatchState(n, (o) => outcomes.push(o), () => undefined), false);
  for (let i = 0; i < n; i++) set.add('{"create":{"_index":"i"}}', `{"m":"${tag}${i}"}`);
  return set;
}

void t.test('the buffer cuts requests of about maxBytes across batches, in order, at least one item each', async (t) => {
  const buf = new BulkBuffer();
  const a = itemSet('a', 10);
  const b = itemSet('b', 10);
  buf.add(a);
  buf.add(b);
  const item = a.byteLength / 10;
  const bodies: string[] = [];
  for (let req = buf.take(item * 7); req; req = buf.take(item * 7)) bodies.push(body(req).toString());
  t.same(bodies.map((x) => x.split('\n').length - 1), [14, 14, 12], '7 + 7 + 6 items');
  const docs = bodies.join('').split('\n').filter((l) => l.startsWith('{"m"')).map((l) => (JSON.parse(l) as { m: string }).m);
  t.same(docs, [...Array.from({ length: 10 }, (_, i) => `a${i}`), ...Array.from({ length: 10 }, (_, i) => `b${i}`)]);
  t.equal(buf.count, 0);
  t.equal(buf.bytes, 0);
  const one = itemSet('c', 2);
  buf.add(one);
  t.equal(buf.take(1)?.count, 1, 'a single item larger than maxBytes still goes');
});

void t.test('a body is views of the sets, one per run of consecutive items; re-sent items merge into runs', async (t) => {
  const a = itemSet('a', 6);
  const b = itemSet('b', 3);
  const whole = new BulkRequest([{ set: a, start: 1, end: 4, idx: undefined }, { set: b, start: 0, end: 3, idx: undefined }], 6, 0);
  const parts = bodyParts(whole);
  t.equal(parts.length, 2, 'one view per set');
  t.same(body(whole).toString().match(/[ab]\d/g), ['a1', 'a2', 'a3', 'b0', 'b1', 'b2']);
  const resend = new BulkRequest([{ set: a, start: 0, end: 0, idx: [0, 1, 2, 4, 5] }, { set: b, start: 0, end: 0, idx: [2] }], 6, 1);
  t.equal(bodyParts(resend).length, 3, '0-2, 4-5 and b2');
  t.same(body(resend).toString().match(/[ab]\d/g), ['a0', 'a1', 'a2', 'a4', 'a5', 'b2']);
  t.same(bodyParts(new BulkRequest([{ set: a, start: 2, end: 2, idx: undefined }], 0, 0)), [], 'an empty run is no part');
});

void t.test('a set sent in a failed request is not given back to the pool (a socket may still read it)', async (t) => {
  const pool = new BufferPool(1 << 20);
  const kept = new ItemSet(new BatchState(1, () => undefined, () => undefined), false, 4096, pool);
  kept.add('{"create":{}}', '{"a":1}');
  kept.release();
  t.ok(pool.freeBytes >= 4096, 'an answered set goes back to the pool');
  const before = pool.freeBytes;
  const failed = new ItemSet(new BatchState(1, () => undefined, () => undefined), false, 4096, pool);
  t.equal(pool.freeBytes, before - 4096, 'it took the pooled Buffer');
  failed.add('{"create":{}}', '{"a":1}');
  failed.sentUnanswered();
  failed.release();
  t.equal(pool.freeBytes, before - 4096, 'not given back');
});

void t.test('bodies are exact UTF-8 for any text, also when the buffer has to grow', async (t) => {
  const set = new ItemSet(new BatchState(3, () => undefined, () => undefined), false, 16);
  const texts = ['ascii', '€'.repeat(5000), '😀 ünïcödé '.repeat(3000)];
  for (const m of texts) set.add('{"create":{"_index":"i"}}', JSON.stringify({ m }));
  t.same(texts.map((_, i) => (JSON.parse(set.doc(i)) as { m: string }).m), texts, 'each document reads back whole');
  t.same(texts.map((_, i) => set.action(i)), texts.map(() => '{"create":{"_index":"i"}}'));
  const buf = new BulkBuffer();
  buf.add(set);
  const req = buf.take(1e9);
  if (!req) throw new Error('no request');
  const body = Buffer.concat(bodyParts(req));
  const expected = texts.map((m) => `{"create":{"_index":"i"}}\n${JSON.stringify({ m })}\n`).join('');
  t.equal(body.length, Buffer.byteLength(expected));
  t.equal(body.toString('utf8'), expected);
});

void t.test('a 413 split halves a request; responses are read item by item', async (t) => {
  const outcomes: Outcome[] = [];
  const set = itemSet('x', 5, outcomes);
  const buf = new BulkBuffer();
  buf.add(set);
  const req = buf.take(1e9);
  if (!req) throw new Error('no request');
  const halves = splitRequest(req);
  t.same(halves?.map((h) => h.count), [2, 3]);
  t.same(halves?.map((h) => body(h).toString().match(/x\d/g)), [['x0', 'x1'], ['x2', 'x3', 'x4']]);
  const s = new Settlement({ actionLine: () => '{"create":{"_index":"dl"}}', hostJson: '"host":{"name":"n"}', nowMs: 0 });
  const failed = readBulkResponse(req, {
    errors: true,
    items: [
      { create: { status: 201 } },
      { create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'busy' } } },
      { create: { status: 400, error: { type: 'document_parsing_exception', reason: "bad. Preview of field's value: 'v'" } } },
      { create: { status: 403, error: { type: 'cluster_block_exception', reason: 'read-only' } } },
    ],
  }, s);
  t.ok(failed);
  t.equal(s.delivered, 1);
  t.same(s.retry.map((seg) => seg.idx), [[1, 3, 4]], '429, the read-only block, and the missing 5th item are re-sent');
  t.equal(s.deadLetters[0]?.count, 1);
  t.match(s.deadLetters[0]?.doc(0), /"event":\{"original":"\{\\"m\\":\\"x2\\"\}"\}/);
  t.same(outcomes, [], 'the batch is not settled yet');
});

void t.test('retry policy: statuses', async (t) => {
  t.same([408, 429, 500, 503, 400, 404, 409].map((s) => isRetriableStatus(s)), [true, true, true, true, false, false, false]);
  t.ok(isRetriableStatus(403, 'cluster_block_exception'));
  t.notOk(isRetriableStatus(403, 'security_exception'));
});

void t.test('reasons are made log-safe: no quoted values', async (t) => {
  t.equal(safeReason("[1:36] failed to parse field [http.response.status_code] of type [long] in document with id 'Gf'. Preview of field's value: 'abc-secret'"), "[1:36] failed to parse field [http.response.status_code] of type [long] in document with id '…'");
  t.equal(safeReason('Document contains at least one immense term in field="url.original". The prefix of the first immense term is: \'[47, 97]\''), 'Document contains at least one immense term in field="url.original". ');
  t.equal(safeReason('x'.repeat(500)).length, 201);
});

void t.test('log events added by the encoder read back as their action line and document', async (t) => {
  const enc = new DocumentEncoder('n');
  const namer = new IndexNamer('lögs-%Y.%m.%d');
  const origin = { path: '/p', dataset: 'd', identity: { app: '', docFragment: '', labels: {} } };
  const set = new ItemSet(new BatchState(3, () => undefined, () => undefined), false, 16);
  const events = ['a', '€'.repeat(2000), 'b'].map((m, i) => makeLogEvent(origin, m, i, m.length + 1, 0, Date.UTC(2026, 0, 1 + i)));
  for (const e of events) set.addEvent(namer.head(e.timestampMs), e, enc);
  t.equal(set.count, 3);
  t.same(events.map((_, i) => set.doc(i)), events.map((e) => enc.encode(e)));
  t.same(events.map((_, i) => set.action(i)), events.map((e) => namer.actionLine(e.timestampMs)));
  t.equal(set.byteLength, events.reduce((n, e, i) => n + set.itemBytes(i), 0));
});

void t.test('native blocks become items: their kept documents after their action lines, bytes copied as they are', async (t) => {
  const enc = new DocumentEncoder('n');
  const namer = new IndexNamer('logs-%Y.%m.%d');
  const origin = { path: '/p', dataset: 'd', identity: { app: '', docFragment: '', labels: {} } };
  const event = makeLogEvent(origin, 'before', 0, 7, 0, Date.UTC(2026, 0, 1));
  const docs = ['{"message":"€ one"}', '{"message":"two"}', '{"message":"three"}'];
  const block = makeBlock(origin, docs, { timestampMs: Date.UTC(2026, 0, 2) });
  block.dropped = new Uint8Array([0, 1, 0]);
  block.kept = 2;
  const set = new ItemSet(new BatchState(3, () => undefined, () => undefined), false, 16);
  set.addEvent(namer.head(event.timestampMs), event, enc);
  set.addBlock(block, namer);
  t.equal(set.count, 3, 'the event and the two kept documents');
  t.same([1, 2].map((i) => set.doc(i)), [docs[0], docs[2]]);
  t.same([0, 1, 2].map((i) => set.action(i)), ['{"create":{"_index":"logs-2026.01.01"}}', '{"create":{"_index":"logs-2026.01.02"}}', '{"create":{"_index":"logs-2026.01.02"}}']);
});
