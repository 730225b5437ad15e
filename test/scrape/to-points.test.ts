import t from 'tap';
import { PointMapper } from '../../src/scrape/formats/to-points';
import { parsePrometheusText } from '../../src/scrape/formats/prom-text';
import { parseOpenMetrics } from '../../src/scrape/formats/openmetrics';
import { parseExposition, formatOfContentType } from '../../src/scrape/formats/negotiate';
import type { MetricPoint } from '../../src/pipeline/records';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const base = { host: 'node-1', scrape_target: 'web' };

function mapText(text: string, over: Partial<ConstructorParameters<typeof PointMapper>[0]> = {}) {
  const m = new PointMapper({ baseTags: base, app: '/shop/web', maxSeries: 1000, honorTimestamps: true, ...over }, NOW);
  const r = parsePrometheusText(text, m);
  return { points: m.finish(), counts: m.counts, result: r };
}

function plain(points: MetricPoint[]) {
  return points.map((p) => ({ m: p.measurement, tags: p.tags, fields: p.fields, ts: p.timestampMs, app: p.app }));
}

void t.test('counter, gauge, untyped: one point per sample, field value, labels as tags', async (t) => {
  const { points } = mapText(
    '# TYPE http_requests_total counter\nhttp_requests_total{method="post",code="200"} 1027 1395066363000\n' +
      '# TYPE temp gauge\ntemp{room=""} -3.5\nuntyped_thing 7\n',
  );
  t.same(plain(points), [
    { m: 'http_requests_total', tags: { ...base, method: 'post', code: '200' }, fields: { value: 1027 }, ts: 1395066363000, app: '/shop/web' },
    { m: 'temp', tags: base, fields: { value: -3.5 }, ts: NOW, app: '/shop/web' },
    { m: 'untyped_thing', tags: base, fields: { value: 7 }, ts: NOW, app: '/shop/web' },
  ]);
});

void t.test('histogram: one point per label set, count/sum and le_<bound> fields', async (t) => {
  const { points } = mapText(
    '# TYPE rq histogram\n' +
      'rq_bucket{path="/a",le="0.05"} 24054\nrq_bucket{path="/a",le="0.1"} 33444\nrq_bucket{path="/b",le="0.05"} 1\n' +
      'rq_bucket{path="/a",le="+Inf"} 144320\nrq_sum{path="/a"} 53423\nrq_count{path="/a"} 144320\n' +
      'rq_bucket{path="/b",le="+Inf"} 2\nrq_sum{path="/b"} 0.5\nrq_count{path="/b"} 2\n',
  );
  t.same(plain(points), [
    { m: 'rq', tags: { ...base, path: '/a' }, fields: { 'le_0.05': 24054, 'le_0.1': 33444, le_inf: 144320, sum: 53423, count: 144320 }, ts: NOW, app: '/shop/web' },
    { m: 'rq', tags: { ...base, path: '/b' }, fields: { 'le_0.05': 1, le_inf: 2, sum: 0.5, count: 2 }, ts: NOW, app: '/shop/web' },
  ]);
});

void t.test('summary: q_<quantile> fields, NaN quantiles skipped and counted, latest timestamp wins', async (t) => {
  const { points, counts } = mapText(
    '# TYPE rpc summary\nrpc{quantile="0.01"} 3102 100\nrpc{quantile="0.5"} NaN 100\nrpc{quantile="0.99"} 76656 100\n' +
      'rpc_sum 1.7560473e+06 200\nrpc_count 2693 150\n',
  );
  t.same(plain(points), [{ m: 'rpc', tags: base, fields: { 'q_0.01': 3102, 'q_0.99': 76656, sum: 1756047.3, count: 2693 }, ts: 200, app: '/shop/web' }]);
  t.equal(counts.nan, 1);
});

void t.test('OpenMetrics types: counter _total, info, stateset, gaugehistogram, unknown; _created dropped; seconds → ms', async (t) => {
  const m = new PointMapper({ baseTags: base, app: '', maxSeries: 1000, honorTimestamps: true }, NOW);
  const text = [
    '# TYPE jobs counter', 'jobs_total{q="a"} 5 1700000000.5', 'jobs_created{q="a"} 1600000000 1700000000.5',
    '# TYPE build info', 'build_info{version="1.2"} 1',
    '# TYPE door stateset', 'door{door="open"} 1', 'door{door="closed"} 0',
    '# TYPE queue gaugehistogram', 'queue_bucket{le="1"} 2', 'queue_bucket{le="+Inf"} 3', 'queue_gcount 3', 'queue_gsum 4',
    '# TYPE mystery unknown', 'mystery 42', '# EOF', '',
  ].join('\n');
  const r = parseOpenMetrics(text, m);
  t.equal(r.error, undefined);
  t.same(plain(m.finish()), [
    { m: 'jobs_total', tags: { ...base, q: 'a' }, fields: { value: 5 }, ts: 1_700_000_000_500, app: '' },
    { m: 'build_info', tags: { ...base, version: '1.2' }, fields: { value: 1 }, ts: NOW, app: '' },
    { m: 'door', tags: base, fields: { open: 1, closed: 0 }, ts: NOW, app: '' },
    { m: 'queue', tags: base, fields: { le_1: 2, le_inf: 3, gcount: 3, gsum: 4 }, ts: NOW, app: '' },
    { m: 'mystery', tags: base, fields: { value: 42 }, ts: NOW, app: '' },
  ]);
});

void t.test('NaN and ±Inf are skipped and counted; a point with nothing left is not emitted', async (t) => {
  const { points, counts } = mapText('a NaN\nb +Inf\nc -Inf\nd 1\n# TYPE s summary\ns{quantile="0.5"} NaN\n');
  t.same(points.map((p) => p.measurement), ['d']);
  t.same(counts, { nan: 2, inf: 2, seriesDropped: 0, timestampsReplaced: 0 });
});

void t.test('labels clashing with target tags become exported_<name>; empty label values are dropped', async (t) => {
  const { points } = mapText('up{host="other",job="x",empty=""} 1\n');
  t.same(points[0]?.tags, { ...base, exported_host: 'other', job: 'x' });
});

void t.test('max_series: points beyond the limit are dropped and counted', async (t) => {
  const lines = Array.from({ length: 10 }, (_, i) => `m{i="${i}"} ${i}`).join('\n') + '\n';
  const { points, counts } = mapText(lines, { maxSeries: 4 });
  t.equal(points.length, 4);
  t.equal(counts.seriesDropped, 6);
});

void t.test('timestamps: ignored when honor_timestamps is off; out of InfluxDB range replaced and counted', async (t) => {
  t.equal(mapText('a 1 1000\n', { honorTimestamps: false }).points[0]?.timestampMs, NOW);
  const far = mapText('a 1 99999999999999999\n');
  t.equal(far.points[0]?.timestampMs, NOW);
  t.equal(far.counts.timestampsReplaced, 1);
});

void t.test('content negotiation: parse by Content-Type', async (t) => {
  t.equal(formatOfContentType('application/openmetrics-text; version=1.0.0; charset=utf-8'), 'openmetrics');
  t.equal(formatOfContentType('text/plain; version=0.0.4'), 'text');
  t.equal(formatOfContentType(undefined), 'text');
  const handler = { n: 0, sample() { this.n++; } };
  t.match(parseExposition('a 1\n', 'application/openmetrics-text; version=1.0.0', handler).error?.message, /missing "# EOF"/);
  t.equal(parseExposition('a 1\n', 'text/plain; version=0.0.4', handler).error, undefined);
});
