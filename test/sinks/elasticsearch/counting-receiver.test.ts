/**
 * The benchmarks' counting receiver (test/helpers/counting-receiver.ts) speaks enough HTTP/1.1 for the sink:
 * the sink delivers through it and both count the same documents; requests split at every byte, several in
 * one write, and the requests it refuses, over a raw socket.
 */
import t from 'tap';
import { connect } from 'node:net';
import { ElasticsearchSink } from '../../../src/sinks/elasticsearch/elasticsearch-sink';
import { CountingReceiver } from '../../helpers/counting-receiver';
import { testContext } from '../../helpers/context';
import { esConfig, events } from './helpers';

/** Writes `parts` one after the other on one connection, then reads until the server closes or `until` holds. */
async function exchange(url: string, parts: string[], until: (text: string) => boolean): Promise<string> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  const chunks: Buffer[] = [];
  let text = '';
  const done = new Promise<string>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      text = Buffer.concat(chunks).toString('utf8');
      if (until(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  for (const p of parts) {
    socket.write(p);
    await new Promise((r) => setImmediate(r));
  }
  return done;
}

const answers = (text: string) => text.split('HTTP/1.1 ').slice(1).map((a) => a.slice(0, 3));

void t.test('the sink delivers through it: documents, bytes and requests counted on both sides', async (t) => {
  const r = await CountingReceiver.start();
  t.teardown(() => r.close());
  const ctx = testContext(t.testdir());
  const sink = new ElasticsearchSink({ config: esConfig({ url: r.url, flush_bytes: '64KiB' }), context: ctx });
  await sink.start();
  const outcomes = await Promise.all([0, 1, 2].map((b) => sink.write({ records: events(`b${b}`, 3000) })));
  t.same(outcomes.map((o) => o.delivered), [3000, 3000, 3000]);
  t.equal(r.documentCount, 9000, 'every document counted once');
  t.ok(r.bulkRequests > 3, `${r.bulkRequests} bulk requests (flush_bytes cuts them)`);
  t.ok(r.templates.has('herald-logs'), 'the template PUT was kept');
  t.match(await ctx.metrics.metrics(), new RegExp(`herald_elasticsearch_bulk_bytes_total ${r.bytes}\\b`), 'the bytes the sink sent');
  await sink.close(1000);
});

void t.test('a request split at every byte, and requests pipelined in one write, are each answered', async (t) => {
  const r = await CountingReceiver.start();
  t.teardown(() => r.close());
  const body = '{"create":{}}\n{"a":1}\n{"create":{}}\n{"b":2}\n';
  const bulk = `POST /_bulk?filter_path=x HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const split = await exchange(r.url, [...bulk], (x) => x.includes(']}'));
  t.match(split, /^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: \d+\r\n\r\n\{"errors":false,"items":\[\{"create":\{"status":201\}\},\{"create":\{"status":201\}\}\]\}$/);
  t.equal(r.documentCount, 2);
  const get = 'GET /_index_template/t HTTP/1.1\r\nHost: x\r\n\r\n';
  const template = '{"a":"é"}';
  const put = `PUT /_index_template/t HTTP/1.1\r\nContent-Length: ${Buffer.byteLength(template)}\r\n\r\n${template}`;
  const all = await exchange(r.url, [get + put + get + 'HEAD / HTTP/1.1\r\n\r\n' + bulk + bulk], (x) => answers(x).length === 6 && x.endsWith(']}'));
  t.same(answers(all), ['404', '200', '200', '200', '200', '200']);
  t.match(all, /"index_template":\{"a":"é"\}/, 'the template as it was PUT');
  t.equal(r.documentCount, 6);
});

void t.test('refused: a chunked body (411), an over-long head (431), a bad length (400); the connection is closed', async (t) => {
  const r = await CountingReceiver.start();
  t.teardown(() => r.close());
  const chunked = await exchange(r.url, ['POST /_bulk HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'], () => false);
  t.match(chunked, /^HTTP\/1\.1 411 /);
  const long = await exchange(r.url, [`GET / HTTP/1.1\r\nX-Long: ${'a'.repeat(70_000)}`], () => false);
  t.match(long, /^HTTP\/1\.1 431 /);
  const bad = await exchange(r.url, ['POST /_bulk HTTP/1.1\r\nContent-Length: -3\r\n\r\n'], () => false);
  t.match(bad, /^HTTP\/1\.1 400 /);
  t.equal(r.documentCount, 0);
});
