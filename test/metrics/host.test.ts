import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseDiskstats } from '../../src/metrics/host/diskstats';
import { HostCollector } from '../../src/metrics/host/host-collector';
import { parseLoadavg } from '../../src/metrics/host/loadavg';
import { parseMeminfo } from '../../src/metrics/host/meminfo';
import { nameFilter, parseNetDev } from '../../src/metrics/host/net-dev';
import { CpuRates, parseProcStat } from '../../src/metrics/host/proc-stat';
import { MetricsOwnMetrics } from '../../src/metrics/own-metrics';
import { createRegistry } from '../../src/observability/metrics';
import type { MetricPoint } from '../../src/pipeline/records';
import { FakeClock } from '../helpers/context';

const proc = (f: string) => readFileSync(`/proc/${f}`, 'latin1');

void t.test('real /proc/stat: per-state fractions add up to 1', async (t) => {
  const a = parseProcStat(proc('stat'))!;
  t.ok(a.cpus >= 1);
  const rates = new CpuRates();
  t.equal(rates.fields(a, 1), 'first');
  const end = Date.now() + 200;
  while (Date.now() < end); // burn a little so user time moves
  const b = parseProcStat(proc('stat'))!;
  const f = rates.fields(b, 1.2) as Record<string, number>;
  const states = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'];
  const sum = states.reduce((s, k) => s + f[`${k}_fraction`]!, 0);
  t.ok(Math.abs(sum - 1) < 1e-9, `sum of fractions ${sum}`);
  t.ok(f['user_fraction']! > 0, 'this test itself used user time');
  t.ok(f['usage_fraction']! > 0 && f['usage_fraction']! <= 1);
  t.ok(f['context_switches_per_sec']! > 0);
  t.equal(f['cpus'], a.cpus);
  // Counters that went down (a different boot): no rates, re-baselined.
  t.equal(rates.fields(a, 1.4), 'reset');
  t.equal(rates.fields(b, 1.3), 'time_backwards');
});

void t.test('real /proc/meminfo, /proc/loadavg, /proc/diskstats, /proc/net/dev parse', async (t) => {
  const m = parseMeminfo(proc('meminfo'));
  t.equal(m.invalid, 0);
  const totalKb = Number(/MemTotal:\s+(\d+) kB/.exec(proc('meminfo'))![1]);
  t.equal(m.fields['total_bytes'], totalKb * 1024, 'kB are KiB');
  t.ok(m.fields['used_bytes']! > 0 && m.fields['used_fraction']! < 1);
  t.same(parseMeminfo('MemTotal: lots kB\nMemFree: 1 kB\n'), { fields: { free_bytes: 1024 }, invalid: 1 });
  const l = parseLoadavg(proc('loadavg'))!;
  t.ok(l.procs_total! >= l.procs_running!);
  t.same(parseLoadavg('1.73 1.24 2.09 3/199 7312\n'), { load1: 1.73, load5: 1.24, load15: 2.09, procs_running: 3, procs_total: 199 });
  t.equal(parseLoadavg('garbage'), undefined);
  const d = parseDiskstats(proc('diskstats'));
  t.equal(d.invalid, 0);
  t.ok(d.lines.length > 0);
  const n = parseNetDev(proc('net/dev'));
  t.equal(n.invalid, 0);
  t.ok(n.lines.some((x) => x.iface === 'lo'));
  const excluded = nameFilter(['lo', 'veth*']);
  t.ok(excluded('lo') && excluded('veth12ab') && !excluded('eth0'));
});

void t.test('host collector on the real /proc: rates on the second collection', async (t) => {
  const registry = createRegistry(false);
  const clock = new FakeClock();
  const c = new HostCollector({ hostname: 'node-1', clock, own: new MetricsOwnMetrics(registry), mounts: ['/', '/does-not-exist'], disksExclude: ['loop*', 'ram*', 'zram*'], interfacesExclude: ['lo', 'veth*'] });
  const first = await c.collect(clock.now());
  const kinds = (ps: MetricPoint[]) => [...new Set(ps.map((p) => p.measurement))].sort();
  t.same(kinds(first), ['host_filesystem', 'host_load', 'host_memory'], 'no rates yet');
  const fs = first.find((p) => p.measurement === 'host_filesystem')!;
  t.same(fs.tags, { host: 'node-1', path: '/' });
  t.ok((fs.fields['total_bytes'] as number) > 0 && (fs.fields['used_fraction'] as number) <= 1);
  await new Promise((r) => setTimeout(r, 200));
  clock.advance(1000);
  const second = await c.collect(clock.now());
  const names = kinds(second);
  for (const m of ['host_cpu', 'host_disk', 'host_net']) t.ok(names.includes(m), m);
  const disks = second.filter((p) => p.measurement === 'host_disk').map((p) => p.tags['device']);
  t.notOk(disks.some((d) => /^(loop|zram)/.test(d!)), `whole disks only: ${disks.join(',')}`);
  t.notOk(second.some((p) => p.tags['interface'] === 'lo'));
  const eth = second.find((p) => p.measurement === 'host_net')!;
  t.ok((eth.fields['rx_bytes_per_sec'] as number) >= 0);
  t.match(await registry.metrics(), /herald_metrics_values_skipped_total\{collector="host",reason="unreadable"\} 2/, 'the missing mount, counted each time');
  const broken = new HostCollector({ hostname: 'n', clock, own: new MetricsOwnMetrics(registry), mounts: [], disksExclude: [], interfacesExclude: [], procRoot: t.testdir() });
  await t.rejects(broken.collect(1), /no host metric could be read/);
});
