/**
 * Against the real Elasticsearch 8.19: exact documents, the index templates and their versions, mapping
 * conflicts into the dead-letter index, and data stream mode. Names are prefixed herald-es-test-<pid>-
 * and deleted afterwards.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ElasticsearchSink } from '../../../src/sinks/elasticsearch/elasticsearch-sink';
import { DocumentEncoder } from '../../../src/sinks/elasticsearch/encode';
import { TEMPLATE_DIR } from '../../../src/sinks/elasticsearch/template-installer';
import { createParser } from '../../../src/logs/parse';
import { makeLogEvent, type LogEvent, type LogOrigin } from '../../../src/pipeline/records';
import { capturingLogger, testContext } from '../../helpers/context';
import { requireService, URLS } from '../../helpers/services';
import { cleanup, count, es, searchAll } from './es-api';
import { esConfig, events } from './helpers';

const P = `herald-es-test-${process.pid}`;
const FILE_VERSION = (JSON.parse(readFileSync(join(TEMPLATE_DIR, 'index-template.json'), 'utf8')) as { _meta: { version: number } })._meta.version;

const config = (name: string, over: Record<string, unknown> = {}) =>
  esConfig({ url: URLS.elasticsearch, index: `${P}-${name}-%Y.%m.%d`, dead_letter_index: `${P}-${name}-dl-%Y.%m.%d`, template: { name: `${P}-${name}` }, ...over });

/** Events parsed from real HAProxy lines (fixtures), so the documents carry IPs, numbers, URLs. */
function haproxyEvents(): LogEvent[] {
  const dir = join(__dirname, '..', '..', 'fixtures', 'elasticsearch');
  const lines = [
    ...readFileSync(join(dir, 'haproxy-doc-v3.2.0.example-log-lines.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { line: string }).line),
    ...readFileSync(join(dir, 'datadog.haproxy-log-samples.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { sample: string }).sample),
  ];
  const ha: LogOrigin = { path: '/var/log/haproxy.log', dataset: 'haproxy.log', identity: { app: '', docFragment: '', labels: {} } };
  const parser = createParser('haproxy');
  return lines.map((line, i) => {
    const e = makeLogEvent(ha, line, i * 200, line.length, 0, Date.UTC(2026, 10, 21));
    const reason = parser.parse(e, Date.UTC(2026, 10, 21));
    if (reason !== undefined) e.error = reason;
    return e;
  });
}

void t.test('real ES', async (t) => {
  await requireService(t, 'elasticsearch');
  t.teardown(() => cleanup(P));

  void t.test('documents are indexed exactly, with the template\'s ECS types', async (t) => {
    const sink = new ElasticsearchSink({ config: config('exact'), context: testContext(t.testdir()) });
    await sink.start();
    const ha = haproxyEvents();
    const plain = events('exact', 100);
    t.same(await sink.write({ records: [...ha, ...plain] }), { delivered: ha.length + 100, dropped: 0 }, 'every parsed HAProxy line indexes without a mapping error');
    await sink.close(5000);
    const enc = new DocumentEncoder('node-1.test');
    const expected = [...ha, ...plain].map((e) => JSON.stringify(JSON.parse(enc.encode(e as LogEvent)))).sort();
    const got = (await searchAll(`${P}-exact-*`)).map((d) => JSON.stringify(d)).sort();
    t.equal(got.length, expected.length, 'count');
    t.same(got, expected, 'content, document by document');
    const mapping = (await es('GET', `/${P}-exact-2026.11.21/_mapping/field/source.ip,http.response.status_code,url.original,@timestamp,message,log.offset,log.flags,haproxy.total_time_ms,service.name`)).json as Record<string, { mappings: Record<string, { mapping: Record<string, { type: string; fields?: unknown }> }> }>;
    const fields = Object.values(mapping)[0]?.mappings ?? {};
    const type = (f: string) => Object.values(fields[f]?.mapping ?? {})[0]?.type;
    t.same(
      ['source.ip', 'http.response.status_code', 'url.original', '@timestamp', 'message', 'log.offset', 'haproxy.total_time_ms', 'service.name'].map(type),
      ['ip', 'long', 'keyword', 'date', 'text', 'long', 'long', 'keyword'],
    );
  });

  void t.test('templates: installed when absent or older, left alone when the same or newer', async (t) => {
    const name = `${P}-ver`;
    const body = (version: number | undefined) => ({ index_patterns: [`${P}-ver-*`], priority: 200, template: { settings: { number_of_shards: 1 } }, ...(version === undefined ? {} : { _meta: { version } }) });
    const versionNow = async () => ((await es('GET', `/_index_template/${name}`)).json as { index_templates: { index_template: { _meta?: { version?: number } } }[] }).index_templates[0]?.index_template._meta?.version;
    const { logger, lines } = capturingLogger('info');
    for (const [pre, expected] of [[FILE_VERSION + 1, FILE_VERSION + 1], [FILE_VERSION, FILE_VERSION], [FILE_VERSION - 1, FILE_VERSION], [undefined, FILE_VERSION]] as const) {
      t.equal((await es('PUT', `/_index_template/${name}`, body(pre))).status, 200);
      const sink = new ElasticsearchSink({ config: config('ver'), context: testContext(t.testdir(), { logger }) });
      await sink.start();
      await sink.close(1000);
      t.equal(await versionNow(), expected, `existing ${String(pre)} → ${expected}`);
    }
    const results = lines.map((l) => JSON.parse(l) as { template?: string; result?: string }).filter((l) => l.template === name).map((l) => l.result);
    t.same(results, ['kept', 'kept', 'installed', 'installed'], 'what start() logged for the logs template');
    await es('DELETE', `/_index_template/${name}`);
    t.equal(await es('GET', `/_index_template/${name}`).then((r) => r.status), 404);
  });

  void t.test('a document that conflicts with the mapping goes to the dead-letter index; its batch is delivered', async (t) => {
    const ctx = testContext(t.testdir());
    const sink = new ElasticsearchSink({ config: config('dl'), context: ctx });
    await sink.start();
    const batch = events('dl', 6);
    (batch[1] as LogEvent).fields = { http: { response: { status_code: 'abc' } } };
    (batch[4] as LogEvent).fields = { container: { id: { nested: 'object where a keyword is mapped' } } };
    t.same(await sink.write({ records: batch }), { delivered: 4, dropped: 2, dropReason: 'dead_lettered' });
    await sink.close(5000);
    t.equal(await count(`${P}-dl-2026.11.21`), 4, 'the other four are indexed');
    const dl = await searchAll(`${P}-dl-dl-*`);
    t.equal(dl.length, 2);
    const enc = new DocumentEncoder('node-1.test');
    for (const [i, d] of [[1, dl.find((x) => String((x.event as { original: string }).original).includes('abc'))], [4, dl.find((x) => String((x.event as { original: string }).original).includes('nested'))]] as const) {
      const doc = d as { error: { type: string; message: string }; dead_letter: { index: string; status: number }; event: { original: string }; host: { name: string } };
      t.equal(doc.event.original, enc.encode(batch[i] as LogEvent), `item ${i}: the original, byte for byte`);
      t.equal(doc.dead_letter.status, 400);
      t.equal(doc.dead_letter.index, `${P}-dl-2026.11.21`);
      t.equal(doc.error.type, 'document_parsing_exception');
      t.match(doc.error.message, i === 1 ? /http\.response\.status_code/ : /container\.id/);
      t.equal(doc.host.name, 'node-1.test');
    }
    t.match(await ctx.metrics.metrics(), /herald_elasticsearch_documents_total\{outcome="dead_lettered"\} 2/);
  });

  void t.test('data stream mode: create actions into a data stream made by the template', async (t) => {
    // This build has no data stream management API (x-pack): a data stream cannot be deleted once made.
    // One fixed name is reused across runs, so at most one stream is left behind; counts are by a unique token.
    const stream = 'herald-es-test-probe-ds1';
    const token = `ds${process.pid}x${Date.now()}`;
    const cfg = esConfig({ url: URLS.elasticsearch, data_stream: stream, dead_letter_index: `${P}-dsdl-%Y.%m.%d`, template: { name: `${P}-ds`, priority: 300 } });
    t.equal(cfg.mode, 'data_stream');
    const sink = new ElasticsearchSink({ config: cfg, context: testContext(t.testdir()) });
    await sink.start();
    const tpl = (await es('GET', `/_index_template/${P}-ds`)).json as { index_templates: { index_template: { data_stream?: unknown; index_patterns: string[] } }[] };
    t.same(tpl.index_templates[0]?.index_template.index_patterns, [stream]);
    t.ok(tpl.index_templates[0]?.index_template.data_stream, 'the template declares data_stream');
    t.same(await sink.write({ records: events(token, 20) }), { delivered: 20, dropped: 0 });
    await sink.close(5000);
    t.equal(await count(stream, { match: { message: token } }), 20);
    const resolved = (await es('GET', `/_resolve/index/${stream}`)).json as { data_streams: { name: string }[] };
    t.same(resolved.data_streams.map((d) => d.name), [stream], 'it is a data stream');
    // A stream must always match some template: keep a low-priority one of the same fixed name for it (made
    // here when absent, left with the stream), so that ours, which is per run, can be deleted.
    const keep = await es('PUT', '/_index_template/herald-es-test-probe', { index_patterns: [stream], data_stream: {}, priority: 1 });
    t.equal(keep.status, 200, 'a low-priority template keeps matching the stream');
    t.equal((await es('DELETE', `/_index_template/${P}-ds`)).status, 200, 'our template can go (the fallback still matches the stream)');
  });
});
