import t from 'tap';
import { LineEncoder, encodeFieldValue, encodePoint, encodeTimestamp, escapeKey, escapeMeasurement } from '../../../src/sinks/influxdb/encode';
import { makeMetricPoint, type FieldValue } from '../../../src/pipeline/records';

const p = (m: string, tags: Record<string, string>, fields: Record<string, FieldValue>, ts = 1556813561098) => makeMetricPoint(m, tags, fields, ts);

void t.test('the examples of the line protocol reference (InfluxDB 2.x docs, "Special characters")', async (t) => {
  const table: [ReturnType<typeof p>, string][] = [
    [p('myMeasurement', { tag1: 'value1', tag2: 'value2' }, { fieldKey: 'fieldValue' }), 'myMeasurement,tag1=value1,tag2=value2 fieldKey="fieldValue" 1556813561098'],
    [p('my Measurement', {}, { fieldKey: 'string value' }), 'my\\ Measurement fieldKey="string value" 1556813561098'],
    [p('myMeasurement', {}, { fieldKey: '"string" within a string' }), 'myMeasurement fieldKey="\\"string\\" within a string" 1556813561098'],
    [p('myMeasurement', { 'tag Key1': 'tag Value1', 'tag Key2': 'tag Value2' }, { 'field Key': 100 }), 'myMeasurement,tag\\ Key1=tag\\ Value1,tag\\ Key2=tag\\ Value2 field\\ Key=100 1556813561098'],
    [p('myMeasurement', { tagKey: '🍭' }, { fieldKey: 'Launch 🚀' }), 'myMeasurement,tagKey=🍭 fieldKey="Launch 🚀" 1556813561098'],
    [p('myMeasurement', { tagKey: 'tag,value' }, { fieldKey: 1n }), 'myMeasurement,tagKey=tag\\,value fieldKey=1i 1556813561098'],
    [p('myMeasurement', { tagKey: 'tag=value' }, { 'field=Key': 1 }), 'myMeasurement,tagKey=tag\\=value field\\=Key=1 1556813561098'],
    // A backslash before an ordinary character is literal in names and tags (not doubled); in strings it is escaped.
    [p('m\\x', { 'k\\y': 'C:\\dir' }, { 'f\\z': 'C:\\dir\\' }), 'm\\x,k\\y=C:\\dir f\\z="C:\\\\dir\\\\" 1556813561098'],
    // A literal backslash before an escaped character: the escape backslash is added after it.
    [p('m', { t: 'a\\,b' }, { v: 1 }), 'm,t=a\\\\,b v=1 1556813561098'],
    // `=` needs no escape in a measurement.
    [p('m=x', {}, { v: true }), 'm=x v=true 1556813561098'],
  ];
  for (const [point, line] of table) t.equal(encodePoint(point), line, line);
});

void t.test('what line protocol cannot carry is substituted, left out or refused, and counted', async (t) => {
  const enc = new LineEncoder('ms');
  t.equal(enc.encode(p('m', { t: 'a\nb\rc' }, { v: 'x\ny' }, 1)), 'm,t=a\\nb\\rc v="x\ny" 1', 'raw newline only inside the quoted string');
  t.equal(enc.substitutions, 2);
  t.equal(enc.encode(p('m', { t: 'trail\\\\', u: '\\' }, { v: 1 }, 1)), 'm,t=trail v=1 1', 'trailing backslashes cut; a tag left empty is omitted');
  t.equal(enc.encode(p('m', { time: 'x', _field: 'y', _measurement: 'z', ok: 'k' }, { time: 1, v: 2 }, 1)), 'm,ok=k v=2 1', 'reserved keys left out');
  t.equal(enc.reservedKeys, 4);
  t.equal(enc.encode(p('#comment', {}, { v: 1 }, 1)), undefined, 'a leading # would make the line a comment');
  t.equal(enc.lastUnwritable, 'invalid_measurement');
  t.equal(enc.encode(p('', {}, { v: 1 }, 1)), undefined);
  t.equal(enc.encode(p('m', {}, { a: NaN, b: Infinity, c: 2n ** 64n }, 1)), undefined, 'no writable field');
  t.equal(enc.lastUnwritable, 'no_writable_field');
  t.equal(enc.encode(p('m', { e: '' }, { a: NaN, b: 2 }, 1)), 'm b=2 1', 'unwritable fields and empty tags are left out');
});

void t.test('field types: floats, int64, uint64, booleans, strings', async (t) => {
  t.equal(encodeFieldValue(1), '1', 'a number is a float even when whole');
  t.equal(encodeFieldValue(0.25), '0.25');
  t.equal(encodeFieldValue(-0), '0');
  t.equal(encodeFieldValue(1e21), '1e+21');
  t.equal(encodeFieldValue(5e-324), '5e-324');
  t.equal(encodeFieldValue(9223372036854771712n), '9223372036854771712i');
  t.equal(encodeFieldValue(-(2n ** 63n)), '-9223372036854775808i');
  t.equal(encodeFieldValue(2n ** 63n), '9223372036854775808u', 'beyond int64: unsigned');
  t.equal(encodeFieldValue(18446744073709551615n), '18446744073709551615u');
  t.equal(encodeFieldValue(2n ** 64n), undefined, 'beyond uint64 is not writable');
  t.equal(encodeFieldValue(-(2n ** 63n) - 1n), undefined);
  t.equal(encodeFieldValue(true), 'true');
  t.equal(encodeFieldValue(false), 'false');
  t.equal(encodeFieldValue(''), '""');
  t.equal(encodeFieldValue('a"b\\c'), '"a\\"b\\\\c"');
});

void t.test('timestamps at each precision', async (t) => {
  t.equal(encodeTimestamp(1700000000123, 'ms'), '1700000000123');
  t.equal(encodeTimestamp(1700000000123.4, 'ms'), '1700000000123');
  t.equal(encodeTimestamp(1700000000999, 's'), '1700000000', 'seconds truncate');
  t.equal(encodeTimestamp(1700000000123.456, 'us'), '1700000000123456');
  t.equal(encodeTimestamp(1700000000123, 'ns'), '1700000000123000000');
  t.equal(encodeTimestamp(1700000000123.5, 'ns'), '1700000000123500000');
  t.equal(encodeTimestamp(0.9999999, 'ns'), '1000000', 'a carry into the ms');
  t.equal(encodeTimestamp(0.25, 'ns'), '250000');
  t.equal(encodeTimestamp(-1.5, 'ns'), '-1500000');
  t.equal(new LineEncoder('s').encode(p('m', {}, { v: 1 }, 1700000000500)), 'm v=1 1700000000');
});

void t.test('tags sorted by key; escaping functions leave plain names alone', async (t) => {
  t.equal(encodePoint(p('m', { z: '1', a: '2', m: '3' }, { v: 1 }, 5)), 'm,a=2,m=3,z=1 v=1 5');
  const plain = 'cpus_user_time_secs';
  t.equal(escapeKey(plain), plain);
  t.equal(escapeMeasurement(plain), plain);
  t.equal(escapeKey('a b,c=d'), 'a\\ b\\,c\\=d');
  t.equal(escapeMeasurement('a b,c=d'), 'a\\ b\\,c=d');
});
