/**
 * Drift check of the Grafana dashboards (deploy/grafana/*.json) against the names Herald emits:
 * - the committed files are what scripts/gen-dashboards.mjs generates (also the alerts and Kibana objects);
 * - every measurement, field and tag a panel, variable or alert queries is emitted by the real collectors
 *   (test/deploy/dash-emitted.ts) or declared by the code's own lists, and every own-metric declaration in
 *   src is understood (so a new or renamed herald_* metric cannot hide from this check);
 * - every tag value a query compares with is a string literal of the source (a renamed label value);
 * - on the real InfluxDB 2.8, with the emitted points written to a bucket of our own, every panel and
 *   variable query runs, and every panel whose fields the recorded payloads carry returns rows.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePoint } from '../../src/sinks/influxdb/encode';
import { REPO_ROOT, requireService } from '../helpers/services';
import { addDeclaredNames, catalogue, emittedPoints } from './dash-emitted';
import { checkRefs, fluxRefs, runFlux, tempBucket, writeLines } from './dash-flux';
import { declaredOwnMetrics } from './dash-own-metrics';

interface Panel { title: string; type: string; targets: { query: string }[] }
interface Variable { name: string; type: string; query: string }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] }; __inputs: { name: string }[] }

const GRAFANA = join(REPO_ROOT, 'deploy', 'grafana');
const ALERTS = join(REPO_ROOT, 'deploy', 'influxdb', 'alerts');
const dashboards = readdirSync(GRAFANA).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(GRAFANA, f), 'utf8')) as Dashboard);
const alerts = readdirSync(ALERTS).filter((f) => f.endsWith('.flux')).map((f) => ({ file: f, flux: readFileSync(join(ALERTS, f), 'utf8') }));
const NOW = Date.now();
const pointsPromise = emittedPoints(NOW);

void t.test('the committed dashboards, alerts and Kibana objects are what the generator writes', async (t) => {
  t.doesNotThrow(() => execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'gen-dashboards.mjs'), '--check'], { stdio: 'pipe' }), 'node scripts/gen-dashboards.mjs --check');
  t.same(dashboards.map((d) => d.uid).sort(), ['herald-apps', 'herald-mesos-agent', 'herald-node', 'herald-scrape', 'herald-self']);
  t.ok(alerts.length >= 10, `${alerts.length} alert rules`);
  for (const d of dashboards) {
    t.same(d.__inputs.map((i) => i.name), ['DS_INFLUXDB'], `${d.uid}: datasource is an import input`);
    t.ok(JSON.stringify(d).includes('"uid":"${DS_INFLUXDB}"'), `${d.uid}: panels use the input`);
  }
});

void t.test('every herald_* metric declaration in src is understood', async (t) => {
  const { metrics, unrecognised } = declaredOwnMetrics();
  t.same(unrecognised, [], 'every herald_* name literal in src belongs to a counter()/gauge()/histogram() call read here');
  t.ok(metrics.length >= 70, `${metrics.length} own metrics declared`);
  const byName = new Map(metrics.map((m) => [m.name, m]));
  t.same(byName.get('herald_qos_dropped_lines_total')?.labels, ['app'], 'labels read from the call');
  t.same(byName.get('herald_tail_rotations_total')?.labels, ['source', 'kind'], 'multi-line calls read');
  t.equal(byName.get('herald_elasticsearch_bulk_request_duration_seconds')?.kind, 'histogram');
});

void t.test('every name a panel, variable or alert queries is emitted', async (t) => {
  const points = await pointsPromise;
  const emitted = catalogue(points);
  // Sanity: the collectors really ran (a broken fixture path must not make everything "unknown").
  for (const m of ['mesos_agent', 'mesos_container', 'herald_series_overflow', 'host_cpu', 'host_memory', 'host_load', 'host_filesystem', 'host_net', 'scrape_up', 'health_check', 'herald_pipeline_records_total', 'herald_process_resident_memory_bytes']) {
    t.ok(emitted.has(m), `${m} emitted`);
  }
  t.ok(emitted.get('mesos_container')?.fields.has('cpus_throttled_ratio'), 'throttled ratio from two samples');
  t.same([...(emitted.get('herald_qos_dropped_lines_total')?.tags ?? [])].sort(), ['app', 'host', 'scrape_target'], 'own metric labels are tags as shipped (no exported_ prefix)');
  t.ok(emitted.get('herald_elasticsearch_bulk_request_duration_seconds')?.fields.has('count'), 'histograms as count/sum/le_* fields');
  addDeclaredNames(emitted);
  const problems: string[] = [];
  let queries = 0;
  for (const d of dashboards) {
    for (const p of d.panels) {
      for (const target of p.targets) {
        queries++;
        problems.push(...checkRefs(`${d.uid} "${p.title}"`, fluxRefs(target.query), emitted));
      }
    }
    for (const v of d.templating.list.filter((x) => x.type === 'query')) {
      queries++;
      const m = /measurement: "([^"]+)", tag: "([^"]+)"/.exec(v.query);
      if (!m) problems.push(`${d.uid} variable ${v.name}: unexpected query shape`);
      else if (!emitted.get(m[1] as string)?.tags.has(m[2] as string)) problems.push(`${d.uid} variable ${v.name}: ${m[1]}.${m[2]} is not an emitted tag`);
    }
  }
  for (const a of alerts) {
    queries++;
    problems.push(...checkRefs(`alert ${a.file}`, fluxRefs(a.flux), emitted));
  }
  t.same(problems, [], `${queries} queries checked`);
});

void t.test('tag values compared in queries are literals of the source', async (t) => {
  const src = execFileSync('grep', ['-rhoE', String.raw`'[a-z_]+'`, join(REPO_ROOT, 'src')], { encoding: 'utf8' });
  const literals = new Set(src.split('\n').map((l) => l.slice(1, -1)));
  const compared = new Set<string>();
  for (const q of [...dashboards.flatMap((d) => d.panels.flatMap((p) => p.targets.map((x) => x.query))), ...alerts.map((a) => a.flux)]) {
    for (const [, value] of fluxRefs(q).tagValues) compared.add(value);
  }
  t.ok(compared.has('herald') && compared.has('dead_lettered'), [...compared].join(', '));
  for (const v of compared) t.ok(literals.has(v), `'${v}' appears in src`);
});

void t.test('on the real InfluxDB: every query runs, and panels with recorded data return rows', async (t) => {
  await requireService(t, 'influxdb');
  const points = await pointsPromise;
  const bucketName = `dash-grafana-${process.pid}-${NOW}`;
  const bucket = await tempBucket(bucketName);
  t.teardown(bucket.remove);
  const lines = points.map(encodePoint).filter((l): l is string => l !== undefined);
  t.equal(lines.length, points.length, 'every emitted point encodes');
  await writeLines(bucketName, lines);
  const observed = catalogue(points); // without the declared-only names: those have no data here
  const tagValues = new Map<string, Set<string>>();
  for (const p of points) for (const [k, v] of Object.entries(p.tags)) (tagValues.get(k) ?? tagValues.set(k, new Set()).get(k)!).add(v);
  const varTag: Record<string, string> = { host: 'host', app: 'app', target: 'scrape_target' };
  // Grafana's Flux datasource defines v.*; variables bound as "All" (every value seen). Options follow imports.
  const bind = (q: string) => {
    const body = q.replaceAll('${bucket}', bucketName).replace(/\$\{(\w+):json\}/g, (_, v: string) => JSON.stringify([...(tagValues.get(varTag[v] ?? v) ?? [])]));
    const imports = /^(?:import "[^"]+"\n)*/.exec(body)![0];
    return `${imports}option v = {timeRangeStart: -2h, timeRangeStop: now(), windowPeriod: 1m}\n${body.slice(imports.length)}`;
  };
  let withRows = 0;
  for (const d of dashboards) {
    for (const v of d.templating.list.filter((x) => x.type === 'query')) {
      const r = await runFlux(bind(v.query));
      t.equal(r.status, 200, `${d.uid} variable ${v.name} runs`);
      t.ok(r.rows.length > 0, `${d.uid} variable ${v.name} lists values`);
    }
    for (const p of d.panels) {
      const query = p.targets[0]!.query;
      const r = await runFlux(bind(query));
      t.equal(r.status, 200, `${d.uid} "${p.title}" runs${r.status === 200 ? '' : `: ${r.body.slice(0, 200)}`}`);
      const refs = fluxRefs(query);
      const recorded = refs.measurements.every((m) => refs.fields.every((f) => observed.get(m)?.fields.has(f)));
      if (recorded) {
        t.ok(r.rows.length > 0, `${d.uid} "${p.title}" returns rows`);
        withRows++;
      }
    }
  }
  t.ok(withRows >= 40, `${withRows} panels returned data from the emitted points`);
});

void t.test('a renamed measurement, field or tag is reported', async (t) => {
  const emitted = catalogue(await pointsPromise);
  const apps = dashboards.find((d) => d.uid === 'herald-apps')!;
  const query = apps.panels.find((p) => p.title === 'CPU throttled')!.targets[0]!.query;
  t.same(checkRefs('ok', fluxRefs(query), emitted), []);
  t.match(checkRefs('field', fluxRefs(query.replace('cpus_throttled_ratio', 'cpus_throttle_ratio')), emitted), [/field mesos_container.cpus_throttle_ratio is not emitted/]);
  t.match(checkRefs('measurement', fluxRefs(query.replace('"mesos_container"', '"mesos_containers"')), emitted), [/measurement mesos_containers is not emitted/]);
  t.match(checkRefs('tag', fluxRefs(query.replace('r.app', 'r.application')), emitted), [/column application is neither a tag nor a field/]);
  // The code side: the collectors stop emitting a field (as after a rename in src/metrics).
  emitted.get('mesos_container')!.fields.delete('cpus_throttled_ratio');
  t.match(checkRefs('code', fluxRefs(query), emitted), [/cpus_throttled_ratio is not emitted/]);
});
