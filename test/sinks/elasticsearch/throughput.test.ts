/**
 * Reports (never asserts on time): documents/s and MB/s from one sink into the bulk-receiver (the agent's
 * own ceiling: the receiver only counts) and into the real Elasticsearch, with realistic documents — the
 * benchmark corpus (JSON, Java-style, HAProxy, syslog lines) parsed by Herald's parsers. Writes go through a
 * runner-like window: 4 batches of 2000 in flight, as the pipeline's defaults.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { generateCorpus } from '../../../bench/corpus';
import { ElasticsearchSink } from '../../../src/sinks/elasticsearch/elasticsearch-sink';
import { DocumentEncoder, IndexNamer } from '../../../src/sinks/elasticsearch/encode';
import { BatchState, BulkBuffer, ItemSet, bodyParts } from '../../../src/sinks/elasticsearch/bulk-buffer';
import { createParser } from '../../../src/logs/parse';
import { makeLogEvent, type LogEvent, type LogOrigin } from '../../../src/pipeline/records';
import type { Outcome } from '../../../src/pipeline/contracts';
import { BulkReceiver } from '../../helpers/bulk-receiver';
import { testContext } from '../../helpers/context';
import { requireService, URLS } from '../../helpers/services';
import { cleanup, count } from './es-api';
import { esConfig } from './helpers';

const P = `herald-es-test-${process.pid}-bench`;

function corpusEvents(dir: string, max: number): LogEvent[] {
  const corpus = generateCorpus(dir, 24 * 1024 * 1024);
  const out: LogEvent[] = [];
  const now = Date.UTC(2026, 10, 21, 12);
  const perFile = Math.ceil(max / corpus.files.length);
  for (const f of corpus.files) {
    const origin: LogOrigin = { path: `/var/lib/mesos/slaves/S1/frameworks/F1/executors/shop_web.${f.format}/runs/C1/stdout`, dataset: f.format === 'haproxy' ? 'haproxy.log' : 'mesos.sandbox', identity: { app: '/shop/web', docFragment: '"service":{"name":"/shop/web"},"orchestrator":{"type":"mesos"},"mesos":{"task":{"id":"shop_web.1"}}', labels: {} } };
    const parser = createParser(f.format);
    let offset = 0;
    for (const line of readFileSync(f.path, 'utf8').split('\n').slice(0, perFile)) {
      const e = makeLogEvent(origin, line, offset, Buffer.byteLength(line), 0, now);
      offset += e.sizeBytes + 1;
      if (parser.parse(e, now) !== undefined) e.flags |= 8;
      out.push(e);
    }
  }
  return out.slice(0, max);
}

async function drive(sink: ElasticsearchSink, docs: LogEvent[]): Promise<number> {
  const inFlight = new Set<Promise<Outcome>>();
  let delivered = 0;
  const t0 = performance.now();
  for (let i = 0; i < docs.length; i += 2000) {
    while (inFlight.size >= 4) await Promise.race(inFlight);
    const p: Promise<Outcome> = sink.write({ records: docs.slice(i, i + 2000) }).then((o) => {
      inFlight.delete(p);
      delivered += o.delivered;
      return o;
    });
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  if (delivered !== docs.length) throw new Error(`delivered ${delivered} of ${docs.length}`);
  return performance.now() - t0;
}

const fmt = (docs: number, bytes: number, ms: number) => `${docs} docs in ${ms.toFixed(0)} ms: ${Math.round((docs / ms) * 1000)} docs/s, ${((bytes / 1048576 / ms) * 1000).toFixed(1)} MiB/s of bulk body (${(bytes / docs).toFixed(0)} B/doc)`;

void t.test('throughput report', async (t) => {
  const docs = corpusEvents(t.testdir(), 120_000);
  t.ok(docs.length >= 100_000, `${docs.length} realistic events`);

  // Hot-path parts alone: encoding into the batch's bytes, then cutting bodies (views of those bytes).
  const enc = new DocumentEncoder('node-1');
  const namer = new IndexNamer('herald-logs-%Y.%m.%d');
  let t0 = performance.now();
  const set = new ItemSet(new BatchState(docs.length, () => undefined, () => undefined), false);
  for (const e of docs) set.add(namer.actionLine(e.timestampMs), enc.encode(e));
  const encodeNs = ((performance.now() - t0) * 1e6) / docs.length;
  const buf = new BulkBuffer();
  buf.add(set);
  t0 = performance.now();
  let bodyBytes = 0;
  for (let req = buf.take(5 * 1048576); req; req = buf.take(5 * 1048576)) for (const p of bodyParts(req)) bodyBytes += p.length;
  const bodyNs = ((performance.now() - t0) * 1e6) / docs.length;
  t.comment(`encode: ${encodeNs.toFixed(0)} ns/doc; body parts: ${bodyNs.toFixed(0)} ns/doc (${(bodyBytes / 1048576).toFixed(1)} MiB)`);

  const r = await BulkReceiver.start();
  t.teardown(() => r.close());
  const ctx = testContext(t.testdir());
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url }), context: ctx });
  await sink.start();
  await drive(sink, docs.slice(0, 10_000)); // warm-up
  const before = r.bytes;
  const ms = await drive(sink, docs);
  await sink.close(5000);
  t.comment(`bulk-receiver: ${fmt(docs.length, r.bytes - before, ms)}; ${r.bulkRequests} requests`);

  await requireService(t, 'elasticsearch');
  t.teardown(() => cleanup(P));
  const esDocs = docs.slice(0, 30_000);
  const esSink = new ElasticsearchSink({ config: esConfig({ url: URLS.elasticsearch, request_timeout_ms: 120_000, index: `${P}-%Y.%m.%d`, dead_letter_index: `${P}-dl-%Y.%m.%d`, template: { name: P } }), context: testContext(t.testdir()) });
  await esSink.start();
  const esMs = await drive(esSink, esDocs);
  await esSink.close(5000);
  const indexed = await count(`${P}-*`);
  t.ok(indexed >= esDocs.length, `all indexed (${indexed - esDocs.length} duplicates from re-sends)`);
  t.comment(`real ES 8.19 (1 node, shared 2-core machine): ${fmt(esDocs.length, bodyBytes * (esDocs.length / docs.length), esMs)}`);
});
