/**
 * The per-container fields Herald knows, by how they behave. Names are Mesos `ResourceStatistics` field
 * names (FORMATS.md §1.3) where Mesos has one; blkio and cgroup-only values get descriptive names with their
 * unit. A field's kind decides what happens to it:
 * - `counter`: cumulative since the container started. Shipped raw only per task (a sum of cumulative
 *   counters over containers that come and go is meaningless); always turned into `<name>_per_sec`.
 *   CPU-time counters are in seconds, so their rate is in cores (CPU seconds per second).
 * - `gauge`: a current value; per app the values are **summed** (bytes, limits, processes).
 * - `max`: a value per container that does not add up (PSI averages, %); per app the **maximum**.
 */
export type FieldKind = 'counter' | 'gauge' | 'max';

export const CONTAINER_FIELDS: Readonly<Record<string, FieldKind>> = {
  // CPU (cgroups/cpu, cgroups/cpuacct or posix/cpu isolators)
  cpus_user_time_secs: 'counter',
  cpus_system_time_secs: 'counter',
  cpus_limit: 'gauge',
  cpus_nr_periods: 'counter',
  cpus_nr_throttled: 'counter',
  cpus_throttled_time_secs: 'counter',
  processes: 'gauge',
  threads: 'gauge',
  // Memory
  mem_total_bytes: 'gauge',
  mem_total_memsw_bytes: 'gauge',
  mem_limit_bytes: 'gauge',
  mem_soft_limit_bytes: 'gauge',
  mem_rss_bytes: 'gauge',
  mem_anon_bytes: 'gauge',
  mem_file_bytes: 'gauge',
  mem_cache_bytes: 'gauge',
  mem_mapped_file_bytes: 'gauge',
  mem_swap_bytes: 'gauge',
  mem_unevictable_bytes: 'gauge',
  mem_low_pressure_counter: 'counter',
  mem_medium_pressure_counter: 'counter',
  mem_critical_pressure_counter: 'counter',
  // Disk quota (disk/du, disk/xfs isolators)
  disk_limit_bytes: 'gauge',
  disk_used_bytes: 'gauge',
  // Network (network/port_mapping isolator)
  net_rx_packets: 'counter',
  net_rx_bytes: 'counter',
  net_rx_errors: 'counter',
  net_rx_dropped: 'counter',
  net_tx_packets: 'counter',
  net_tx_bytes: 'counter',
  net_tx_errors: 'counter',
  net_tx_dropped: 'counter',
  // blkio_statistics.throttling: the cgroup-wide entry (no `device`), else the sum over devices
  blkio_io_service_bytes_read: 'counter',
  blkio_io_service_bytes_write: 'counter',
  blkio_io_service_bytes_total: 'counter',
  blkio_io_serviced_read: 'counter',
  blkio_io_serviced_write: 'counter',
  blkio_io_serviced_total: 'counter',
  // cgroup v2 only (read directly; the agent API has no equivalent)
  mem_events_high: 'counter',
  mem_events_max: 'counter',
  mem_events_oom: 'counter',
  mem_events_oom_kill: 'counter',
  cpu_pressure_some_avg10: 'max',
  cpu_pressure_some_total_secs: 'counter',
  cpu_pressure_full_avg10: 'max',
  cpu_pressure_full_total_secs: 'counter',
  memory_pressure_some_avg10: 'max',
  memory_pressure_some_total_secs: 'counter',
  memory_pressure_full_avg10: 'max',
  memory_pressure_full_total_secs: 'counter',
  io_pressure_some_avg10: 'max',
  io_pressure_some_total_secs: 'counter',
  io_pressure_full_avg10: 'max',
  io_pressure_full_total_secs: 'counter',
};

export const COUNTER_FIELDS: readonly string[] = Object.keys(CONTAINER_FIELDS).filter((k) => CONTAINER_FIELDS[k] === 'counter');

/** Derived fields computed from counter deltas (per container, and per app from summed deltas). */
export const DERIVED_FIELDS = {
  /** (Δuser + Δsystem) / Δt: cores used. */
  cpusUsed: 'cpus_time_secs_per_sec',
  /** Δnr_throttled / Δnr_periods: fraction of CFS periods in which the container was throttled. */
  throttledRatio: 'cpus_throttled_ratio',
} as const;

export function rateName(counter: string): string {
  return `${counter}_per_sec`;
}
