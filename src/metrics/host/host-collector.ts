/**
 * Host-level metrics, one reader per /proc file: `host_cpu`, `host_memory`, `host_load`, `host_disk`
 * (per disk), `host_net` (per interface), `host_filesystem` (per configured mount). Rates use the monotonic
 * clock between two collections, so a wall-clock step never makes a negative or huge rate. One unreadable
 * file costs only its own points (counted `unreadable`); the collection fails only if every read failed.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../pipeline/context';
import { makeMetricPoint, type MetricPoint } from '../../pipeline/records';
import type { Collector } from '../collector';
import type { MetricsOwnMetrics, SkipReason } from '../own-metrics';
import { Deltas } from './deltas';
import { diskFields, parseDiskstats } from './diskstats';
import { filesystemFields } from './filesystem';
import { parseLoadavg } from './loadavg';
import { parseMeminfo } from './meminfo';
import { nameFilter, NET_FIELDS, parseNetDev } from './net-dev';
import { CpuRates, parseProcStat } from './proc-stat';

export interface HostCollectorOptions {
  hostname: string;
  clock: Clock;
  own: MetricsOwnMetrics;
  mounts: readonly string[];
  disksExclude: readonly string[];
  interfacesExclude: readonly string[];
  procRoot?: string;
  sysRoot?: string;
}

export class HostCollector implements Collector {
  readonly name = 'host' as const;
  readonly #cpu = new CpuRates();
  readonly #disks = new Deltas();
  readonly #nets = new Deltas();
  readonly #diskExcluded;
  readonly #ifaceExcluded;
  readonly #proc;

  constructor(private readonly opts: HostCollectorOptions) {
    this.#diskExcluded = nameFilter(opts.disksExclude);
    this.#ifaceExcluded = nameFilter(opts.interfacesExclude);
    this.#proc = opts.procRoot ?? '/proc';
  }

  async collect(nowMs: number): Promise<MetricPoint[]> {
    const tSec = this.opts.clock.monotonic() / 1000;
    const host = this.opts.hostname;
    const points: MetricPoint[] = [];
    const read = (f: string) => readFile(join(this.#proc, f), 'latin1');
    const [stat, mem, load, disks, net, wholeDisks] = await Promise.allSettled([
      read('stat'), read('meminfo'), read('loadavg'), read('diskstats'), read('net/dev'), readdir(join(this.opts.sysRoot ?? '/sys', 'block')),
    ]);
    let failures = 0;
    const skip = (reason: SkipReason, n = 1) => n > 0 && this.opts.own.skipped.inc({ collector: 'host', reason }, n);

    if (stat.status === 'fulfilled') {
      const s = parseProcStat(stat.value);
      const f = s ? this.#cpu.fields(s, tSec) : 'invalid';
      if (f === 'invalid') skip('invalid_value');
      else if (f === 'reset') skip('counter_reset');
      else if (f === 'time_backwards') skip('time_backwards');
      else if (f !== 'first') points.push(makeMetricPoint('host_cpu', { host }, f, nowMs));
    } else failures++;

    if (mem.status === 'fulfilled') {
      const m = parseMeminfo(mem.value);
      skip('invalid_value', m.invalid);
      if (Object.keys(m.fields).length > 0) points.push(makeMetricPoint('host_memory', { host }, m.fields, nowMs));
    } else failures++;

    if (load.status === 'fulfilled') {
      const l = parseLoadavg(load.value);
      if (l) points.push(makeMetricPoint('host_load', { host }, l, nowMs));
      else skip('invalid_value');
    } else failures++;

    if (disks.status === 'fulfilled') {
      const whole = wholeDisks.status === 'fulfilled' ? new Set(wholeDisks.value) : undefined;
      const parsed = parseDiskstats(disks.value);
      skip('invalid_value', parsed.invalid);
      this.#disks.begin();
      for (const d of parsed.lines) {
        if ((whole && !whole.has(d.device)) || this.#diskExcluded(d.device)) continue;
        const step = this.#disks.step(d.device, tSec, d.values);
        if (step === 'reset' || step === 'time_backwards') skip(step === 'reset' ? 'counter_reset' : 'time_backwards');
        if (typeof step === 'string') continue;
        points.push(makeMetricPoint('host_disk', { host, device: d.device }, diskFields(step.deltas, step.dtSec, d.values[8] as number), nowMs));
      }
      this.#disks.sweep();
    } else failures++;

    if (net.status === 'fulfilled') {
      const parsed = parseNetDev(net.value);
      skip('invalid_value', parsed.invalid);
      this.#nets.begin();
      for (const n of parsed.lines) {
        if (this.#ifaceExcluded(n.iface)) continue;
        const step = this.#nets.step(n.iface, tSec, n.values);
        if (step === 'reset' || step === 'time_backwards') skip(step === 'reset' ? 'counter_reset' : 'time_backwards');
        if (typeof step === 'string') continue;
        const fields: Record<string, number> = {};
        NET_FIELDS.forEach((name, i) => (fields[`${name}_per_sec`] = (step.deltas[i] as number) / step.dtSec));
        points.push(makeMetricPoint('host_net', { host, interface: n.iface }, fields, nowMs));
      }
      this.#nets.sweep();
    } else failures++;

    for (const path of this.opts.mounts) {
      try {
        points.push(makeMetricPoint('host_filesystem', { host, path }, await filesystemFields(path), nowMs));
      } catch {
        failures++;
      }
    }
    skip('unreadable', failures);
    if (failures === 5 + this.opts.mounts.length) throw new Error(`no host metric could be read under ${this.#proc}`);
    return points;
  }
}
