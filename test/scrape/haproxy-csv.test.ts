import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHaproxyCsv } from '../../src/scrape/formats/haproxy-csv';

const DIR = join(__dirname, '..', 'fixtures', 'scrape', 'haproxy', 'stats-csv');
const NOW = 1_700_000_000_000;
const opts = { baseTags: { host: 'node-1', scrape_target: 'lb' }, app: '', maxSeries: 10_000 };
const parse = (file: string, o = opts) => parseHaproxyCsv(readFileSync(join(DIR, file), 'utf8'), o, NOW);

void t.test('marathon-lb dump: two concatenated dumps with a repeated header mid-file', async (t) => {
  const r = parse('marathon-lb.haproxy_stats.csv');
  t.equal(r.rows, 31);
  t.equal(r.points.length, 31);
  t.equal(r.brokenLines, 0);
  const first = r.points[0]!;
  t.equal(first.measurement, 'haproxy');
  t.same(first.tags, { host: 'node-1', scrape_target: 'lb', proxy: 'http-in', sv: 'FRONTEND', process: '1', type: 'frontend' });
  t.equal(first.fields.status, 'OPEN');
  t.equal(first.fields.bout, 42792606510n, 'byte counters beyond 2^32 stay exact integers');
  t.equal(first.fields.stot, 1956342n);
  t.equal(first.fields.hrsp_2xx, 1487508n);
  t.notOk('qcur' in first.fields, 'empty columns are not fields');
  const maint = r.points.filter((p) => p.fields.status === 'MAINT').map((p) => p.tags.sv);
  t.same(maint, ['10_0_6_25_16916', '10_0_6_25_23336', '10_0_6_25_31184', '10_0_6_25_16916', '10_0_6_25_23336']);
  // The second dump (after the header on line 17) is mapped too.
  t.equal(r.points.filter((p) => p.tags.proxy === 'git' && p.tags.sv === 'BACKEND').length, 2);
  t.equal(r.points.find((p) => p.tags.proxy === 'www' && p.tags.sv === 'www')?.tags.type, 'server');
});

void t.test('telegraf sample: leading blank line, 84 columns mapped by header name', async (t) => {
  const r = parse('telegraf.sample_output.csv');
  t.equal(r.rows, 13);
  t.equal(r.brokenLines, 0);
  const fe = r.points[0]!;
  t.same([fe.tags.proxy, fe.tags.sv, fe.tags.type, fe.fields.status], ['http-in', 'FRONTEND', 'frontend', 'OPEN']);
  t.equal(fe.fields.bin, 813557487n);
  t.equal(fe.fields.conn_tot, 2649922n, 'a column only newer versions have');
  t.equal(fe.fields.intercepted, 339471n);
  t.notOk('mode' in fe.fields, 'string columns other than status/check_status are not fields');
  const listeners = r.points.filter((p) => p.tags.type === 'listener').map((p) => p.tags.sv);
  t.ok(listeners.includes('IPv6-direct'));
});

void t.test('the known broken line ("DRAIN (agent)1", a missing comma) is skipped and counted', async (t) => {
  const r = parse('haproxy_exporter.server_broken_csv.no-header.csv');
  t.equal(r.rows, 4);
  t.equal(r.brokenLines, 1);
  t.equal(r.firstProblem, 'line 2: 61 fields where its header has 62');
  t.same(r.points.map((p) => p.tags.sv), ['FRONTEND', 'foo-instance-0', 'BACKEND']);
  t.same(r.points.map((p) => p.fields.status), ['UP', 'UP', 'UP']);
  t.equal(r.points[1]?.fields.check_status, 'L4OK');
  t.equal(r.points[1]?.fields.lastchg, 5007n);
});

void t.test('headerless older HAProxy (33 columns) uses the documented column order', async (t) => {
  const r = parse('haproxy_exporter.older_haproxy_versions.no-header.csv');
  t.equal(r.points.length, 3);
  t.equal(r.brokenLines, 0);
  const p = r.points[1]!;
  t.same([p.tags.proxy, p.tags.sv, p.tags.type, p.fields.status, p.fields.lastchg, p.fields.weight], ['foo', 'foo-instance-0', 'server', 'UP', 5007n, 1n]);
});

void t.test('server without checks: status "no check" kept as is', async (t) => {
  const r = parse('haproxy_exporter.server_without_checks.no-header.csv');
  t.equal(r.points.length, 1);
  t.equal(r.points[0]?.fields.status, 'no check');
  t.equal(r.points[0]?.tags.sv, '127.0.0.1:8080');
});

void t.test('max_series caps rows and counts the rest', async (t) => {
  const r = parse('marathon-lb.haproxy_stats.csv', { ...opts, maxSeries: 10 });
  t.equal(r.points.length, 10);
  t.equal(r.seriesDropped, 21);
});
