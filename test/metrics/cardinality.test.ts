import t from 'tap';
import { CardinalityGuard, OVERFLOW_MEASUREMENT, type ContainerRecord } from '../../src/metrics/cardinality';
import { RateTracker } from '../../src/metrics/containers/rate-tracker';
import { createRegistry } from '../../src/observability/metrics';

/** Containers of app /a (framework marathon) with values from the dcos-metrics fixture shape. */
function records(n: number, app = '/a', user = 1, dtSec = 10): ContainerRecord[] {
  const tracker = new RateTracker();
  return Array.from({ length: n }, (_, i) => {
    const key = `c${String(i).padStart(3, '0')}`;
    const v0 = new Map([['cpus_user_time_secs', 10], ['cpus_nr_periods', 100], ['cpus_nr_throttled', 10]]);
    tracker.observe(key, v0, 1000, 0);
    const values = new Map([
      ['cpus_user_time_secs', 10 + user * (i + 1)],
      ['cpus_nr_periods', 100 + 100 * (i + 1)],
      ['cpus_nr_throttled', 10 + 10 * i],
      ['mem_rss_bytes', 1000 * (i + 1)],
      ['cpus_limit', 0.5],
      ['cpu_pressure_some_avg10', i],
    ]);
    return { id: { app, framework: 'marathon', executor: `e${i}`, task: `t${i}`, containerKey: key }, values, rate: tracker.observe(key, values, 1000 + dtSec, 0) };
  });
}

void t.test('per app by default: sums, max, ratio from summed deltas; no counters', async (t) => {
  const g = new CardinalityGuard({ perTask: false, seriesBudgetPerApp: 100, perApp: {} }, createRegistry(false));
  const points = g.build('mesos_container', [...records(3), ...records(1, '/b')], 'node-1', 5);
  t.equal(points.length, 2);
  const [a, b] = points;
  t.same(a!.tags, { host: 'node-1', app: '/a', framework: 'marathon' });
  t.equal(a!.app, '/a');
  t.equal(a!.timestampMs, 5);
  // By hand: Δuser = 1, 2, 3 s over 10 s → 0.1 + 0.2 + 0.3 cores.
  t.same(a!.fields, {
    containers: 3,
    mem_rss_bytes: 1000 + 2000 + 3000,
    cpus_limit: 1.5,
    cpu_pressure_some_avg10: 2,
    cpus_user_time_secs_per_sec: 1 / 10 + 2 / 10 + 3 / 10, // summed in container order, as floats
    cpus_nr_periods_per_sec: 10 + 20 + 30,
    cpus_nr_throttled_per_sec: 0 + 1 + 2,
    cpus_time_secs_per_sec: 1 / 10 + 2 / 10 + 3 / 10,
    // Δthrottled (0 + 10 + 20) / Δperiods (100 + 200 + 300)
    cpus_throttled_ratio: 30 / 600,
  });
  t.equal(b!.fields['containers'], 1);
});

void t.test('per task with a budget: overflow folded, counted, reported; slots kept and freed', async (t) => {
  const registry = createRegistry(false);
  const g = new CardinalityGuard({ perTask: false, seriesBudgetPerApp: 2, perApp: { '/a': { per_task: true } } }, registry);
  const recs = records(5);
  const points = g.build('mesos_container', recs, 'node-1', 5);
  const series = points.filter((p) => p.measurement === 'mesos_container');
  t.equal(series.length, 3, 'budget 2 + one _overflow series');
  t.same(series.map((p) => p.tags['container_id']), ['c000', 'c001', '_overflow']);
  t.same(series[0]!.tags, { host: 'node-1', app: '/a', framework: 'marathon', executor: 'e0', task: 't0', container_id: 'c000' });
  t.equal(series[0]!.fields['cpus_user_time_secs'], 11, 'per task: the cumulative counter itself');
  const overflow = series[2]!;
  t.same(overflow.tags, { host: 'node-1', app: '/a', framework: 'marathon', executor: '_overflow', task: '_overflow', container_id: '_overflow' });
  t.equal(overflow.fields['containers'], 3);
  t.equal(overflow.fields['mem_rss_bytes'], 3000 + 4000 + 5000);
  t.notOk('cpus_user_time_secs' in overflow.fields, 'no cumulative counter for a folded series');
  const report = points.find((p) => p.measurement === OVERFLOW_MEASUREMENT)!;
  t.same(report.tags, { host: 'node-1', app: '/a', measurement: 'mesos_container' });
  t.same(report.fields, { series_overflow: 3, series_budget: 2 });
  t.match(await registry.metrics(), /herald_metrics_series_overflow_total\{measurement="mesos_container"\} 3/);

  // c000 goes away: its slot goes to the first waiting container (c002); c001 keeps its slot.
  const next = g.build('mesos_container', recs.slice(1), 'node-1', 6).filter((p) => p.measurement === 'mesos_container');
  t.same(next.map((p) => p.tags['container_id']), ['c001', 'c002', '_overflow']);
  t.equal(next[2]!.fields['containers'], 2);
  t.match(await registry.metrics(), /herald_metrics_series_overflow_total\{measurement="mesos_container"\} 5/);
  t.equal(g.perTaskFor('/b'), false);
  t.equal(g.budgetFor('/b'), 2);
});

void t.test('rates: first sample, reset, time backwards, sweep', async (t) => {
  const r = new RateTracker();
  r.begin();
  const v = (u: number) => new Map([['cpus_user_time_secs', u], ['mem_rss_bytes', 5]]);
  t.equal(r.observe('k', v(1), undefined, 100).outcome, 'first');
  const ok = r.observe('k', v(3), undefined, 110);
  t.equal(ok.outcome, 'rate');
  t.same([...ok.rates], [['cpus_user_time_secs_per_sec', 0.2], ['cpus_time_secs_per_sec', 0.2]]);
  t.equal(r.observe('k', v(2), undefined, 120).outcome, 'reset');
  t.equal(r.observe('k', v(4), undefined, 119).outcome, 'time_backwards');
  t.equal(r.observe('k', v(5), undefined, 129).outcome, 'rate');
  t.equal(r.observe('k', v(6), 5000, 139).outcome, 'first', 'switching between agent and local clocks re-baselines');
  r.begin();
  r.observe('other', v(1), undefined, 1);
  t.equal(r.sweep(), 1, 'k was not seen in this collection');
  t.equal(r.size, 1);
});
