/**
 * PointMapper against the plain mapping it must match exactly: a spread copy of the base tags for every point
 * and the group key built for every sample (what PointMapper did before it got faster paths: tags built by
 * assignment, consecutive samples of one histogram/summary found without building the key). Every text and
 * OpenMetrics fixture goes through both, and the points must be the same, tag order included.
 */
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeMetricPoint, type MetricPoint } from '../../src/pipeline/records';
import { Role, type RoleValue, type SampleHandler } from '../../src/scrape/formats/exposition';
import { parseOpenMetrics } from '../../src/scrape/formats/openmetrics';
import { parsePrometheusText } from '../../src/scrape/formats/prom-text';
import { PointMapper, copyTags, type PointMapperOptions } from '../../src/scrape/formats/to-points';
import { FIXTURES } from './helpers';

/** The reference: one spread copy of the base tags per point, one group key per grouped sample. */
class ReferenceMapper implements SampleHandler {
  readonly points: MetricPoint[] = [];
  readonly counts = { nan: 0, inf: 0, seriesDropped: 0, timestampsReplaced: 0 };
  readonly #groups = new Map<string, MetricPoint>();
  constructor(readonly o: PointMapperOptions, readonly nowMs: number) {}

  sample(family: string, role: RoleValue, name: string, labels: readonly string[], bound: number, value: number, ts: number): void {
    if (role === Role.created) return;
    const finite = Number.isFinite(value);
    if (Number.isNaN(value)) this.counts.nan++;
    else if (!finite) this.counts.inf++;
    if (!finite && role === Role.value) return;
    if (role === Role.value) {
      if (this.points.length >= this.o.maxSeries) return void this.counts.seriesDropped++;
      this.points.push(makeMetricPoint(name, this.tags(labels, ''), { value }, this.time(ts), this.o.app));
      return;
    }
    const excluded = role === Role.bucket ? 'le' : role === Role.quantile ? 'quantile' : role === Role.state ? family : '';
    let key = family;
    for (let k = 0; k < labels.length; k += 2) if (labels[k] !== excluded) key += `\u0000${labels[k]!}\u0001${labels[k + 1]!}`;
    let point = this.#groups.get(key);
    if (point === undefined) {
      if (this.points.length >= this.o.maxSeries) return void this.counts.seriesDropped++;
      point = makeMetricPoint(family, this.tags(labels, excluded), {}, this.time(ts), this.o.app);
      this.#groups.set(key, point);
      this.points.push(point);
    } else if (!Number.isNaN(ts) && this.o.honorTimestamps) {
      point.timestampMs = Math.max(point.timestampMs, this.time(ts));
    }
    if (!finite) return;
    let field = ({ [Role.count]: 'count', [Role.sum]: 'sum', [Role.gcount]: 'gcount', [Role.gsum]: 'gsum' } as Record<number, string>)[role] ?? 'value';
    if (role === Role.bucket) field = boundField('le_', bound);
    else if (role === Role.quantile) field = boundField('q_', bound);
    else if (role === Role.state) {
      field = 'value';
      for (let k = labels.length - 2; k >= 0; k -= 2) if (labels[k] === family) field = labels[k + 1]!;
    }
    point.fields[field] = value;
  }

  finish(): MetricPoint[] {
    return this.points.filter((p) => Object.keys(p.fields).length > 0);
  }

  tags(labels: readonly string[], excluded: string): Record<string, string> {
    const base = this.o.baseTags;
    const tags: Record<string, string> = { ...base };
    for (let k = 0; k < labels.length; k += 2) {
      const name = labels[k]!;
      const value = labels[k + 1]!;
      if (name === excluded || value === '') continue;
      tags[name in base ? `exported_${name}` : name] = value;
    }
    return tags;
  }

  time(ms: number): number {
    if (Number.isNaN(ms) || !this.o.honorTimestamps) return this.nowMs;
    if (Math.abs(ms) > 9_000_000_000_000) {
      this.counts.timestampsReplaced++;
      return this.nowMs;
    }
    return Math.round(ms);
  }
}

function boundField(prefix: string, bound: number): string {
  return bound === Infinity ? `${prefix}inf` : bound === -Infinity ? `${prefix}-inf` : `${prefix}${bound}`;
}

const base = Object.freeze({ dc: 'eu-1', host: 'node-1', scrape_target: 'web', app: '/shop/web', instance: '10.0.0.1:9100' });
const NOW = 1_763_726_400_000;

type Parse = (text: string, h: SampleHandler) => unknown;
const parsers: [string, Parse][] = [
  ['text', parsePrometheusText],
  ['openmetrics', (text, h) => parseOpenMetrics(text, h, false)],
];

/** JSON keeps the order of tags and fields, which t.same would not check. */
function mapped(parse: Parse, text: string, over: Partial<PointMapperOptions> = {}) {
  const o: PointMapperOptions = { baseTags: base, app: '/shop/web', maxSeries: 100_000, honorTimestamps: true, ...over };
  const fast = new PointMapper(o, NOW);
  const ref = new ReferenceMapper(o, NOW);
  parse(text, fast);
  parse(text, ref);
  return { fast: fast.finish(), ref: ref.finish(), fastCounts: fast.counts, refCounts: ref.counts };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

void t.test('every text and OpenMetrics fixture maps exactly as the reference does', async (t) => {
  const files = filesUnder(FIXTURES).filter((f) => /\.(prom|txt)$|\/metrics$/.test(f) && !/PROVENANCE|\/haproxy\/|\/mesos\//.test(f));
  t.ok(files.length > 230, `${files.length} fixtures`);
  let points = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [name, parse] of parsers) {
      const r = mapped(parse, text);
      points += r.fast.length;
      if (JSON.stringify(r.fast) !== JSON.stringify(r.ref)) t.same(r.fast, r.ref, `${name} ${file}`);
      t.same(r.fastCounts, r.refCounts, `${name} ${file}: counts`);
    }
  }
  t.ok(points > 2000, `${points} points compared`);
});

void t.test('grouping: interleaved series, label order, extra labels, max_series, timestamps', async (t) => {
  const text = [
    '# TYPE rq histogram',
    'rq_bucket{path="/a",le="0.05"} 1', 'rq_bucket{path="/b",le="0.05"} 2', 'rq_bucket{path="/a",le="+Inf"} 3 100',
    'rq_sum{path="/a"} 4 50', 'rq_count{path="/a"} 3 200', 'rq_bucket{le="+Inf",path="/b"} 5', 'rq_sum{path="/b",le="x"} 6',
    'rq_count{path="/b"} 5', 'rq_count{path="/c"} NaN',
    '# TYPE s summary',
    's{a="1",quantile="0.5"} 1', 's{quantile="0.9",a="1"} 2', 's_sum{a="1"} 3', 's{a="2",quantile="0.5"} NaN', 's_count{a="1"} 9',
    's_count{a="2"} 9', 's_sum{a="1",b="2"} 7',
    '# TYPE t summary', 't{a="1",quantile="0.5"} 1', 't_sum{a="1"} 2',
    'g{a="1"} 1', 'g{a="1"} 2',
    '',
  ].join('\n');
  for (const over of [{}, { honorTimestamps: false }, { maxSeries: 3 }, { maxSeries: 1 }]) {
    const r = mapped(parsePrometheusText, text, over);
    t.equal(JSON.stringify(r.fast), JSON.stringify(r.ref), JSON.stringify(over));
    t.same(r.fastCounts, r.refCounts, `${JSON.stringify(over)}: counts`);
  }
  const r = mapped(parsePrometheusText, text);
  t.same(r.fast.map((p) => `${p.measurement} ${Object.keys(p.fields).join(',')}`), [
    'rq le_0.05,le_inf,sum,count', 'rq le_0.05,le_inf,count', 'rq sum', 's q_0.5,q_0.9,sum,count', 's count', 's sum', 't q_0.5,sum', 'g value', 'g value',
  ]);
});

void t.test('labels that clash with base tags or Object.prototype, empty values, a base tag named __proto__', async (t) => {
  const text = 'm{__proto__="p",constructor="c",toString="t",host="h",app="a",empty="",dc="x"} 1\nm{hasOwnProperty="z"} 2\n';
  const r = mapped(parsePrometheusText, text);
  t.equal(JSON.stringify(r.fast), JSON.stringify(r.ref));
  t.same(r.fast[0]?.tags, { ...base, exported___proto__: 'p', exported_constructor: 'c', exported_toString: 't', exported_host: 'h', exported_app: 'a', exported_dc: 'x' });
  const odd: Record<string, string> = JSON.parse('{"__proto__":"x","host":"n"}') as Record<string, string>;
  const copy = copyTags(odd);
  t.same(Object.keys(copy), ['__proto__', 'host'], 'an own __proto__ key stays an own property');
  t.equal(Object.getPrototypeOf(copy), Object.prototype);
  const p = mapped(parsePrometheusText, 'm{a="1"} 1\n', { baseTags: odd }).fast[0];
  t.same(Object.entries(p?.tags ?? {}), [['__proto__', 'x'], ['host', 'n'], ['a', '1']]);
});

void t.test('every point has a tags object of its own: changing one changes no other point and not the base tags', async (t) => {
  const text = '# TYPE h histogram\nh_bucket{a="1",le="1"} 1\nh_bucket{a="1",le="+Inf"} 1\nx{a="1"} 1\nx{a="1"} 2\ny 3\nz 4\n';
  const { fast } = mapped(parsePrometheusText, text);
  const tags = fast.map((p) => p.tags);
  t.equal(new Set(tags).size, tags.length, 'no two points share a tags object');
  t.notOk(tags.includes(base), 'no point has the base tags object itself');
  const before = JSON.stringify(fast.slice(1));
  fast[0]!.tags.host = 'changed';
  fast[0]!.tags.extra = 'added';
  t.equal(JSON.stringify(fast.slice(1)), before);
  t.equal(base.host, 'node-1');
});
