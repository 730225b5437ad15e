import t from 'tap';
import { Pipeline } from '../../src/pipeline/runner';
import type { Batch } from '../../src/pipeline/contracts';
import type { HeraldRecord } from '../../src/pipeline/records';
import { ListSource, ManualSink, MemorySink, logRecords, until } from '../helpers/fakes';
import { testContext } from '../helpers/context';

const batches = (n: number): Batch<HeraldRecord>[] =>
  Array.from({ length: n }, (_, i) => ({ records: logRecords(2, i * 2), checkpoint: i }));

void t.test('backpressure: at most max_in_flight_batches unacknowledged, commits follow acks in order', async (t) => {
  const source = new ListSource(batches(6));
  const sink = new ManualSink();
  const p = new Pipeline({ sources: [source], transforms: [], sink, context: testContext(t.testdir()), maxInFlightBatches: 2 });
  await p.start();
  await until(() => sink.pending.length === 2);
  await new Promise((r) => setTimeout(r, 50));
  t.equal(sink.pending.length, 2, 'the source is not read beyond two pending batches');
  t.equal(source.yielded, 2, 'the third batch is not even pulled');
  sink.ack(1);
  await new Promise((r) => setTimeout(r, 20));
  t.same(source.committed, [], 'batch 1 acknowledged before batch 0: nothing committed');
  sink.ack(0);
  await until(() => source.committed.length === 2);
  t.same(source.committed, [0, 1]);
  await until(() => sink.pending.length === 4);
  sink.ack(2);
  sink.ack(3);
  await until(() => sink.pending.length === 6);
  sink.ack(4);
  await until(() => source.committed.length === 5);
  await p.stop(200);
  t.same(source.committed, [0, 1, 2, 3, 4], 'the unacknowledged last batch is never committed');
  t.equal(source.closed, 1);
  t.equal(sink.closed, 1);
  await p.stop(200);
  t.equal(source.closed, 1, 'stop twice is a no-op');
});

void t.test('a transform that throws drops the batch loudly but keeps the pipeline going', async (t) => {
  const source = new ListSource(batches(3));
  const sink = new MemorySink();
  let calls = 0;
  const transform = {
    name: 'flaky',
    apply(b: Batch<HeraldRecord>) {
      if (calls++ === 1) throw new Error('boom');
      return b;
    },
  };
  const ctx = testContext(t.testdir());
  const p = new Pipeline({ sources: [source], transforms: [transform], sink, context: ctx, maxInFlightBatches: 4 });
  await p.start();
  await until(() => source.committed.length === 3);
  await p.stop(100);
  t.equal(sink.records.length, 4, 'two of three batches delivered');
  const text = await ctx.metrics.metrics();
  t.match(text, /herald_pipeline_errors_total\{source="list",stage="transform"\} 1/);
  t.match(text, /herald_pipeline_records_total\{source="list",outcome="dropped"\} 2/);
});

void t.test('a source that throws is restarted with backoff, not fatal', async (t) => {
  let attempts = 0;
  const sink = new MemorySink();
  const source = {
    name: 'crashy',
    async *batches(signal: AbortSignal): AsyncIterable<Batch<HeraldRecord>> {
      attempts++;
      if (attempts === 1) throw new Error('EMFILE');
      yield { records: logRecords(1) };
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    },
  };
  const p = new Pipeline({ sources: [source], transforms: [], sink, context: testContext(t.testdir()), maxInFlightBatches: 1 });
  await p.start();
  await until(() => sink.records.length === 1, 3000);
  await p.stop(100);
  t.equal(attempts, 2);
});

void t.test('stop with a sink that never answers gives up at the deadline and commits nothing unacknowledged', async (t) => {
  const source = new ListSource(batches(2));
  const sink = new ManualSink();
  const p = new Pipeline({ sources: [source], transforms: [], sink, context: testContext(t.testdir()), maxInFlightBatches: 4 });
  await p.start();
  await until(() => sink.pending.length === 2);
  sink.ack(0);
  const started = Date.now();
  await p.stop(300);
  t.ok(Date.now() - started < 3000, 'stop returns');
  t.same(source.committed, [0]);
  t.notOk(p.ready);
});
