/**
 * deploy/kibana/herald.ndjson: the saved objects are well formed (one JSON object per line, unique ids,
 * every reference and panel reference resolves inside the file), and every field they name — search
 * columns, KQL query fields, control fields, the time field — exists in the index template mapping
 * (deploy/elasticsearch/*.json, dynamic templates included) or in documents built by Herald's real parsers
 * and DocumentEncoder: sandbox lines (app, executor stdout phrase, executor glog on stderr), a syslog line,
 * a throttle summary (the real Throttle), a health change (the real HealthStates) and a dead-letter document.
 * Dataset values queried are the code's own constants and occur in those documents.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createParser } from '../../src/logs/parse';
import { sandboxIdentity } from '../../src/logs/sandbox/identity';
import { EXECUTOR_DATASET, SANDBOX_DATASET, SandboxLineParser } from '../../src/logs/sandbox/sandbox-parser';
import { makeLogEvent, type LogEvent, type LogOrigin } from '../../src/pipeline/records';
import { QOS_DATASET } from '../../src/qos/app-state';
import { qosSchema } from '../../src/qos/config';
import { Throttle } from '../../src/qos/throttle';
import { scrapeSchema } from '../../src/scrape/config';
import { HEALTH_DATASET, HealthStates } from '../../src/scrape/health/health-state';
import { staticTargets } from '../../src/scrape/targets/static-targets';
import { deadLetterDocument, itemError } from '../../src/sinks/elasticsearch/dead-letter';
import { DocumentEncoder } from '../../src/sinks/elasticsearch/encode';
import { FakeClock, testContext } from '../helpers/context';
import { REPO_ROOT } from '../helpers/services';
import { fixtureJson, stateMetadata } from '../metrics/mesos-fakes';

interface SavedObject { id: string; type: string; attributes: Record<string, unknown>; references: { id: string; name: string; type: string }[] }

const objects = readFileSync(join(REPO_ROOT, 'deploy', 'kibana', 'herald.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as SavedObject);
const template = (f: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'deploy', 'elasticsearch', f), 'utf8')) as { template: { mappings: { properties: Record<string, unknown>; dynamic_templates?: Record<string, { path_match?: string }>[] } } };

/** Dotted paths of a mapping's properties (objects, leaves and multi-fields). */
function mappedPaths(props: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    const path = prefix + k;
    out.push(path);
    const m = v as { properties?: Record<string, unknown>; fields?: Record<string, unknown> };
    if (m.properties) out.push(...mappedPaths(m.properties, `${path}.`));
    if (m.fields) out.push(...Object.keys(m.fields).map((f) => `${path}.${f}`));
  }
  return out;
}

/** Dotted paths of a document (objects and leaves). */
function docPaths(doc: unknown, prefix = ''): string[] {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return [];
  return Object.entries(doc).flatMap(([k, v]) => [prefix + k, ...docPaths(v, `${prefix}${k}.`)]);
}

function buildLogDocuments(dir: string): Record<string, unknown>[] {
  const encoder = new DocumentEncoder('dash-node-1');
  const run = stateMetadata(fixtureJson('mesos/datadog.agent-state.marathon-task.json')).runs()[0]!;
  const ref = { path: run.directory, runPath: run.directory, agentId: run.agentId, frameworkId: run.frameworkId, executorId: run.executorId, containerId: run.containerId, nested: [] };
  const events: LogEvent[] = [];
  const line = (origin: LogOrigin, text: string, parse: (e: LogEvent) => void) => {
    const e = makeLogEvent(origin, text, 0, Buffer.byteLength(text), 0, Date.now());
    parse(e);
    events.push(e);
    return e;
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    const origin: LogOrigin = { path: `${run.directory}/${stream}`, dataset: SANDBOX_DATASET, identity: sandboxIdentity(run, ref, stream) };
    const parser = new SandboxLineParser({ format: 'auto', executorRule: stream, taskIds: new Set(run.tasks.map((x) => x.id)) });
    line(origin, '{"level":"error","msg":"payment failed","order":42}', (e) => parser.parse(e, Date.now()));
    if (stream === 'stdout') line(origin, `Starting task ${run.tasks[0]!.id}`, (e) => parser.parse(e, Date.now()));
    else line(origin, 'I1121 12:00:00.123456  1234 exec.cpp:162] Version: 1.4.0', (e) => parser.parse(e, Date.now()));
  }
  const syslog = createParser('syslog');
  line({ path: '/var/log/messages', dataset: 'system.syslog', identity: { app: '', docFragment: '', labels: {} } }, '<11>Nov 21 12:00:00 node-1 sshd[12]: session broke', (e) => syslog.parse(e, Date.now()));
  // A throttle summary: an app over its limit, then the summary interval passes.
  const clock = new FakeClock(Date.now());
  const ctx = testContext(dir, { clock });
  const throttle = new Throttle(qosSchema.parse({ defaults: { lines_per_sec: 1, burst_lines: 1, bytes_per_sec: 0 } }), ctx);
  const appOrigin = events[0]!.origin;
  throttle.apply({ records: [0, 1, 2].map((i) => makeLogEvent(appOrigin, `line ${i}`, i, 10, 0, Date.now())) });
  clock.advance(60_000);
  events.push(...throttle.apply({ records: [] }).records.filter((r): r is LogEvent => r.kind === 'log'));
  // A health change: up, then down.
  const [health] = staticTargets(scrapeSchema.parse({ self: false, targets: [{ name: 'web', url: 'http://127.0.0.1:1/', format: 'http_health', app: '/dash/web' }] }), 'dash-node-1', undefined);
  const states = new HealthStates();
  states.observe(health!, true, undefined, Date.now());
  events.push(states.observe(health!, false, 'HTTP status 503', Date.now())!);
  return events.map((e) => JSON.parse(encoder.encode(e)) as Record<string, unknown>);
}

void t.test('the saved objects are well formed and their references resolve', async (t) => {
  const byKey = new Map(objects.map((o) => [`${o.type}:${o.id}`, o]));
  t.equal(byKey.size, objects.length, 'ids unique per type');
  t.same(objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title), ['herald-logs-*', 'herald-dead-letter-*']);
  for (const o of objects) {
    for (const r of o.references) t.ok(byKey.has(`${r.type}:${r.id}`), `${o.id}: reference ${r.name} → ${r.type}:${r.id}`);
    const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON?: string } | undefined;
    if (meta?.searchSourceJSON !== undefined) {
      const source = JSON.parse(meta.searchSourceJSON) as { indexRefName?: string };
      if (source.indexRefName !== undefined) t.ok(o.references.some((r) => r.name === source.indexRefName && r.type === 'index-pattern'), `${o.id}: index reference`);
    }
    if (o.type === 'dashboard') {
      const panels = JSON.parse(o.attributes.panelsJSON as string) as { panelRefName: string; type: string }[];
      t.ok(panels.length >= 7, `${o.id}: ${panels.length} panels`);
      for (const p of panels) t.ok(o.references.some((r) => r.name === p.panelRefName && r.type === p.type), `${o.id}: ${p.panelRefName}`);
    }
    if (o.type === 'visualization') {
      const vis = JSON.parse(o.attributes.visState as string) as { type: string; params: { controls: { indexPatternRefName: string }[] } };
      t.equal(vis.type, 'input_control_vis');
      for (const c of vis.params.controls) t.ok(o.references.some((r) => r.name === c.indexPatternRefName), `${o.id}: ${c.indexPatternRefName}`);
    }
  }
});

void t.test('every field the saved objects name exists in the mapping or in real documents', async (t) => {
  const logs = template('index-template.json').template.mappings;
  const deadLetter = template('dead-letter-index-template.json').template.mappings;
  const docs = buildLogDocuments(t.testdir());
  const datasets = new Set(docs.map((d) => (d.event as { dataset: string }).dataset));
  t.same([...datasets].sort(), [HEALTH_DATASET, QOS_DATASET, EXECUTOR_DATASET, SANDBOX_DATASET, 'system.syslog'].sort(), 'documents of every dataset built');
  const dynamic = (logs.dynamic_templates ?? []).flatMap((d) => Object.values(d).map((x) => x.path_match)).filter((p): p is string => p !== undefined);
  const dl = JSON.parse(deadLetterDocument(JSON.stringify(docs[0]), 'herald-logs-2026.11.21', itemError(400, { error: { type: 'mapper_parsing_exception', reason: 'failed to parse' } }), Date.now(), '"host":{"name":"dash-node-1"}'));
  const known: Record<string, Set<string>> = {
    'herald-logs': new Set([...mappedPaths(logs.properties), ...docs.flatMap((d) => docPaths(d))]),
    'herald-dead-letter': new Set([...mappedPaths(deadLetter.properties), ...docPaths(dl)]),
  };
  const exists = (view: string, field: string) => known[view]!.has(field) || (view === 'herald-logs' && dynamic.some((p) => field.startsWith(p.replace(/\*$/, ''))));
  const viewOf = (o: SavedObject) => o.references.find((r) => r.type === 'index-pattern')?.id ?? '';
  let checked = 0;
  for (const o of objects) {
    const fields: string[] = [];
    if (o.type === 'index-pattern') fields.push(o.attributes.timeFieldName as string);
    if (o.type === 'search') {
      fields.push(...(o.attributes.columns as string[]), ...(o.attributes.sort as string[][]).map((s) => s[0] as string));
      const query = (JSON.parse((o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON) as { query: { query: string } }).query.query;
      fields.push(...[...query.matchAll(/([\w.@]+)\s*:/g)].map((m) => m[1] as string));
      for (const m of query.matchAll(/event\.dataset\s*:\s*"([^"]+)"/g)) t.ok(datasets.has(m[1] as string), `${o.id}: dataset ${m[1]} occurs in real documents`);
    }
    if (o.type === 'visualization') {
      fields.push(...(JSON.parse(o.attributes.visState as string) as { params: { controls: { fieldName: string }[] } }).params.controls.map((c) => c.fieldName));
    }
    const view = o.type === 'index-pattern' ? o.id : viewOf(o);
    for (const f of fields) {
      checked++;
      t.ok(exists(view, f), `${o.id}: ${f} exists in ${view}`);
    }
  }
  t.ok(checked >= 40, `${checked} field references checked`);
  // The names the checks rely on are really produced (a parser or encoder rename fails here first).
  for (const f of ['service.name', 'log.logger', 'mesos.task.id', 'mesos.stream', 'herald.qos.dropped_lines', 'herald.health.state', 'error.message', 'url.original']) {
    t.ok(docs.some((d) => docPaths(d).includes(f)), `${f} in a real document`);
  }
  t.ok(docs.some((d) => (d.log as { level?: string }).level === 'error'), 'an error-level document (log.level error)');
});
