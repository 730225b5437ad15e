/**
 * The throttle in the real pipeline (runner, ack tracker, summary source), with a fake clock advanced per
 * batch: a noisy app at ten times its rate beside a quiet one. Everything written is accounted for exactly.
 */
import t from 'tap';
import { Pipeline } from '../../src/pipeline/runner';
import type { Batch, Source } from '../../src/pipeline/contracts';
import type { HeraldRecord, LogEvent } from '../../src/pipeline/records';
import { Throttle } from '../../src/qos/throttle';
import { QosSummarySource } from '../../src/qos/summary-source';
import { FakeClock, capturingLogger, testContext } from '../helpers/context';
import { MemorySink, until } from '../helpers/fakes';
import { isSummary, lines, metricValue, origin, qos, qosFields } from './helpers';

/** Yields `steps` batches, advancing the fake clock by `stepMs` before each; then lets `tailMs` pass. */
class ClockedSource implements Source<HeraldRecord> {
  readonly name = 'clocked';
  readonly committed: unknown[] = [];
  done = false;
  constructor(private readonly clock: FakeClock, private readonly make: (step: number) => HeraldRecord[], private readonly steps: number, private readonly stepMs: number, private readonly tailMs: number) {}
  async *batches(signal: AbortSignal): AsyncIterable<Batch<HeraldRecord>> {
    for (let step = 0; step < this.steps && !signal.aborted; step++) {
      this.clock.advance(this.stepMs);
      yield { records: this.make(step), checkpoint: step };
    }
    this.clock.advance(this.tailMs);
    this.done = true;
    if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
  }
  async commit(cp: unknown): Promise<void> {
    this.committed.push(cp);
  }
}

void t.test('a noisy app at 10x its rate beside a quiet one: the quiet loses nothing, everything adds up exactly', async (t) => {
  const clock = new FakeClock();
  const { logger, lines: logLines } = capturingLogger('warn');
  const ctx = testContext(t.testdir(), { clock, logger });
  const RATE = 100; // lines/s
  const BURST = 200;
  const throttle = new Throttle(qos({ defaults: { lines_per_sec: RATE, burst_lines: BURST, bytes_per_sec: 50_000, burst_bytes: 100_000 }, summary_interval_ms: 10_000 }), ctx);
  const noisy = origin('/noisy/app');
  const quiet = origin('/quiet/app');
  const written = { noisy: 0, quiet: 0, noisyBytes: 0 };
  const STEPS = 600; // 60 s in steps of 100 ms
  const make = (step: number): HeraldRecord[] => {
    // 1000 lines/s of 40-120 bytes (ten times the rate), and 30 lines/s of the quiet app; batches are
    // sometimes one app, sometimes mixed, as the tail source's batches are.
    const size = 40 + (step % 9) * 10;
    const n = lines(noisy, 100, size, 'noisy', written.noisy);
    written.noisy += 100;
    written.noisyBytes += 100 * size;
    if (step % 10 < 3) {
      const q = lines(quiet, 10, 80, 'quiet', written.quiet);
      written.quiet += 10;
      return step % 2 === 0 ? [...n.slice(0, 50), ...q, ...n.slice(50)] : [...q, ...n];
    }
    return n;
  };
  const source = new ClockedSource(clock, make, STEPS, 100, 10_000);
  const summarySource = new QosSummarySource(throttle, logger, 10);
  const sink = new MemorySink();
  const p = new Pipeline({ sources: [source, summarySource], transforms: [throttle], sink, context: ctx, maxInFlightBatches: 4 });
  await p.start();
  const delivered = () => sink.records.filter((r): r is LogEvent => !isSummary(r));
  const summarised = (app: string) => sink.records.filter(isSummary).filter((e) => qosFields(e).app === app).reduce((sum, e) => sum + qosFields(e).dropped_lines, 0);
  await until(() => source.done && source.committed.length === STEPS, 20_000, 'all batches settled');
  await until(() => delivered().filter((r) => r.origin === noisy).length + summarised('/noisy/app') === written.noisy, 5_000, 'the last summary (from the summary source)');
  await p.stop(1000);

  const got = delivered();
  const noisyOut = got.filter((r) => r.origin === noisy);
  const quietOut = got.filter((r) => r.origin === quiet);
  t.equal(quietOut.length, written.quiet, 'the quiet app loses nothing');
  t.same(quietOut.map((r) => r.message), Array.from({ length: written.quiet }, (_, i) => `quiet ${i}`), 'in order, no duplicate');
  // Held to its limit: the burst, then RATE lines/s (or its byte rate, whichever binds) over 59.9 s.
  const allowed = BURST + RATE * 59.9;
  t.ok(Math.abs(noisyOut.length - allowed) / allowed < 0.03, `noisy held within 3% of ${allowed}: ${noisyOut.length}`);
  t.ok(noisyOut.length <= allowed, 'and never above it');
  const noisyBytes = noisyOut.reduce((s, r) => s + r.sizeBytes, 0);

  const summaries = sink.records.filter(isSummary);
  // Intervals end at 10, 20, ... 60 s (each summary rides on the next batch; the 60 s one on the last batch),
  // and the last batch's own drops are summarised by the summary source once no batch flows.
  t.equal(summaries.length, 7, 'one summary per 10 s interval of the noisy app, none for the quiet one');
  t.ok(summaries.every((e) => e.origin.identity === noisy.identity && e.level === 'warn'));
  const sum = (f: 'dropped_lines' | 'dropped_bytes') => summaries.reduce((s, e) => s + qosFields(e)[f], 0);
  t.equal(noisyOut.length + sum('dropped_lines'), written.noisy, 'delivered + dropped (summaries) = written, lines');
  t.equal(noisyBytes + sum('dropped_bytes'), written.noisyBytes, 'delivered + dropped (summaries) = written, bytes');

  const text = await ctx.metrics.metrics();
  t.equal(metricValue(text, 'herald_qos_dropped_lines_total{app="/noisy/app"}'), written.noisy - noisyOut.length, 'counter = written - delivered');
  t.equal(metricValue(text, 'herald_qos_dropped_bytes_total{app="/noisy/app"}'), written.noisyBytes - noisyBytes);
  t.equal(metricValue(text, 'herald_qos_dropped_lines_total{app="/quiet/app"}'), 0);
  t.equal(metricValue(text, 'herald_qos_records_total{kind="log",outcome="passed"}'), got.length);
  t.equal(metricValue(text, 'herald_qos_records_total{kind="log",outcome="dropped"}'), written.noisy + written.quiet - got.length);
  t.equal(metricValue(text, 'herald_qos_summaries_total'), 7);
  t.equal(metricValue(text, 'herald_pipeline_records_total{source="qos_summaries",outcome="delivered"}'), 1, 'the last one came from the summary source');
  t.same(source.committed, Array.from({ length: STEPS }, (_, i) => i), 'every checkpoint committed: dropping settles the batch');
  t.equal(metricValue(text, 'herald_pipeline_records_total{source="clocked",outcome="delivered"}') + metricValue(text, 'herald_pipeline_records_total{source="qos_summaries",outcome="delivered"}'), sink.records.length);
  t.same(logLines.filter((l) => l.includes('not shipped')), [], 'nothing pending at shutdown');
});

void t.test('summaries still pending at shutdown go to Herald\'s own log', async (t) => {
  const clock = new FakeClock();
  const { logger, lines: logLines } = capturingLogger('warn');
  const ctx = testContext(t.testdir(), { clock, logger });
  const throttle = new Throttle(qos({ defaults: { lines_per_sec: 1, burst_lines: 1, bytes_per_sec: 0 } }), ctx);
  const o = origin('/secretive');
  throttle.apply({ records: lines(o, 5, 100, 'customer-data') });
  const source = new QosSummarySource(throttle, logger, 5);
  const ac = new AbortController();
  const it = source.batches(ac.signal)[Symbol.asyncIterator]();
  const next = it.next();
  await new Promise((r) => setTimeout(r, 30));
  ac.abort();
  t.equal((await next).done, true, 'nothing due within the interval: the source yields nothing and ends on abort');
  await source.close();
  await source.close();
  const shut = logLines.filter((l) => l.includes('not shipped'));
  t.equal(shut.length, 1, 'logged once, close is idempotent');
  t.match(JSON.parse(shut[0] as string), { level: 40, component: 'qos_summaries', qos: { app: '/secretive', dropped_lines: 4, dropped_bytes: 400 } });
  t.notMatch(logLines.join('\n'), /customer-data/, 'never record contents');
});

void t.test('the summary source yields a due summary when no batch flows', async (t) => {
  const clock = new FakeClock();
  const ctx = testContext(t.testdir(), { clock });
  const throttle = new Throttle(qos({ defaults: { lines_per_sec: 1, burst_lines: 1, bytes_per_sec: 0 }, summary_interval_ms: 1000 }), ctx);
  throttle.apply({ records: lines(origin('/gone-quiet'), 3) });
  const source = new QosSummarySource(throttle, ctx.logger, 5);
  const ac = new AbortController();
  const it = source.batches(ac.signal)[Symbol.asyncIterator]();
  clock.advance(1000);
  const first = await it.next();
  ac.abort();
  const records = first.value?.records ?? [];
  t.equal(records.length, 1);
  t.equal(qosFields(records[0] as LogEvent).dropped_lines, 2);
  t.same(throttle.drainSummaries(), [], 'emitted once');
  t.same(throttle.apply({ records: [] }).records, []);
});
