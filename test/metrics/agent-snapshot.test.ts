import t from 'tap';
import { AgentCollector, AGENT_MEASUREMENT, RESET_FIELD, ResetDetector } from '../../src/metrics/agent/agent-collector';
import { catalogKind, metricKind } from '../../src/metrics/agent/catalog';
import { CATALOG_ROWS } from '../../src/metrics/agent/catalog-rows';
import { normaliseKey, parseSnapshot } from '../../src/metrics/agent/snapshot';
import { MetricsOwnMetrics } from '../../src/metrics/own-metrics';
import { createRegistry } from '../../src/observability/metrics';
import { FixtureAgent, fixtureJson, fixtureText, httpClient } from './mesos-fakes';

const MODERN = 'mesos/docker-practice.agent-metrics-snapshot.json';
const LEGACY = 'mesos/datadog.agent-metrics-snapshot.legacy-and-new-keys.json';
const ESCAPED = 'mesos/diamond.master-metrics-snapshot.escaped-slashes.json';

void t.test('the generated catalogue matches the fixture catalogue, including the doc/code mismatches', async (t) => {
  const catalog = (fixtureJson('mesos/metric-catalog.from-monitoring-md.json') as { metrics: { metric: string; node: string; type_documented: string | null; type_in_source?: string }[] }).metrics;
  t.equal(CATALOG_ROWS.length, catalog.length, '262 rows');
  catalog.forEach((m, i) => {
    const row = CATALOG_ROWS[i]!;
    if (row[0] !== m.metric || row[1] !== (m.type_in_source ?? m.type_documented) || row[2] !== m.node) t.fail(`row ${i} ${m.metric} differs`);
  });
  t.equal(catalogKind('slave/recovery_errors'), 'counter', 'documented gauge, counter in src/slave/metrics.hpp: the code wins');
  t.equal(catalogKind('slave/tasks_gone'), 'counter', 'undocumented, from source');
  t.equal(catalogKind('slave/tasks_killing'), 'gauge', 'undocumented, from source');
  t.equal(catalogKind('slave/uptime_secs'), 'gauge');
  t.equal(catalogKind('resource_providers/org.apache.mesos.rp.local.storage.test/operations/create_disk/finished'), 'counter', 'template with <type>.<name>');
  t.equal(catalogKind('resource_providers/org.apache.mesos.rp.local.storage.test/csi_plugin/rpcs_pending'), 'gauge');
  t.equal(catalogKind('slave/some_future_metric'), undefined);
  t.equal(metricKind('slave/some_future_metric'), 'gauge', 'unknown keys are gauges');
});

void t.test('modern snapshot: every key, exact values, kinds', async (t) => {
  const raw = fixtureJson(MODERN);
  const s = parseSnapshot(raw);
  t.equal(s.values.size, 47);
  t.same([...s.values.keys()], Object.keys(raw), 'names kept verbatim, in order');
  for (const [k, v] of Object.entries(raw)) t.equal(s.values.get(k), v, k);
  t.equal(s.values.get('slave/uptime_secs'), 954125.458927872);
  t.equal(s.values.get('slave/mem_percent'), 0.00279552715654952, 'a fraction, not a percentage');
  t.equal(s.values.get('slave/mem_total'), 15024, 'MB as the agent reports it');
  const counters = [...s.kinds].filter(([, k]) => k === 'counter').map(([n]) => n).sort();
  t.same(counters, [
    'containerizer/mesos/container_destroy_errors', 'slave/container_launch_errors', 'slave/executors_preempted', 'slave/executors_terminated',
    'slave/invalid_framework_messages', 'slave/invalid_status_updates', 'slave/recovery_errors', 'slave/tasks_failed', 'slave/tasks_finished',
    'slave/tasks_killed', 'slave/tasks_lost', 'slave/valid_framework_messages', 'slave/valid_status_updates',
  ]);
  t.equal(s.invalid, 0);
});

void t.test('legacy keys: duplicates of slave/* dropped, others kept; fractions above 1 kept', async (t) => {
  const raw = fixtureJson(LEGACY);
  const s = parseSnapshot(raw);
  t.equal(Object.keys(raw).length, 51);
  t.equal(s.legacyDropped, 9, 'uptime, registered, valid/invalid_status_updates, recovery_errors, failed/finished/killed/lost_tasks');
  t.equal(s.values.size, 42);
  t.notOk(s.values.has('uptime'));
  t.equal(s.values.get('slave/uptime_secs'), 280965.78028288, 'the modern value wins');
  t.equal(s.values.get('slave/cpus_percent'), 1.1);
  t.equal(s.values.get('staged_tasks'), 1);
  t.equal(s.kinds.get('staged_tasks'), 'counter');
  t.equal(s.kinds.get('launched_tasks_gauge'), 'gauge');
  t.equal(s.values.get('total_frameworks'), 1);
  // The same agent when the snapshot left the slave/* keys out (a ?timeout= hit): legacy keys take their place.
  const onlyLegacy = Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('slave/')));
  const l = parseSnapshot(onlyLegacy);
  t.equal(l.legacyRenamed, 9);
  t.equal(l.values.get('slave/uptime_secs'), 280965.77977984);
  t.equal(l.values.get('slave/tasks_failed'), 0);
  t.equal(l.kinds.get('slave/tasks_failed'), 'counter');
  t.notOk(l.values.has('failed_tasks'));
});

void t.test('escaped slashes of old agents normalise to the same names', async (t) => {
  const text = fixtureText(ESCAPED);
  t.match(text, /"master\\\/elected"/, 'the fixture really has escaped slashes');
  const s = parseSnapshot(JSON.parse(text));
  t.same([...s.values], [['master/elected', 1], ['registrar/state_store_ms/p9999', 17.8412544], ['system/mem_free_bytes', 5663678464]]);
  t.equal(s.kinds.get('master/elected'), 'gauge');
  // Double-escaped (a proxy re-encoding the text) still lands on the same key.
  t.equal(normaliseKey('master\\/elected'), 'master/elected');
  const twice = parseSnapshot(JSON.parse(text.replace(/\\\//g, '\\\\/')));
  t.same([...twice.values.keys()], ['master/elected', 'registrar/state_store_ms/p9999', 'system/mem_free_bytes']);
});

void t.test('missing keys and bad values', async (t) => {
  const raw = fixtureJson(MODERN);
  delete raw['slave/uptime_secs'];
  delete raw['slave/tasks_failed'];
  raw['slave/tasks_running'] = 'one';
  raw['slave/mem_used'] = null;
  const s = parseSnapshot(raw);
  t.equal(s.values.size, 43);
  t.equal(s.invalid, 2);
  t.same(parseSnapshot([1, 2]).values.size, 0);
  t.equal(parseSnapshot('x').invalid, 1);
});

void t.test('reset detection: uptime going down, or a counter going down', async (t) => {
  const modern = parseSnapshot(fixtureJson(MODERN));
  const d = new ResetDetector();
  t.equal(d.observe(modern), false, 'first snapshot');
  t.equal(d.observe(modern), false, 'same values');
  t.equal(d.observe(parseSnapshot(fixtureJson(LEGACY))), true, 'uptime 954125 → 280965: the agent restarted');
  const raw = fixtureJson(LEGACY);
  const d2 = new ResetDetector();
  d2.observe(parseSnapshot(raw));
  raw['slave/uptime_secs'] += 10;
  raw['slave/valid_status_updates'] = 0; // counter 1 → 0 while uptime grew (a missed restart in between)
  t.equal(d2.observe(parseSnapshot(raw)), true);
  raw['slave/uptime_secs'] += 10;
  raw['slave/mem_used'] = 1; // a gauge going down is not a reset
  t.equal(d2.observe(parseSnapshot(raw)), false);
});

void t.test('collector over HTTP: one mesos_agent point, ?timeout= passed, resets marked and counted', async (t) => {
  const agent = new FixtureAgent();
  await agent.start();
  t.teardown(() => agent.stop());
  const client = httpClient(agent.url);
  const registry = createRegistry(false);
  const own = new MetricsOwnMetrics(registry);
  const c = new AgentCollector({ client, hostname: 'node-1', own, snapshotTimeoutMs: 5000 });
  const signal = new AbortController().signal;
  agent.routes.set('/metrics/snapshot', fixtureText(MODERN));
  const [p1] = await c.collect(1000, signal);
  t.equal(client.paths[0], '/metrics/snapshot?timeout=5000ms');
  t.equal(p1!.measurement, AGENT_MEASUREMENT);
  t.same(p1!.tags, { host: 'node-1' });
  t.equal(p1!.timestampMs, 1000);
  t.equal(p1!.app, '');
  t.equal(Object.keys(p1!.fields).length, 47);
  t.equal(p1!.fields['slave/tasks_failed'], 6);
  t.notOk(RESET_FIELD in p1!.fields);
  agent.routes.set('/metrics/snapshot', fixtureText(LEGACY));
  const [p2] = await c.collect(2000, signal);
  t.equal(p2!.fields[RESET_FIELD], true);
  t.equal(p2!.fields['slave/uptime_secs'], 280965.78028288);
  const [p3] = await c.collect(3000, signal);
  t.notOk(RESET_FIELD in p3!.fields, 'only the collection that saw the reset');
  t.match(await registry.metrics(), /herald_metrics_counter_resets_total\{collector="agent"\} 1/);
  agent.routes.delete('/metrics/snapshot');
  await t.rejects(c.collect(4000, signal), /HTTP 404/, 'a failed snapshot fails the collection (the source counts it)');
});
