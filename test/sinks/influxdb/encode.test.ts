import t from 'tap';
import { encodePoint, encodeFieldValue } from '../../../src/sinks/influxdb/encode';
import { makeMetricPoint } from '../../../src/pipeline/records';

void t.test('escaping of measurement, tag keys and values, field keys and string values', async (t) => {
  const p = makeMetricPoint('my measure,ment', { 'tag key': 'a,b=c d', app: '/shop/web', empty: '' }, { 'f=1': 'say "hi" \\ bye', n: 1.5 }, 1700000000123);
  t.equal(encodePoint(p), 'my\\ measure\\,ment,app=/shop/web,tag\\ key=a\\,b\\=c\\ d f\\=1="say \\"hi\\" \\\\ bye",n=1.5 1700000000123');
});

void t.test('newlines in names and tags cannot be raw in line protocol', async (t) => {
  const line = encodePoint(makeMetricPoint('m', { t: 'a\nb' }, { v: 'x\ny' }, 1)) as string;
  t.equal(line.split('\n').length, 2, 'the only raw newline is inside the quoted string field');
  t.match(line, /t=a\\nb/);
});

void t.test('field types: floats, int64, uint64, booleans; non-finite values left out', async (t) => {
  t.equal(encodeFieldValue(1), '1');
  t.equal(encodeFieldValue(0.25), '0.25');
  t.equal(encodeFieldValue(9223372036854771712n), '9223372036854771712i');
  t.equal(encodeFieldValue(18446744073709551615n), '18446744073709551615u');
  t.equal(encodeFieldValue(-5n), '-5i');
  t.equal(encodeFieldValue(2n ** 64n), undefined, 'beyond uint64 is not writable');
  t.equal(encodeFieldValue(true), 'true');
  t.equal(encodeFieldValue(NaN), undefined);
  t.equal(encodeFieldValue(Infinity), undefined);
  t.equal(encodePoint(makeMetricPoint('m', {}, { a: NaN }, 1)), undefined, 'a point with no writable field is not written');
  t.equal(encodePoint(makeMetricPoint('m', {}, { a: NaN, b: 2 }, 1)), 'm b=2 1');
});

void t.test('tags are sorted by key', async (t) => {
  t.equal(encodePoint(makeMetricPoint('m', { z: '1', a: '2', m: '3' }, { v: 1 }, 5)), 'm,a=2,m=3,z=1 v=1 5');
});
