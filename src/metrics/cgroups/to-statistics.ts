/**
 * `CgroupStats` → the `ResourceStatistics`-named values the containers collector ships, computed the way
 * the Mesos isolators compute them (FORMATS.md §1.3), so a dashboard reads one field whether the agent or
 * the cgroup filesystem answered: `cpus_user_time_secs = user ns / 1e9`, `mem_total_bytes =
 * memory.usage_in_bytes` (v2 `memory.current`), `mem_rss_bytes = mem_anon_bytes = total_rss` (v2 `anon`),
 * `mem_cache_bytes = mem_file_bytes = total_cache` (v2 `file`), `cpus_limit = quota / period`.
 * Shipped values are floats like the agent's (its JSON numbers are doubles): the exact BigInts stay in
 * `CgroupStats`. An unlimited limit yields no `*_limit` field at all, never a sentinel.
 */
import type { CgroupStats } from './cgroup-reader';
import type { Pressure } from './parse';

function set(values: Map<string, number>, key: string, v: bigint | undefined, divisor = 1): void {
  if (v === undefined) return;
  values.set(key, divisor === 1 ? Number(v) : Number(v) / divisor);
}

function setPressure(values: Map<string, number>, prefix: string, p: Pressure | undefined): void {
  if (!p) return;
  for (const kind of ['some', 'full'] as const) {
    const line = p[kind];
    if (!line) continue;
    values.set(`${prefix}_pressure_${kind}_avg10`, line.avg10);
    values.set(`${prefix}_pressure_${kind}_total_secs`, Number(line.total) / 1e6);
  }
}

/** Fills `values` with every field the cgroup gave; `values` already set (from the agent) are kept. */
export function cgroupToValues(s: CgroupStats, into: Map<string, number>): number {
  const values = new Map<string, number>();
  set(values, 'cpus_user_time_secs', s.cpu.userNs, 1e9);
  set(values, 'cpus_system_time_secs', s.cpu.systemNs, 1e9);
  set(values, 'cpus_nr_periods', s.cpu.nrPeriods);
  set(values, 'cpus_nr_throttled', s.cpu.nrThrottled);
  set(values, 'cpus_throttled_time_secs', s.cpu.throttledNs, 1e9);
  if (s.cpu.quotaUs !== undefined && s.cpu.periodUs !== undefined && s.cpu.periodUs > 0n) {
    values.set('cpus_limit', Number(s.cpu.quotaUs) / Number(s.cpu.periodUs));
  }
  const m = s.memory;
  set(values, 'mem_total_bytes', m.usageBytes);
  set(values, 'mem_limit_bytes', m.limitBytes);
  set(values, 'mem_rss_bytes', m.anonBytes);
  set(values, 'mem_anon_bytes', m.anonBytes);
  set(values, 'mem_cache_bytes', m.fileBytes);
  set(values, 'mem_file_bytes', m.fileBytes);
  set(values, 'mem_mapped_file_bytes', m.mappedFileBytes);
  set(values, 'mem_swap_bytes', m.swapBytes);
  set(values, 'mem_unevictable_bytes', m.unevictableBytes);
  for (const e of ['high', 'max', 'oom', 'oom_kill'] as const) set(values, `mem_events_${e}`, m.events.get(e));
  set(values, 'blkio_io_service_bytes_read', s.io.readBytes);
  set(values, 'blkio_io_service_bytes_write', s.io.writeBytes);
  set(values, 'blkio_io_service_bytes_total', s.io.totalBytes);
  set(values, 'blkio_io_serviced_read', s.io.readOps);
  set(values, 'blkio_io_serviced_write', s.io.writeOps);
  set(values, 'blkio_io_serviced_total', s.io.totalOps);
  setPressure(values, 'cpu', s.pressure.cpu);
  setPressure(values, 'memory', s.pressure.memory);
  setPressure(values, 'io', s.pressure.io);
  let added = 0;
  for (const [k, v] of values) {
    if (into.has(k)) continue;
    into.set(k, v);
    added++;
  }
  return added;
}
