/** Builds cgroup v1/v2 directory trees under a test directory from the recorded cgroup fixture files. */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fixturePath } from './mesos-fakes';

export const RUNC = (f: string) => fixturePath(`cgroup/runc-test-constants/${f}`);
export const TELEGRAF = (f: string) => fixturePath(`cgroup/telegraf-testdata/${f}`);

/** files: path under `root` → fixture file to copy, or `{ text }` for a kernel-documented literal. */
export function buildTree(root: string, files: Record<string, string | { text: string }>): void {
  for (const [rel, src] of Object.entries(files)) {
    const dest = join(root, rel);
    mkdirSync(dirname(dest), { recursive: true });
    if (typeof src === 'string') copyFileSync(src, dest);
    else writeFileSync(dest, src.text);
  }
}

/** A v1 container with well-formed (if extreme) values from runc and telegraf test data. */
export function v1Container(id: string, base = 'mesos'): Record<string, string> {
  return {
    [`cpuacct/${base}/${id}/cpuacct.usage`]: RUNC('v1-cpuacct.cpuAcctUsageContents.txt'),
    [`cpuacct/${base}/${id}/cpuacct.stat`]: RUNC('v1-cpuacct.cpuAcctStatContents.txt'),
    [`cpu/${base}/${id}/cpu.stat`]: RUNC('v1-cpu.TestCpuStats.cpu.stat.rendered.txt'),
    [`cpu/${base}/${id}/cpu.cfs_quota_us`]: TELEGRAF('cpu/cpu.cfs_quota_us'),
    [`memory/${base}/${id}/memory.usage_in_bytes`]: TELEGRAF('memory/memory.usage_in_bytes'),
    // The kernel's "unlimited" (PAGE_COUNTER_MAX × 4 KiB), as recorded in telegraf's kmem limit file.
    [`memory/${base}/${id}/memory.limit_in_bytes`]: TELEGRAF('memory/group_1/memory.kmem.limit_in_bytes'),
    [`memory/${base}/${id}/memory.stat`]: TELEGRAF('memory/memory.stat'),
    [`blkio/${base}/${id}/blkio.throttle.io_service_bytes`]: RUNC('v1-blkio.throttleServiceBytes.txt'),
    [`blkio/${base}/${id}/blkio.throttle.io_serviced`]: RUNC('v1-blkio.throttleServiced.txt'),
  };
}

/** A v2 container (non-leaf) from telegraf's recorded v2 directory. */
export function v2Container(id: string, base = 'mesos'): Record<string, string> {
  const d = `${base}/${id}`;
  const files = ['cpu.stat', 'cpu.max', 'memory.current', 'memory.max', 'memory.stat', 'memory.events', 'memory.swap.current', 'io.stat', 'cpu.pressure', 'memory.pressure', 'io.pressure'];
  return Object.fromEntries(files.map((f) => [`${d}/${f}`, TELEGRAF(`v2/${f}`)]));
}
