/**
 * An outage between the sink and the real Elasticsearch: a loopback TCP proxy in between is cut for a few
 * seconds mid-stream (open connections destroyed, new ones refused), then restored. Nothing may be lost,
 * writes wait during the outage, and duplicates are bounded by what was in flight when it was cut.
 */
import t from 'tap';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ElasticsearchSink } from '../../../src/sinks/elasticsearch/elasticsearch-sink';
import type { Outcome } from '../../../src/pipeline/contracts';
import { testContext } from '../../helpers/context';
import { PORTS, requireService } from '../../helpers/services';
import { cleanup, es } from './es-api';
import { esConfig, events, stateAfter } from './helpers';

class TcpProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(PORTS.elasticsearch, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Refuse new connections and break the open ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const P = `herald-es-test-${process.pid}-outage`;

void t.test('outage mid-stream: nothing lost, writes pending meanwhile, bounded duplicates; close gives up on a dead cluster', async (t) => {
  await requireService(t, 'elasticsearch');
  t.teardown(() => cleanup(P));
  const proxy = new TcpProxy();
  await proxy.open();
  t.teardown(() => proxy.cut());
  const cfg = esConfig({ url: `http://127.0.0.1:${proxy.port}`, index: `${P}-%Y.%m.%d`, dead_letter_index: `${P}-dl-%Y.%m.%d`, template: { name: P }, max_concurrent_requests: 2, request_timeout_ms: 2000, retry: { initial_backoff_ms: 50, max_backoff_ms: 500 } });
  const sink = new ElasticsearchSink({ config: cfg, context: testContext(t.testdir()) });
  await sink.start();

  // A runner-like writer: at most 4 batches of 100 in flight, 40 batches in all.
  const BATCHES = 40;
  const SIZE = 100;
  const inFlight = new Set<Promise<Outcome>>();
  const outcomes: Outcome[] = [];
  let written = 0;
  let cutAt = -1;
  let pendingDuringOutage: string | undefined;
  const writer = (async () => {
    for (let b = 0; b < BATCHES; b++) {
      while (inFlight.size >= 4) await Promise.race(inFlight);
      const p: Promise<Outcome> = sink.write({ records: events(`${P} b${b}`, SIZE) }).then((o) => {
        inFlight.delete(p);
        outcomes.push(o);
        return o;
      });
      inFlight.add(p);
      written++;
      if (b === 15) {
        cutAt = written;
        await proxy.cut();
        pendingDuringOutage = await stateAfter(p, 2500);
        await proxy.open();
      }
    }
    await Promise.all(inFlight);
  })();
  await writer;
  t.equal(pendingDuringOutage, 'pending', 'a write made during the outage waited');
  t.equal(cutAt, 16);
  t.equal(outcomes.length, BATCHES);
  t.same(outcomes.reduce((a, o) => ({ delivered: a.delivered + o.delivered, dropped: a.dropped + o.dropped }), { delivered: 0, dropped: 0 }), { delivered: BATCHES * SIZE, dropped: 0 });
  await es('POST', `/${P}-*/_refresh`);
  const agg = (await es('POST', `/${P}-*/_search`, { size: 0, track_total_hits: true, query: { match_all: {} } })).json as { hits: { total: { value: number } } };
  const docs = agg.hits.total.value;
  // Every (batch, offset) at least once: the distinct offsets (0..SIZE-1) of each batch's documents.
  let missing = 0;
  for (let b = 0; b < BATCHES; b++) {
    const r = (await es('POST', `/${P}-*/_search`, { size: 0, query: { match_phrase: { message: `${P} b${b}` } }, aggs: { offsets: { cardinality: { field: 'log.offset' } } } })).json as { aggregations: { offsets: { value: number } } };
    missing += SIZE - r.aggregations.offsets.value;
  }
  t.equal(missing, 0, 'no document lost');
  t.ok(docs >= BATCHES * SIZE && docs - BATCHES * SIZE <= 4 * SIZE, `${docs - BATCHES * SIZE} duplicates (at most the 4 batches in flight when cut)`);

  // Now a cluster that stays away: close() with a deadline rejects what is pending.
  await proxy.cut();
  const w = sink.write({ records: events(`${P} late`, 10) });
  t.equal(await stateAfter(w, 300), 'pending');
  await sink.close(300);
  await t.rejects(w, { code: 'HERALD_E_SINK_CLOSED' }, 'not settled: the source will read it again');
});
