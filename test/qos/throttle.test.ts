import t from 'tap';
import { Throttle } from '../../src/qos/throttle';
import { FakeClock, capturingLogger, testContext } from '../helpers/context';
import { LogFlag, type HeraldRecord, type LogEvent, type LogRecord } from '../../src/pipeline/records';
import { asEvents, makeBlock } from '../helpers/blocks';
import { isSummary, lines, metricValue, origin, point, qos, qosFields } from './helpers';

const setup = (over: Record<string, unknown>, dir: string) => {
  const clock = new FakeClock();
  const ctx = testContext(dir, { clock });
  return { clock, ctx, throttle: new Throttle(qos(over), ctx) };
};
const kept = (rs: HeraldRecord[]) => rs.filter((r): r is LogEvent => r.kind === 'log' && !isSummary(r));
const summaries = (rs: HeraldRecord[]) => rs.filter(isSummary);

void t.test('holds an app to its rate, counts every drop, and reports a summary next to the app\'s logs', async (t) => {
  const { clock, ctx, throttle } = setup({ defaults: { lines_per_sec: 10, burst_lines: 10, bytes_per_sec: 0 } }, t.testdir());
  const web = origin('/shop/web');
  const first = throttle.apply({ records: lines(web, 100), checkpoint: 'cp-1' });
  t.equal(first.records.length, 10, 'the burst passes');
  t.equal(first.checkpoint, 'cp-1', 'the checkpoint is kept: the dropped records are settled');
  t.same((first.records as LogEvent[]).map((r) => r.message), lines(web, 10).map((r) => r.message), 'the first lines, in order');
  let text = await ctx.metrics.metrics();
  t.equal(metricValue(text, 'herald_qos_dropped_lines_total{app="/shop/web"}'), 90);
  t.equal(metricValue(text, 'herald_qos_dropped_bytes_total{app="/shop/web"}'), 9000);
  t.equal(metricValue(text, 'herald_qos_records_total{kind="log",outcome="passed"}'), 10);
  t.equal(metricValue(text, 'herald_qos_dropped_total{kind="log",reason="app_limit"}'), 90);

  clock.advance(500);
  t.equal(throttle.apply({ records: lines(web, 100) }).records.length, 5, '0.5 s at 10 lines/s');
  clock.advance(9500);
  const third = throttle.apply({ records: lines(web, 100, 100, 'late') });
  t.equal(kept(third.records).length, 10, 'refilled up to the burst, not beyond');
  const [summary, ...more] = summaries(third.records);
  t.equal(more.length, 0, 'one summary per app and interval');
  if (!summary) return t.fail('no summary');
  t.equal(third.records.at(-1), summary, 'appended after the batch\'s records');
  t.equal(summary.message, 'app /shop/web: 185 lines, 18500 bytes dropped by the throttle in the last 10 s');
  t.equal(summary.level, 'warn');
  t.equal(summary.dataset, 'herald.qos');
  t.equal(summary.origin.path, '');
  t.equal(summary.origin.identity, web.identity, 'the app\'s own identity: it lands next to its logs');
  t.equal(summary.timestampMs, clock.now());
  t.match(qosFields(summary), { app: '/shop/web', dropped_lines: 185, dropped_bytes: 18500, sampled_lines: 0, dropped_points: 0, interval_ms: 10000 });
  // The drops of the third batch belong to the next interval.
  clock.advance(10_000);
  const fourth = throttle.apply({ records: [] });
  t.same(summaries(fourth.records).map((e) => qosFields(e).dropped_lines), [90]);
  // A summary coming back through the throttle (from the summary source) passes unchecked and uncounted.
  const before = await ctx.metrics.metrics();
  const again = throttle.apply({ records: [summary, summary, summary] });
  t.equal(again.records.length, 3);
  text = await ctx.metrics.metrics();
  t.equal(metricValue(text, 'herald_qos_records_total{kind="log",outcome="passed"}'), metricValue(before, 'herald_qos_records_total{kind="log",outcome="passed"}'));
  t.equal(metricValue(text, 'herald_qos_summaries_total'), 2);
});

void t.test('fast path: a batch with nothing to drop is returned as is; disabled passes everything', async (t) => {
  const { throttle } = setup({}, t.testdir());
  const batch = { records: lines(origin('/a'), 1000), checkpoint: 7 };
  t.equal(throttle.apply(batch), batch, 'same object, no copy');
  const off = setup({ enabled: false, defaults: { lines_per_sec: 1, burst_lines: 1 } }, t.testdir());
  const big = { records: lines(origin('/a'), 1000) };
  t.equal(off.throttle.apply(big), big);
  t.equal(big.records.length, 1000);
});

void t.test('bytes limit: a line passes only with both lines and bytes; an oversized line passes on a full bucket', async (t) => {
  const { clock, throttle } = setup({ defaults: { lines_per_sec: 1000, burst_lines: 1000, bytes_per_sec: 1000, burst_bytes: 1000 } }, t.testdir());
  const o = origin('/bytes');
  t.equal(throttle.apply({ records: lines(o, 20, 100) }).records.length, 10, '1000 bytes of burst = 10 lines of 100 B');
  clock.advance(10_000);
  const big = throttle.apply({ records: [...lines(o, 1, 5000, 'big'), ...lines(o, 1, 10, 'small')] });
  t.same(kept(big.records).map((r) => r.message), ['big 0'], 'the 5000 B line passes the full bucket, the debt holds the next one');
  clock.advance(4000);
  t.equal(kept(throttle.apply({ records: lines(o, 1, 10) }).records).length, 0, 'debt of 4000 B not repaid after 4 s');
  clock.advance(1010);
  t.equal(kept(throttle.apply({ records: lines(o, 1, 10) }).records).length, 1, 'repaid after 5.01 s');
});

void t.test('sampling keeps exactly 1 in N of the excess, deterministically, across batches', async (t) => {
  const { clock, ctx, throttle } = setup({ defaults: { lines_per_sec: 1, burst_lines: 1, bytes_per_sec: 0 }, on_excess: 'sample', sample_rate: 10 }, t.testdir());
  const o = origin('/chatty');
  const out = kept(throttle.apply({ records: lines(o, 1001) }).records);
  const expected = ['line 0', ...Array.from({ length: 100 }, (_, k) => `line ${1 + 10 * k}`)];
  t.same(out.map((r) => r.message), expected, 'the token line, then excess lines 0, 10, 20, ... (the 1st of every 10)');
  const next = kept(throttle.apply({ records: lines(o, 15, 100, 'next') }).records);
  t.same(next.map((r) => r.message), ['next 0', 'next 10'], 'the count goes on: excess 1000 and 1010');
  const text = await ctx.metrics.metrics();
  t.equal(metricValue(text, 'herald_qos_sampled_lines_total{app="/chatty"}'), 102);
  t.equal(metricValue(text, 'herald_qos_dropped_lines_total{app="/chatty"}'), 1015 - 102);
  clock.advance(10_000);
  const [s] = summaries(throttle.apply({ records: [] }).records);
  t.match(s && qosFields(s), { sampled_lines: 102, sampled_bytes: 10200, dropped_lines: 913, dropped_bytes: 91300 });
  t.match(s?.message, /913 lines, 91300 bytes dropped by the throttle; 102 excess lines kept by sampling \(1 in 10\)/);
});

void t.test('overrides by exact id and glob; exact wins, then the first glob', async (t) => {
  const { throttle } = setup({
    defaults: { lines_per_sec: 5, burst_lines: 5, bytes_per_sec: 0 },
    overrides: [
      { app: '/shop/*', burst_lines: 20 },
      { app: '/shop/web', burst_lines: 30 },
      { app: '/shop/**', burst_lines: 40 },
      { app: '/batch/**', burst_lines: 50 },
      { app: 'spark/executor-?', burst_lines: 60 },
    ],
  }, t.testdir());
  const passed = (app: string) => throttle.apply({ records: lines(origin(app), 100) }).records.length;
  t.equal(passed('/shop/web'), 30, 'exact id');
  t.equal(passed('/shop/cart'), 20, 'first glob; * within a segment');
  t.equal(passed('/shop/eu/cart'), 40, '** across segments');
  t.equal(passed('/batch/a/b/c'), 50);
  t.equal(passed('spark/executor-7'), 60, 'framework/executor keys');
  t.equal(passed('spark/executor-17'), 5, '? is one character');
  t.equal(passed('/other'), 5, 'defaults');
});

void t.test('label overrides: rates and priority from task labels, invalid values ignored and counted', async (t) => {
  const { logger, lines: logLines } = capturingLogger('warn');
  const clock = new FakeClock();
  const ctx = testContext(t.testdir(), { clock, logger });
  const throttle = new Throttle(qos({
    defaults: { lines_per_sec: 5, burst_lines: 5, bytes_per_sec: 0 },
    label_overrides: { enabled: true, max_lines_per_sec: 1000 },
    overrides: [{ app: '/pinned', burst_lines: 7 }],
  }), ctx);
  const passed = (o: ReturnType<typeof origin>, n = 100) => throttle.apply({ records: lines(o, n) }).records.length;
  t.equal(passed(origin('/labelled', { HERALD_QOS_BURST_LINES: '12', HERALD_QOS_LINES_PER_SEC: '50' })), 12);
  clock.advance(100);
  t.equal(passed(origin('/labelled', { HERALD_QOS_BURST_LINES: '12', HERALD_QOS_LINES_PER_SEC: '50' })), 5, '0.1 s at 50/s (new identity, same limits)');
  clock.advance(1000);
  t.equal(passed(origin('/labelled', { HERALD_QOS_BURST_LINES: '3', HERALD_QOS_LINES_PER_SEC: '50' })), 3, 'a redeploy with other labels: the bucket takes the new burst');
  t.equal(passed(origin('/bad', { HERALD_QOS_BURST_LINES: 'lots', HERALD_QOS_LINES_PER_SEC: '-3', HERALD_QOS_PRIORITY: 'critical' })), 5, 'invalid: defaults');
  t.equal(passed(origin('/pinned', { HERALD_QOS_BURST_LINES: '12' })), 7, 'the operator\'s override wins over the label');
  t.equal(passed(origin('/greedy', { HERALD_QOS_LINES_PER_SEC: '0', HERALD_QOS_BURST_LINES: '5000' }), 6000), 5000, 'unlimited asked, clamped to 1000/s');
  clock.advance(1000);
  t.equal(passed(origin('/greedy', { HERALD_QOS_LINES_PER_SEC: '0', HERALD_QOS_BURST_LINES: '5000' }), 6000), 1000, '1 s at the clamp');
  const text = await ctx.metrics.metrics();
  t.equal(metricValue(text, 'herald_qos_label_errors_total{setting="burst_lines"}'), 1);
  t.equal(metricValue(text, 'herald_qos_label_errors_total{setting="lines_per_sec"}'), 1);
  t.equal(metricValue(text, 'herald_qos_label_errors_total{setting="priority"}'), 1, 'critical is not allowed from labels');
  t.equal(logLines.length, 3, 'one warning per app and setting');
  t.notMatch(logLines.join('\n'), /lots/, 'label values are not logged');
  t.match(logLines[0], /"app":"\/bad"/);
  // With labels off, they are ignored entirely.
  const plain = setup({ defaults: { lines_per_sec: 5, burst_lines: 5, bytes_per_sec: 0 } }, t.testdir()).throttle;
  t.equal(plain.apply({ records: lines(origin('/x', { HERALD_QOS_BURST_LINES: '50' }), 100) }).records.length, 5);
});

void t.test('idle buckets are evicted only once full and reported; eviction changes nothing', async (t) => {
  const { clock, ctx, throttle } = setup({ defaults: { lines_per_sec: 10, burst_lines: 100, bytes_per_sec: 0 }, idle_evict_ms: 1000, summary_interval_ms: 1000 }, t.testdir());
  throttle.apply({ records: lines(origin('/quiet'), 1) });
  throttle.apply({ records: lines(origin('/drained'), 150) }); // 50 dropped, bucket empty
  t.equal(throttle.trackedApps, 2);
  clock.advance(2000);
  const r = throttle.apply({ records: lines(origin('/other'), 1) });
  t.equal(summaries(r.records).length, 1, 'the summary of /drained is emitted');
  t.equal(throttle.trackedApps, 2, '/quiet evicted (full again); /drained not: its bucket holds 20 of 100');
  clock.advance(8000);
  throttle.apply({ records: [] });
  t.equal(throttle.trackedApps, 0, '/drained full again after 10 s and /other idle 8 s: both evicted');
  const text = await ctx.metrics.metrics();
  t.equal(metricValue(text, 'herald_qos_evictions_total'), 3);
  t.equal(metricValue(text, 'herald_qos_apps'), 0);
  t.equal(throttle.apply({ records: lines(origin('/drained'), 150) }).records.length, 100, 'a returning app gets the full bucket it had');
});

void t.test('max_apps: further apps share the "__other__" bucket (counted); max_app_labels bounds the metric labels', async (t) => {
  const { clock, ctx, throttle } = setup({ defaults: { lines_per_sec: 1, burst_lines: 10, bytes_per_sec: 0 }, max_apps: 2, max_app_labels: 1 }, t.testdir());
  t.equal(throttle.apply({ records: lines(origin('/a'), 20) }).records.length, 10);
  t.equal(throttle.apply({ records: lines(origin('/b'), 20) }).records.length, 10);
  t.equal(throttle.apply({ records: lines(origin('/c'), 6) }).records.length, 6, '/c opens __other__');
  t.equal(throttle.apply({ records: lines(origin('/d'), 6) }).records.length, 4, '/d shares it: 10 lines in all');
  t.equal(throttle.trackedApps, 2);
  let text = await ctx.metrics.metrics();
  t.equal(metricValue(text, 'herald_qos_folded_records_total'), 12);
  t.equal(metricValue(text, 'herald_qos_dropped_lines_total{app="/a"}'), 10, 'the first app has its own label');
  t.equal(metricValue(text, 'herald_qos_dropped_lines_total{app="__other__"}'), 12, '/b (beyond the label budget) and __other__ fold into one label');
  t.notMatch(text, /app="\/b"/);
  clock.advance(10_000);
  const s = summaries(throttle.apply({ records: [] }).records);
  t.same(s.map((e) => qosFields(e).app).sort(), ['/a', '/b', '__other__']);
  const other = s.find((e) => qosFields(e).app === '__other__');
  t.equal(other && qosFields(other).dropped_lines, 2);
  t.equal(other?.origin.identity.app, '__other__');
  text = await ctx.metrics.metrics();
  t.equal(metricValue(text, 'herald_qos_apps'), 2);
});

void t.test('metric points: a series budget per app and window', async (t) => {
  const { clock, ctx, throttle } = setup({ metrics: { series_per_app: 3, window_ms: 60_000 }, overrides: [{ app: '/big', series_per_app: 5 }] }, t.testdir());
  const pts = (app: string, n: number, m = 'cpu') => Array.from({ length: n }, (_, i) => point(app, m, { host: 'n1', core: String(i) }));
  const first = throttle.apply({ records: [...pts('/svc', 5), ...pts('/big', 6)] });
  t.same(first.records.map((r) => (r.kind === 'metric' ? `${r.app}:${r.tags['core']}` : '')), ['/svc:0', '/svc:1', '/svc:2', '/big:0', '/big:1', '/big:2', '/big:3', '/big:4']);
  clock.advance(30_000);
  const same = throttle.apply({ records: [point('/svc', 'cpu', { core: '1', host: 'n1' }), ...pts('/svc', 5)] });
  t.equal(same.records.filter((r) => r.kind === 'metric').length, 4, 'admitted series keep passing (tag order does not matter); new ones do not');
  const firstSummaries = summaries(same.records).map((e) => `${qosFields(e).app}:${qosFields(e).dropped_points}`).sort();
  t.same(firstSummaries, ['/big:1', '/svc:2'], 'the first interval\'s summaries ride on this batch');
  t.equal(throttle.apply({ records: [point('', 'load', { host: 'n1' })] }).records.length, 1, 'node-level points have their own budget');
  clock.advance(30_000);
  const next = throttle.apply({ records: pts('/svc', 5, 'mem') });
  t.equal(next.records.filter((r) => r.kind === 'metric').length, 3, 'a new window: the budget is renewed');
  const text = await ctx.metrics.metrics();
  t.equal(metricValue(text, 'herald_qos_dropped_points_total{app="/svc"}'), 2 + 2 + 2);
  t.equal(metricValue(text, 'herald_qos_dropped_points_total{app="/big"}'), 1);
  t.equal(metricValue(text, 'herald_qos_dropped_total{kind="metric",reason="series_budget"}'), 7);
  const [svc, ...rest] = summaries(next.records);
  t.equal(rest.length, 0);
  t.equal(svc?.message, 'app /svc: 2 metric points dropped over the series budget in the last 30 s');
  t.match(svc?.origin.identity.docFragment, /"service":\{"name":"\/svc"\}/, 'a metrics-only app gets service.name');
  t.equal(svc?.origin.identity.app, '/svc');
});

void t.test('priorities: under the node ceiling a critical app keeps its share', async (t) => {
  const { clock, ctx, throttle } = setup({
    defaults: { lines_per_sec: 100_000, burst_lines: 100_000, bytes_per_sec: 0 },
    overrides: [{ app: '/payments', priority: 'critical' }, { app: '/batch/**', priority: 'low' }],
    node: { lines_per_sec: 1000 },
  }, t.testdir());
  const pay = origin('/payments');
  const batchJob = origin('/batch/etl');
  const web = origin('/web');
  const totals = { pay: 0, batch: 0, web: 0 };
  for (let step = 0; step < 40; step++) {
    clock.advance(100);
    // The floods come first in each batch: the worst case for /payments.
    const out = throttle.apply({ records: [...lines(batchJob, 1000), ...lines(web, 1000), ...lines(pay, 1000)] }).records;
    if (step < 20) continue; // the first 2 s spend the initial bursts
    for (const r of kept(out)) {
      if (r.origin === pay) totals.pay++;
      else if (r.origin === batchJob) totals.batch++;
      else totals.web++;
    }
  }
  t.same(totals, { pay: 1200, web: 600, batch: 200 }, '60/30/10 of 1000 lines/s over 2 s');
  const text = await ctx.metrics.metrics();
  t.ok(metricValue(text, 'herald_qos_dropped_total{kind="log",reason="node_limit"}') > 0);
  t.equal(metricValue(text, 'herald_qos_dropped_total{kind="log",reason="app_limit"}'), 0);
  const s = summaries(throttle.apply({ records: [] }).records);
  t.ok(s.every((e) => qosFields(e).node_dropped_lines === qosFields(e).dropped_lines), 'the summaries tell the node ceiling dropped them');
});

void t.test('records without an app key pass by default; with throttle_node they are throttled as "__node__"', async (t) => {
  const open = setup({ defaults: { lines_per_sec: 1, burst_lines: 2, bytes_per_sec: 0 } }, t.testdir());
  t.equal(open.throttle.apply({ records: lines(origin('', {}, '/var/log/syslog'), 5) }).records.length, 5, 'node logs are not an app');
  const { clock, ctx, throttle } = setup({ throttle_node: true, defaults: { lines_per_sec: 1, burst_lines: 2, bytes_per_sec: 0 } }, t.testdir());
  const syslog = origin('', {}, '/var/log/syslog');
  t.equal(throttle.apply({ records: lines(syslog, 5) }).records.length, 2);
  t.equal(metricValue(await ctx.metrics.metrics(), 'herald_qos_dropped_lines_total{app="__node__"}'), 3);
  clock.advance(10_000);
  const [s] = summaries(throttle.apply({ records: [] }).records);
  t.equal(s?.message, 'app __node__: 3 lines, 300 bytes dropped by the throttle in the last 10 s');
  t.equal(s?.origin.identity, syslog.identity);
});

void t.test('sampled excess still needs room under the node ceiling', async (t) => {
  const { clock, throttle } = setup({
    defaults: { lines_per_sec: 1, burst_lines: 1, bytes_per_sec: 0 },
    on_excess: 'sample',
    sample_rate: 2,
    priorities: { normal: 1 },
    node: { lines_per_sec: 1 }, // the class share (1) + the pool (1): 2 lines at once
  }, t.testdir());
  const out = kept(throttle.apply({ records: lines(origin('/s'), 10) }).records);
  t.same(out.map((r) => r.message), ['line 0', 'line 1'], 'the token line, then excess 0 (sampled) takes the last node token');
  clock.advance(10_000);
  const [s] = summaries(throttle.apply({ records: [] }).records);
  t.match(s && qosFields(s), { dropped_lines: 8, sampled_lines: 1, node_dropped_lines: 4 }, 'excess 2, 4, 6, 8 were sampled but over the ceiling');
});

void t.test('a truncated line costs the bytes shipped, not the bytes skipped on disk', async (t) => {
  const { throttle } = setup({ defaults: { lines_per_sec: 1000, burst_lines: 1000, bytes_per_sec: 1000, burst_bytes: 100_000 } }, t.testdir());
  const app = origin('/shop/web', {}, '/sandbox/stdout');
  const [huge] = lines(app, 1);
  huge!.message = 'x'.repeat(65_536);
  huge!.sizeBytes = 10 * 1024 * 1024; // a 10 MiB line cut at max_line_bytes
  huge!.flags = LogFlag.truncated;
  const after = lines(app, 3);
  t.equal(throttle.apply({ records: [huge!, ...after] }).records.length, 4, 'the lines after it still fit the bucket');
});

void t.test('native blocks: each document is a line of its app, in order; drops are marked in the block', async (t) => {
  const { ctx, throttle } = setup({ defaults: { lines_per_sec: 10, burst_lines: 10, bytes_per_sec: 0 } }, t.testdir());
  const web = origin('/shop/web');
  const before = lines(web, 4);
  const block = makeBlock(web, Array.from({ length: 10 }, (_, i) => `{"message":"doc ${i}"}`), { sizes: Array(10).fill(100) as number[] });
  const out = throttle.apply({ records: [...before, block], checkpoint: 'cp' });
  t.equal(out.records.at(-1), block, 'the block is kept: some of its documents pass');
  t.equal(block.kept, 6, '10 lines of burst: 4 events, then 6 documents');
  t.same([...(block.dropped ?? [])], [0, 0, 0, 0, 0, 0, 1, 1, 1, 1], 'the last four documents are dropped');
  t.same(asEvents(out.records as LogRecord[]).map((e) => e.message), [...before.map((e) => e.message), 'doc 0', 'doc 1', 'doc 2', 'doc 3', 'doc 4', 'doc 5']);
  const text = await ctx.metrics.metrics();
  t.equal(metricValue(text, 'herald_qos_dropped_lines_total{app="/shop/web"}'), 4);
  t.equal(metricValue(text, 'herald_qos_dropped_bytes_total{app="/shop/web"}'), 400, 'bytes as read, from the block');
  const full = makeBlock(web, ['{"message":"late"}']);
  t.same(throttle.apply({ records: [full] }).records, [], 'a block with nothing left is removed');
  t.equal(full.kept, 0);
});
