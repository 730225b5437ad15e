/**
 * Points written by the sink to the real InfluxDB 2.8 and read back with Flux: exact values of every field
 * type, names and tag values with every special character, timestamps at each precision.
 */
import t from 'tap';
import { systemClock } from '../../../src/pipeline/context';
import { makeMetricPoint, type FieldValue, type MetricPoint } from '../../../src/pipeline/records';
import { InfluxdbSink } from '../../../src/sinks/influxdb/influxdb-sink';
import { testContext } from '../../helpers/context';
import { sinkConfig, testBucket } from './influx-helpers';

const T0 = 1_700_000_000_000;
/**
 * Values as strings, so 64-bit integers are compared exactly (Flux's CSV → JS number would round them), with
 * CR and LF spelled out: the query's CSV writer turns a newline inside a value into CRLF, the store does not.
 */
const AS_STRINGS =
  '|> map(fn: (r) => ({r with _value: strings.replaceAll(v: strings.replaceAll(v: string(v: r._value), t: "\r", u: "<CR>"), t: "\n", u: "<LF>"), _time: string(v: r._time)}))';
const spelled = (s: string) => s.replace(/\r/g, '<CR>').replace(/\n/g, '<LF>');

void t.test('every field type round-trips exactly', async (t) => {
  const b = await testBucket(t, 'types');
  const dir = t.testdir();
  const sink = new InfluxdbSink({ config: sinkConfig(b), context: testContext(dir, { clock: systemClock }) });
  await sink.start();
  const fields: Record<string, FieldValue> = {
    f_tenth: 0.1,
    f_big: 1e21,
    f_tiny: 5e-324,
    f_neg: -123.456,
    f_whole: 42,
    i_near_max: 9223372036854771712n,
    i_max: 2n ** 63n - 1n,
    i_min: -(2n ** 63n),
    i_neg: -5n,
    u_above_int64: 2n ** 63n,
    u_max: 2n ** 64n - 1n,
    s_plain: 'hello',
    s_special: 'sp ace, comma = equals "quote" \\back\\slash\\ \nnew\nline\ttab ünïcødé 🚀 \'single\'',
    s_empty: '',
    b_true: true,
    b_false: false,
  };
  const outcome = await sink.write({ records: [makeMetricPoint('herald_types', { host: 'node-1' }, fields, T0 + 1)] });
  t.same(outcome, { delivered: 1, dropped: 0 });
  await sink.close(2000);
  const rows = await b.rows(`|> filter(fn: (r) => r._measurement == "herald_types") ${AS_STRINGS}`, 'import "strings"');
  const got = Object.fromEntries(rows.map((r) => [r._field as string, r._value as string]));
  t.equal(rows.length, Object.keys(fields).length, 'one row per field');
  for (const [k, v] of Object.entries(fields)) {
    const expected = spelled(String(v));
    if (typeof v === 'number') t.equal(Number(got[k]), v, `${k}: float ${expected}`);
    else t.equal(got[k], expected, `${k}: ${typeof v} exact`);
  }
  const types = await b.rows('|> filter(fn: (r) => r._measurement == "herald_types") |> map(fn: (r) => ({r with t: if r._field =~ /^u_/ then string(v: uint(v: r._value)) else "-"}))');
  t.equal(types.filter((r) => r.t !== '-').length, 2, 'the u_ fields are stored unsigned');
  t.equal(rows[0]?._time, '2023-11-14T22:13:20.001000000Z');
});

void t.test('measurement, tag keys and values with every special character round-trip exactly', async (t) => {
  const b = await testBucket(t, 'escape');
  const dir = t.testdir();
  const ctx = testContext(dir, { clock: systemClock });
  const sink = new InfluxdbSink({ config: sinkConfig(b), context: ctx });
  const nasty = ['space here', 'comma,here', 'equals=here', 'quote"here', 'back\\slash', 'both\\,mixed', 'esc\\ aped\\=', 'ünïcødé 🚀', "single'", 'a,b=c d\\e"f'];
  const points: MetricPoint[] = nasty.map((v, i) => makeMetricPoint('herald esc,m=1', { 'tag key,=': v, plain: `p${i}` }, { 'field key,=': v }, T0 + i));
  t.same(await sink.write({ records: points }), { delivered: nasty.length, dropped: 0 });
  await sink.close(2000);
  const rows = await b.rows(`|> filter(fn: (r) => r._measurement == "herald esc,m=1") |> sort(columns: ["_time"])`);
  t.equal(rows.length, nasty.length);
  rows.forEach((r, i) => {
    t.equal(r['tag key,='], nasty[i], `tag value ${JSON.stringify(nasty[i])}`);
    t.equal(r._value, nasty[i], 'string field');
    t.equal(r._field, 'field key,=', 'field key');
  });
});

void t.test('newlines and trailing backslashes in tags are substituted as documented, and counted', async (t) => {
  const b = await testBucket(t, 'subst');
  const dir = t.testdir();
  const ctx = testContext(dir, { clock: systemClock });
  const sink = new InfluxdbSink({ config: sinkConfig(b), context: ctx });
  const out = await sink.write({
    records: [
      makeMetricPoint('subst', { t: 'line1\nline2', u: 'ends\\' }, { v: 1 }, T0),
      makeMetricPoint('subst', { time: 'reserved', t: 'x' }, { v: 2, time: 3 }, T0 + 1),
    ],
  });
  t.same(out, { delivered: 2, dropped: 0 }, 'one reserved tag key would have made the server refuse the whole request');
  await sink.close(2000);
  const rows = await b.rows('|> sort(columns: ["_time"])');
  t.equal(rows[0]?.t, 'line1\\nline2', 'a newline becomes the two characters \\n');
  t.equal(rows[0]?.u, 'ends', 'a trailing backslash is cut');
  t.equal(rows[1]?.t, 'x');
  t.equal(rows.length, 2);
  const text = await ctx.metrics.metrics();
  t.match(text, /herald_influxdb_encode_adjustments_total\{reason="unencodable_char"\} 2/);
  t.match(text, /herald_influxdb_encode_adjustments_total\{reason="reserved_key"\} 2/);
});

void t.test('timestamps at the configured precision', async (t) => {
  const b = await testBucket(t, 'precision');
  // 1871/4096 is exact in binary: a double holds ms since the epoch to about 0.25 µs today.
  const ts = T0 + 123 + 1871 / 4096;
  const expected = { s: '2023-11-14T22:13:20.000000000Z', ms: '2023-11-14T22:13:20.123000000Z', us: '2023-11-14T22:13:20.123457000Z', ns: '2023-11-14T22:13:20.123456787Z' };
  for (const precision of ['s', 'ms', 'us', 'ns'] as const) {
    const sink = new InfluxdbSink({ config: sinkConfig(b, { precision }), context: testContext(t.testdir(), { clock: systemClock }) });
    t.same(await sink.write({ records: [makeMetricPoint(`prec_${precision}`, {}, { v: 1 }, ts)] }), { delivered: 1, dropped: 0 });
    await sink.close(2000);
  }
  const rows = await b.rows(AS_STRINGS, 'import "strings"');
  const got = Object.fromEntries(rows.map((r) => [(r._measurement as string).slice(5), r._time as string]));
  for (const [precision, time] of Object.entries(expected)) t.equal(got[precision], time, `precision ${precision}`);
});
