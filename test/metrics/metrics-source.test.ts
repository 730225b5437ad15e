import t from 'tap';
import { metricsSchema } from '../../src/metrics/config';
import { createMesosMetricsSource, hostMetricsSource, mesosMetricsSource } from '../../src/metrics/index';
import { MetricsSource } from '../../src/metrics/metrics-source';
import { MetricsOwnMetrics } from '../../src/metrics/own-metrics';
import type { Collector } from '../../src/metrics/collector';
import { makeMetricPoint, type HeraldRecord, type MetricPoint } from '../../src/pipeline/records';
import type { Batch } from '../../src/pipeline/contracts';
import { createRegistry } from '../../src/observability/metrics';
import { capturingLogger, testContext } from '../helpers/context';
import { FixtureAgent, fixtureJson, fixtureText, httpClient, stateMetadata } from './mesos-fakes';

void t.test('config: defaults, units, strictness', async (t) => {
  const c = metricsSchema.parse({});
  t.equal(c.interval_ms, 10_000);
  t.same(c.cgroups, { enabled: true, root: '/sys/fs/cgroup', mesos_root: 'mesos', user_hz: 100 });
  t.same(c.host.mounts, ['/']);
  t.equal(c.per_task, false);
  t.equal(c.series_budget_per_app, 100);
  t.equal(metricsSchema.parse({ interval_ms: '30s' }).interval_ms, 30_000);
  t.equal(metricsSchema.safeParse({ interval_ms: 10 }).success, false, 'below 1s');
  t.equal(metricsSchema.safeParse({ agent: { enable: true } }).success, false, 'unknown keys are errors');
  t.equal(metricsSchema.safeParse({ cgroups: { mesos_root: '/mesos' } }).success, false);
  t.same(metricsSchema.parse({ per_app_overrides: { '/shop/web': { per_task: true } } }).per_app_overrides, { '/shop/web': { per_task: true } });
});

class ScriptedCollector implements Collector {
  readonly name = 'host' as const;
  calls = 0;
  constructor(private readonly fail: (n: number) => boolean) {}
  async collect(nowMs: number): Promise<MetricPoint[]> {
    this.calls++;
    if (this.fail(this.calls)) throw new Error(`boom ${this.calls}`);
    return [makeMetricPoint('m', { host: 'h' }, { v: this.calls }, nowMs)];
  }
}

void t.test('one batch per interval, timer starts when the batch is taken; failures counted, logged once, never fatal', async (t) => {
  const { logger, lines } = capturingLogger();
  const registry = createRegistry(false);
  const context = testContext(t.testdir(), { logger, metrics: registry });
  const collector = new ScriptedCollector((n) => n === 2 || n === 3);
  const src = new MetricsSource({ name: 'metrics', collectors: [collector], intervalMs: 1000, context, own: new MetricsOwnMetrics(registry) });
  const ac = new AbortController();
  const it = src.batches(ac.signal)[Symbol.asyncIterator]();
  const b1 = await it.next();
  t.same((b1.value!.records[0] as MetricPoint).fields, { v: 1 });
  t.equal(collector.calls, 1, 'nothing collected while the batch is not taken');
  const started = Date.now();
  const b2 = await it.next(); // collections 2 and 3 fail: no batch, the source keeps going
  t.same((b2.value!.records[0] as MetricPoint).fields, { v: 4 });
  t.ok(Date.now() - started >= 2900, 'three intervals of 1 s');
  const m = await registry.metrics();
  t.match(m, /herald_metrics_collection_errors_total\{collector="host"\} 2/);
  t.match(m, /herald_metrics_collections_total\{collector="host",result="ok"\} 2/);
  const warns = lines.filter((l) => l.includes('metric collection'));
  t.equal(warns.length, 2, 'first failure and recovery; the second failure within a minute is not logged');
  t.match(warns[0], /"collector":"host".*"err":"boom 2"/);
  t.match(warns[1], /recovered.*|"failures":2/);
  // Abort during the wait ends the iteration promptly.
  const pending = it.next();
  const t0 = Date.now();
  ac.abort();
  t.same(await pending, { value: undefined, done: true });
  t.ok(Date.now() - t0 < 500);
  await src.close();
  await src.close();
});

void t.test('mesos_metrics end to end over recorded payloads; descriptors', async (t) => {
  t.equal(mesosMetricsSource.type, 'mesos_metrics');
  t.equal(mesosMetricsSource.kind, 'source');
  t.equal(hostMetricsSource.type, 'host_metrics');
  const agent = new FixtureAgent();
  await agent.start();
  t.teardown(() => agent.stop());
  agent.routes.set('/metrics/snapshot', fixtureText('mesos/docker-practice.agent-metrics-snapshot.json'));
  agent.routes.set('/containers', fixtureText('mesos/dcos-metrics.container-metrics-blkio.json'));
  const context = testContext(t.testdir());
  const metrics = metricsSchema.parse({ interval_ms: '1s', cgroups: { root: t.testdir() } });
  const src = mesosMetricsSource.create({ name: 'mesos', metrics, mesos: { client: httpClient(agent.url), metadata: stateMetadata(fixtureJson('mesos/dcos-metrics.agent-state.json')) }, mountsText: '' }, context);
  const ac = new AbortController();
  const it = src.batches(ac.signal)[Symbol.asyncIterator]();
  const b = (await it.next()).value as Batch<HeraldRecord>;
  const byMeasurement = Object.fromEntries(b.records.map((r) => [(r as MetricPoint).measurement, r as MetricPoint]));
  t.same(Object.keys(byMeasurement).sort(), ['mesos_agent', 'mesos_container']);
  t.equal(byMeasurement['mesos_agent']!.tags['host'], 'node-1.test');
  t.equal(byMeasurement['mesos_container']!.fields['mem_rss_bytes'], 435118080);
  t.notOk('blkio_io_serviced_total' in byMeasurement['mesos_container']!.fields, 'a cumulative counter: per task only');
  t.same(byMeasurement['mesos_container']!.tags, { host: 'node-1.test', app: '/foo', framework: 'marathon' });
  ac.abort();
  t.same(await it.next(), { value: undefined, done: true });
  await src.close?.();
  // A source closed before it ever started is fine too.
  await createMesosMetricsSource({ name: 'x', metrics, mesos: { client: httpClient(agent.url), metadata: stateMetadata({}) } }, context).close();
});
