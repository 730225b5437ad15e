import t from 'tap';
import { DocumentEncoder, IndexNamer, isoTimestamp } from '../../../src/sinks/elasticsearch/encode';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from '../../../bench/corpus';
import { createParser } from '../../../src/logs/parse';
import { LOG_FLAG_NAMES, LogFlag, makeLogEvent, type LogEvent, type LogOrigin } from '../../../src/pipeline/records';
import { NdjsonWriter } from '../../../src/sinks/ndjson-writer';

const origin: LogOrigin = {
  path: '/var/lib/mesos/slaves/S1/frameworks/F1/executors/web.1/runs/C1/stdout',
  dataset: 'mesos.sandbox',
  identity: { app: '/shop/web', docFragment: '"service":{"name":"/shop/web"},"orchestrator":{"type":"mesos"}', labels: {} },
};

void t.test('a document is the ECS object the encoder promises, and valid JSON for any message', async (t) => {
  const enc = new DocumentEncoder('node-1');
  const e = makeLogEvent(origin, 'hello "world"\n\u0000\u2028 tab\t', 1234, 30, LogFlag.truncated | LogFlag.binary, Date.UTC(2026, 10, 21, 9, 8, 7, 6));
  e.level = 'warning';
  e.fields = { log: { syslog: { priority: 13 }, file: 'ignored' }, source: { ip: '10.0.0.1', port: 5000 }, host: { name: 'spoof' }, message: 'spoof' };
  e.error = 'haproxy: no match';
  const doc = JSON.parse(enc.encode(e));
  t.same(doc, {
    '@timestamp': '2026-11-21T09:08:07.006Z',
    message: 'hello "world"\n\u0000\u2028 tab\t',
    log: { file: { path: origin.path }, offset: 1234, level: 'warning', flags: ['truncated', 'binary'], syslog: { priority: 13 } },
    event: { dataset: 'mesos.sandbox' },
    host: { name: 'node-1' },
    service: { name: '/shop/web' },
    orchestrator: { type: 'mesos' },
    source: { ip: '10.0.0.1', port: 5000 },
    error: { message: 'haproxy: no match' },
  });
});

void t.test('the usual fields (no owned key) are encoded whole, `log` merged, and the event is left as it was', async (t) => {
  const enc = new DocumentEncoder('n');
  const e = makeLogEvent(origin, 'm', 0, 1, 0, 0);
  const log = { syslog: { appname: 'haproxy' } };
  const proto = JSON.parse('{"__proto__": {"x": 1}, "k": "v"}') as Record<string, unknown>;
  e.fields = { source: { ip: '10.0.0.1' }, log, json: proto, absent: undefined, url: { original: '/a"b' } };
  const before = JSON.stringify(e.fields);
  const doc = JSON.parse(enc.encode(e)) as Record<string, unknown>;
  t.same(doc['log'], { file: { path: origin.path }, offset: 0, syslog: { appname: 'haproxy' } });
  t.same(Object.keys(doc).slice(-3), ['source', 'json', 'url'], 'in the order of fields, undefined members left out');
  t.same(Object.keys(doc['json'] as object), ['__proto__', 'k'], 'an own __proto__ key from a JSON line kept');
  t.equal(e.fields['log'], log, 'fields.log restored');
  t.equal(JSON.stringify(e.fields), before, 'fields unchanged');
  e.fields = { log };
  t.notOk('source' in (JSON.parse(enc.encode(e)) as object), 'only log: no other member');
});

void t.test('no flags, no fields, no identity: the minimal document', async (t) => {
  const enc = new DocumentEncoder('n');
  const plain: LogOrigin = { path: '/var/log/syslog', dataset: 'system.syslog', identity: { app: 'system', docFragment: '', labels: {} } };
  const doc = JSON.parse(enc.encode(makeLogEvent(plain, 'x', 0, 1, 0, 0)));
  t.same(doc, { '@timestamp': '1970-01-01T00:00:00.000Z', message: 'x', log: { file: { path: '/var/log/syslog' }, offset: 0 }, event: { dataset: 'system.syslog' }, host: { name: 'n' } });
});

void t.test('isoTimestamp matches Date#toISOString across second and day boundaries', async (t) => {
  for (const ms of [0, 999, 1000, 1_700_000_000_123, 1_700_000_000_999, 1_700_000_001_000, Date.UTC(2026, 11, 31, 23, 59, 59, 999), 1_700_000_000_000.7]) {
    t.equal(isoTimestamp(ms), new Date(Math.floor(ms)).toISOString(), String(ms));
  }
  t.equal(isoTimestamp(NaN), '1970-01-01T00:00:00.000Z', 'a non-finite time never throws');
  for (const ms of [1e16, 3e14, -1e15, Infinity]) t.equal(isoTimestamp(ms), '1970-01-01T00:00:00.000Z', `${ms}: outside years 0000-9999, never throws`);
  t.equal(new IndexNamer('x-%Y.%m.%d').index(1e16), 'x-1970.01.01', 'the index of an out-of-range time is a valid name');
});

void t.test('index names follow the event date (UTC) and the action line is cached per day', async (t) => {
  const namer = new IndexNamer('herald-logs-%Y.%m.%d');
  t.equal(namer.index(Date.UTC(2026, 0, 2, 23, 59)), 'herald-logs-2026.01.02');
  t.equal(namer.actionLine(Date.UTC(2026, 0, 3)), '{"create":{"_index":"herald-logs-2026.01.03"}}');
  t.equal(new IndexNamer('logs-mesos-default').actionLine(0), '{"create":{"_index":"logs-mesos-default"}}');
});

void t.test('an event whose dataset differs from its origin\'s keeps its own', async (t) => {
  const enc = new DocumentEncoder('n');
  const e = makeLogEvent(origin, 'x', 0, 1, 0, 0);
  enc.encode(e);
  e.dataset = 'mesos.executor';
  const doc = JSON.parse(enc.encode(e));
  t.same(doc.event, { dataset: 'mesos.executor' });
  t.same(doc.service, { name: '/shop/web' });
});

void t.test('write() puts the head, the same document as encode() and a newline into a body, for every shape', async (t) => {
  const enc = new DocumentEncoder('nödé');
  const namer = new IndexNamer('lögs-%Y');
  const events = [
    makeLogEvent(origin, 'plain', 1, 6, 0, 1),
    Object.assign(makeLogEvent(origin, 'with fields', 2, 12, 0, 2), { fields: { source: { ip: '10.0.0.1' }, log: { syslog: { appname: 'ä' } } } }),
    Object.assign(makeLogEvent(origin, 'error, no fields', 3, 17, 0, 3), { error: 'bad "x"' }),
    Object.assign(makeLogEvent(origin, 'error and fields', 4, 17, LogFlag.binary, 4), { error: 'bad', fields: { json: { k: '€' } } }),
    Object.assign(makeLogEvent(origin, 'only log fields', 5, 15, 0, 5), { fields: { log: { syslog: { priority: 1 } } } }),
    Object.assign(makeLogEvent(origin, 'owned key', 6, 9, 0, 6), { fields: { host: { name: 'spoof' }, url: { original: '/' } }, error: 'e' }),
    Object.assign(makeLogEvent(origin, 'other dataset', 7, 13, 0, 7), { dataset: 'herald.qos', level: 'info' }),
  ];
  const w = new NdjsonWriter(8);
  let expected = '';
  for (const e of events) {
    const head = namer.head(e.timestampMs);
    const headText = `${namer.actionLine(e.timestampMs)}\n`;
    t.same(head, Buffer.from(headText), 'the action line and newline as bytes (a non-ASCII index name)');
    enc.write(w, e, head);
    const doc = enc.encode(e);
    JSON.parse(doc);
    expected += `${headText}${doc}\n`;
  }
  t.equal(w.result().toString(), expected);
  t.same(JSON.parse(enc.encode(events[3] as LogEvent)), {
    '@timestamp': '1970-01-01T00:00:00.004Z', message: 'error and fields',
    log: { file: { path: origin.path }, offset: 4, flags: ['binary'] }, event: { dataset: 'mesos.sandbox' }, host: { name: 'nödé' },
    service: { name: '/shop/web' }, orchestrator: { type: 'mesos' }, json: { k: '€' }, error: { message: 'bad' },
  }, 'the error after the fields, inside the document');
  t.same(Object.keys(JSON.parse(enc.encode(events[5] as LogEvent)) as object).slice(-2), ['url', 'error'], 'owned keys left out, error last');
});

/** The document as a nested object, in the order the encoder promises; JSON.stringify of it is the reference. */
function referenceDocument(e: LogEvent, host: string): string {
  const owned = new Set(['@timestamp', 'message', 'event', 'host', 'service', 'log', 'error']);
  const log: Record<string, unknown> = { file: { path: e.origin.path }, offset: e.offset };
  if (e.level !== undefined) log['level'] = e.level;
  const flags = LOG_FLAG_NAMES.filter((n) => e.flags & LogFlag[n]);
  if (flags.length > 0) log['flags'] = flags;
  const logFields = e.fields?.['log'];
  if (logFields !== null && typeof logFields === 'object' && !Array.isArray(logFields)) {
    for (const [k, v] of Object.entries(logFields)) if (!['file', 'offset', 'level', 'flags'].includes(k)) log[k] = v;
  }
  const doc: Record<string, unknown> = { '@timestamp': isoTimestamp(e.timestampMs), message: e.message, log, event: { dataset: e.dataset }, host: { name: host } };
  const fragment = e.origin.identity.docFragment;
  if (fragment !== '') Object.assign(doc, JSON.parse(`{${fragment}}`));
  for (const [k, v] of Object.entries(e.fields ?? {})) if (!owned.has(k)) doc[k] = v;
  if (e.error !== undefined) doc['error'] = { message: e.error };
  return JSON.stringify(doc);
}

void t.test('documents of every parsed line of the benchmark corpus are byte for byte JSON.stringify of the nested object', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-encode-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const corpus = generateCorpus(dir, 2 * 1024 * 1024);
  const enc = new DocumentEncoder('nöde-1');
  const namer = new IndexNamer('herald-logs-%Y.%m.%d');
  let n = 0;
  let same = 0;
  let first: string | undefined;
  for (const f of corpus.files) {
    const parser = createParser(f.format);
    const o: LogOrigin = n % 2 === 0 ? origin : { path: f.path, dataset: `bench.${f.format}`, identity: { app: '', docFragment: '', labels: {} } };
    const w = new NdjsonWriter(1024);
    const expected: string[] = [];
    readFileSync(f.path, 'utf8').split('\n').filter(Boolean).forEach((line, i) => {
      const e = makeLogEvent(o, line, i * 100, Buffer.byteLength(line) + 1, i % 7 === 0 ? LogFlag.truncated : 0, Date.UTC(2026, 10, 21, 0, 0, 0, i));
      parser.parse(e, Date.UTC(2026, 10, 21));
      if (i % 11 === 0) e.error = `parse: "${i}"`;
      if (i % 13 === 0) e.dataset = 'herald.qos';
      const head = namer.head(e.timestampMs);
      enc.write(w, e, head);
      expected.push(`${namer.actionLine(e.timestampMs)}\n${referenceDocument(e, 'nöde-1')}`);
    });
    const got = w.result().toString('utf8').split('\n').slice(0, -1);
    const want = expected.join('\n').split('\n');
    for (let i = 0; i < want.length; i++) {
      n++;
      if (got[i] === want[i]) same++;
      else first ??= `${want[i]}\n${got[i]}`;
    }
  }
  t.equal(same, n, `${n} lines (action lines and documents)${first === undefined ? '' : `; first different:\n${first}`}`);
});
