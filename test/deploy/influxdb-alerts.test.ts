/**
 * The alert rules of deploy/influxdb/alerts/*.flux on the real InfluxDB 2.8:
 * - each is created as a task through /api/v2/tasks (name and schedule read back) and deleted again;
 * - a threshold check (/api/v2/checks) cannot hold a two-field rule: the server refuses it (why tasks);
 * - each rule runs, as written, on points of a bucket of our own that cross its thresholds and points that
 *   do not: monitor.write is overridden to return the statuses instead of writing them to _monitoring, so
 *   the test reads the level (crit / warn / ok) the rule gives each series.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, requireService } from '../helpers/services';
import { influxApi, orgId, runFlux, tempBucket, writeLines } from './dash-flux';

const DIR = join(REPO_ROOT, 'deploy', 'influxdb', 'alerts');
const rules = new Map(readdirSync(DIR).filter((f) => f.endsWith('.flux')).map((f) => [f.slice(0, -5), readFileSync(join(DIR, f), 'utf8')]));
const NOW = Date.now();
const min = (m: number) => NOW - m * 60_000;

/** Line protocol at `ms`. */
const at = (ms: number, line: string) => `${line} ${ms}`;

/** Per rule: points, and the level expected for each series (keyed by the tags named in `key`). */
const SCENARIOS: Record<string, { key: string[]; lines: string[]; expect: Record<string, string> }> = {
  'container-memory-near-limit': {
    key: ['app'],
    lines: [
      at(min(1), 'mesos_container,host=n1,app=/hot,framework=marathon mem_rss_bytes=980,mem_limit_bytes=1000'),
      at(min(1), 'mesos_container,host=n1,app=/warm,framework=marathon mem_rss_bytes=920,mem_limit_bytes=1000'),
      at(min(1), 'mesos_container,host=n1,app=/cool,framework=marathon mem_rss_bytes=100,mem_limit_bytes=1000'),
      at(min(1), 'mesos_container,host=n1,app=/nolimit,framework=marathon mem_rss_bytes=100'),
    ],
    expect: { '/hot': 'crit', '/warm': 'warn', '/cool': 'ok' },
  },
  'cpu-throttling-high': {
    key: ['app'],
    lines: [1, 3, 5].flatMap((m) => [
      at(min(m), 'mesos_container,host=n1,app=/hot cpus_throttled_ratio=0.6'),
      at(min(m), 'mesos_container,host=n1,app=/warm cpus_throttled_ratio=0.3'),
      at(min(m), 'mesos_container,host=n1,app=/cool cpus_throttled_ratio=0.01'),
    ]),
    expect: { '/hot': 'crit', '/warm': 'warn', '/cool': 'ok' },
  },
  'mesos-agent-not-registered': {
    key: ['host'],
    lines: [at(min(1), 'mesos_agent,host=n1 slave/registered=0,slave/tasks_running=3'), at(min(1), 'mesos_agent,host=n2 slave/registered=1')],
    expect: { n1: 'crit', n2: 'ok' },
  },
  'mesos-agent-unreachable': {
    key: ['host'],
    lines: [1, 2].flatMap((m) => [
      at(min(m), 'herald_mesos_agent_reachable,host=n1,scrape_target=herald value=0'),
      at(min(m), `herald_mesos_agent_reachable,host=n2,scrape_target=herald value=${m === 1 ? 1 : 0}`),
    ]),
    expect: { n1: 'crit', n2: 'ok' },
  },
  'node-disk-nearly-full': {
    key: ['host'],
    lines: [
      at(min(1), 'host_filesystem,host=n1,path=/ used_fraction=0.97,inodes_used_fraction=0.1'),
      at(min(1), 'host_filesystem,host=n2,path=/var used_fraction=0.5,inodes_used_fraction=0.9'),
      at(min(1), 'host_filesystem,host=n3,path=/ used_fraction=0.1,inodes_used_fraction=0.1'),
    ],
    expect: { n1: 'crit', n2: 'warn', n3: 'ok' },
  },
  'scrape-target-down': {
    key: ['scrape_target'],
    lines: [1, 3].flatMap((m) => [
      at(min(m), 'scrape_up,host=n1,scrape_target=web value=0'),
      at(min(m), `scrape_up,host=n1,scrape_target=api value=${m === 1 ? 1 : 0}`),
    ]),
    expect: { web: 'crit', api: 'ok' },
  },
  'health-check-down': {
    key: ['scrape_target'],
    lines: [at(min(1), 'health_check,host=n1,scrape_target=web,check=http_health up=0,latency_seconds=0.1'), at(min(1), 'health_check,host=n1,scrape_target=db,check=tcp_health up=1')],
    expect: { web: 'crit', db: 'ok' },
  },
  'herald-dropping-data': {
    key: ['host'],
    lines: [
      at(min(8), 'herald_qos_dropped_lines_total,host=n1,scrape_target=herald,app=/chatty value=10'),
      at(min(1), 'herald_qos_dropped_lines_total,host=n1,scrape_target=herald,app=/chatty value=50'),
      at(min(8), 'herald_elasticsearch_documents_total,host=n2,scrape_target=herald,outcome=dead_lettered value=1'),
      at(min(1), 'herald_elasticsearch_documents_total,host=n2,scrape_target=herald,outcome=dead_lettered value=3'),
      at(min(8), 'herald_influxdb_points_dropped_total,host=n3,scrape_target=herald,reason=unparsable value=5'),
      at(min(1), 'herald_influxdb_points_dropped_total,host=n3,scrape_target=herald,reason=unparsable value=5'),
    ],
    expect: { n1: 'warn', n2: 'crit', n3: 'ok' },
  },
  'elasticsearch-sink-retrying': {
    key: ['host'],
    lines: [
      ['n1', 10, 40, 100, 100], ['n2', 10, 20, 100, 200], ['n3', 5, 5, 1, 50],
    ].flatMap(([h, r0, r1, d0, d1]) => [
      at(min(8), `herald_elasticsearch_documents_total,host=${h},scrape_target=herald,outcome=retried value=${r0}`),
      at(min(1), `herald_elasticsearch_documents_total,host=${h},scrape_target=herald,outcome=retried value=${r1}`),
      at(min(8), `herald_elasticsearch_documents_total,host=${h},scrape_target=herald,outcome=delivered value=${d0}`),
      at(min(1), `herald_elasticsearch_documents_total,host=${h},scrape_target=herald,outcome=delivered value=${d1}`),
    ]),
    expect: { n1: 'crit', n2: 'warn', n3: 'ok' },
  },
  'herald-silent': {
    key: ['host'],
    lines: [at(min(20), 'scrape_up,host=n1,scrape_target=herald value=1'), at(min(0.5), 'scrape_up,host=n2,scrape_target=herald value=1')],
    expect: { n1: 'crit', n2: 'ok' },
  },
};

/** Rows of an annotated CSV answer (one header per table), as objects. */
function csvRows(body: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let header: string[] | undefined;
  for (const line of body.split(/\r?\n/)) {
    if (line.trim() === '') {
      header = undefined;
      continue;
    }
    const cells = [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1] as string).replace(/^"|"$/g, '').replace(/""/g, '"'));
    if (header === undefined) header = cells;
    else out.push(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
  }
  return out;
}

void t.test('every rule is a task the real InfluxDB accepts (created, read back, deleted)', async (t) => {
  await requireService(t, 'influxdb');
  t.same([...rules.keys()].sort(), Object.keys(SCENARIOS).sort(), 'a scenario for every rule');
  const org = await orgId();
  for (const [name, flux] of rules) {
    const created = await influxApi('POST', '/api/v2/tasks', { orgID: org, flux, status: 'inactive', description: `dash test ${name}` });
    t.equal(created.status, 201, `${name}: created${created.status === 201 ? '' : ` (${JSON.stringify(created.json)})`}`);
    const id = created.json.id as string | undefined;
    if (id === undefined) continue;
    t.teardown(async () => void (await influxApi('DELETE', `/api/v2/tasks/${id}`)));
    const read = await influxApi('GET', `/api/v2/tasks/${id}`);
    t.match(read.json, { name: /^herald: /, status: 'inactive' }, `${name}: read back`);
    t.ok(typeof read.json.every === 'string' && read.json.every !== '', `${name}: runs every ${String(read.json.every)}`);
    const deleted = await influxApi('DELETE', `/api/v2/tasks/${id}`);
    t.equal(deleted.status, 204, `${name}: deleted`);
  }
});

void t.test('a threshold check cannot hold a two-field rule (why the rules are tasks)', async (t) => {
  await requireService(t, 'influxdb');
  const r = await influxApi('POST', '/api/v2/checks', {
    type: 'threshold', name: 'dash probe', orgID: await orgId(), status: 'inactive', every: '1m', offset: '0s', tags: [],
    statusMessageTemplate: 'x', thresholds: [{ type: 'greater', level: 'CRIT', value: 0.95 }],
    query: { editMode: 'advanced', text: 'from(bucket: "herald") |> range(start: v.timeRangeStart) |> filter(fn: (r) => r._measurement == "mesos_container" and (r._field == "mem_rss_bytes" or r._field == "mem_limit_bytes")) |> aggregateWindow(every: 1m, fn: max)' },
  });
  if (r.status === 201) await influxApi('DELETE', `/api/v2/checks/${r.json.id as string}`);
  t.equal(r.status, 400);
  t.match(String(r.json.message), /expected a single field/);
});

void t.test('each rule gives crit / warn / ok on points crossing its thresholds', async (t) => {
  await requireService(t, 'influxdb');
  for (const [name, flux] of rules) {
    const s = SCENARIOS[name]!;
    const bucketName = `dash-alert-${name}-${process.pid}-${NOW}`;
    const bucket = await tempBucket(bucketName);
    t.teardown(bucket.remove);
    await writeLines(bucketName, s.lines);
    const query = flux
      .replace('bucket = "herald"', `bucket = ${JSON.stringify(bucketName)}`)
      .replace('import "influxdata/influxdb/monitor"', 'import "influxdata/influxdb/monitor"\n\noption monitor.write = (tables=<-) => tables');
    t.not(query, flux, `${name}: bucket and monitor.write replaced`);
    const r = await runFlux(query);
    t.equal(r.status, 200, `${name}: runs${r.status === 200 ? '' : `: ${r.body.slice(0, 300)}`}`);
    const levels: Record<string, string> = {};
    for (const row of csvRows(r.body)) {
      if (row['_level'] === undefined) continue;
      levels[s.key.map((k) => row[k]).join('/')] = row['_level'];
      t.equal(row['_check_name']?.startsWith('herald: '), true, `${name}: status carries the check name`);
      t.ok((row['_message'] ?? '') !== '', `${name}: ${row['_level']} "${row['_message'] ?? ''}"`);
    }
    t.same(levels, s.expect, `${name}: levels per series`);
  }
});
