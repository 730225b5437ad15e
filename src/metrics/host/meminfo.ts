/**
 * `/proc/meminfo` → `host_memory`. Values in `kB` are KiB (the kernel multiplies pages by PAGE_SIZE/1024):
 * shipped in bytes under snake_case names ending in `_bytes`; `HugePages_*` are page counts.
 * Derived: `used_bytes = total − available` (what `free` calls used since MemAvailable exists) and
 * `used_fraction`. Only the fields below are shipped, so the set is the same on every kernel.
 */
const FIELDS: Readonly<Record<string, string>> = {
  MemTotal: 'total_bytes',
  MemFree: 'free_bytes',
  MemAvailable: 'available_bytes',
  Buffers: 'buffers_bytes',
  Cached: 'cached_bytes',
  SwapCached: 'swap_cached_bytes',
  Active: 'active_bytes',
  Inactive: 'inactive_bytes',
  SwapTotal: 'swap_total_bytes',
  SwapFree: 'swap_free_bytes',
  Dirty: 'dirty_bytes',
  Writeback: 'writeback_bytes',
  AnonPages: 'anon_bytes',
  Mapped: 'mapped_bytes',
  Shmem: 'shmem_bytes',
  Slab: 'slab_bytes',
  SReclaimable: 'slab_reclaimable_bytes',
  SUnreclaim: 'slab_unreclaimable_bytes',
  KernelStack: 'kernel_stack_bytes',
  PageTables: 'page_tables_bytes',
  CommitLimit: 'commit_limit_bytes',
  Committed_AS: 'committed_as_bytes',
  HugePages_Total: 'huge_pages_total',
  HugePages_Free: 'huge_pages_free',
  Hugepagesize: 'huge_page_size_bytes',
};

export function parseMeminfo(text: string): { fields: Record<string, number>; invalid: number } {
  const fields: Record<string, number> = {};
  let invalid = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = FIELDS[line.slice(0, colon)];
    if (name === undefined) continue;
    const m = /^\s*(\d+)(?:\s+(kB))?\s*$/.exec(line.slice(colon + 1));
    if (!m) {
      invalid++;
      continue;
    }
    fields[name] = Number(m[1]) * (m[2] === 'kB' ? 1024 : 1);
  }
  const total = fields['total_bytes'];
  const avail = fields['available_bytes'];
  if (total !== undefined && avail !== undefined && total > 0) {
    fields['used_bytes'] = total - avail;
    fields['used_fraction'] = (total - avail) / total;
  }
  return { fields, invalid };
}
