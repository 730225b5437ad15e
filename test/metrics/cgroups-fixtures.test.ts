import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readContainerCgroup } from '../../src/metrics/cgroups/cgroup-reader';
import { containerDir, detectLayout, listContainers } from '../../src/metrics/cgroups/layout';
import { parseBlkioV1, parseCpuMax, parseFlatKeyed, parseIoStat, parseLimit, parsePressure, parseSingle, Skips } from '../../src/metrics/cgroups/parse';
import { cgroupToValues } from '../../src/metrics/cgroups/to-statistics';
import { buildTree, RUNC, TELEGRAF, v1Container, v2Container } from './cgroup-trees';
import { fixturePath } from './mesos-fakes';

const opts = { userHz: 100 };
const read = (f: string) => readFileSync(f, 'latin1');

void t.test('v1 tree: exact BigInts, units in ns, unlimited limits', async (t) => {
  const root = t.testdir();
  buildTree(root, v1Container('c1'));
  const layout = await detectLayout(root, 'mesos', '');
  t.equal(layout?.version, 1);
  t.same(layout?.subsystems, { cpu: join(root, 'cpu'), cpuacct: join(root, 'cpuacct'), memory: join(root, 'memory'), blkio: join(root, 'blkio') });
  t.same(await listContainers(layout!), ['c1']);
  const skips = new Skips();
  const s = (await readContainerCgroup(layout!, ['c1'], opts, skips))!;
  t.equal(s.cpu.usageNs, 12262454190222160n, 'cpuacct.usage in ns, beyond 2^53 and exact');
  t.equal(s.cpu.userNs, 452278264n * 10_000_000n, 'cpuacct.stat user 452278264 ticks × 1e7 ns (USER_HZ 100)');
  t.equal(s.cpu.userNs, 4522782640000000n);
  t.equal(s.cpu.systemNs, 2914296640000000n);
  t.equal(s.cpu.nrPeriods, 2000n);
  t.equal(s.cpu.nrThrottled, 200n);
  t.equal(s.cpu.throttledNs, 18446744073709551615n, 'runc throttled_time 2^64−1, exact');
  t.equal(s.cpu.unlimited, true, 'cfs_quota_us -1');
  t.equal(s.cpu.quotaUs, undefined);
  t.equal(s.memory.limitRaw, 9223372036854771712n, 'the raw value, exact');
  t.equal(s.memory.unlimited, true);
  t.equal(s.memory.limitBytes, undefined, 'never a sentinel as a limit');
  t.equal(s.memory.usageBytes, 3513667584n);
  t.equal(s.memory.fileBytes, 1739362304123123123n, 'cache beyond 2^53, exact (no total_* keys: local ones)');
  t.equal(s.memory.anonBytes, 1775325184n);
  t.equal(s.memory.mappedFileBytes, 421036032n);
  t.notOk(s.memory.stat.has('dirty'), 'dirty -307200 skipped');
  t.same([...skips.byFile], [['memory.stat', 1]]);
  t.equal(s.io.readBytes, 11030528n * 2n, 'summed over devices 8:0 and 252:0');
  t.equal(s.io.writeBytes, 46n);
  t.equal(s.io.totalBytes, 22061056n, 'the Total line');
  t.equal(s.io.readOps, 328n);
  t.equal(s.io.totalOps, 328n);
  // As ResourceStatistics values (floats like the agent's JSON), unlimited left out.
  const values = new Map<string, number>([['mem_total_bytes', 1]]);
  cgroupToValues(s, values);
  t.equal(values.get('mem_total_bytes'), 1, 'a value the agent gave is kept');
  t.equal(values.get('cpus_user_time_secs'), 4522782.64, '452278264 ticks / 100 per second');
  t.equal(values.get('cpus_throttled_time_secs'), Number(18446744073709551615n) / 1e9);
  t.equal(values.get('mem_rss_bytes'), 1775325184);
  t.equal(values.get('blkio_io_service_bytes_total'), 22061056);
  t.notOk(values.has('mem_limit_bytes'));
  t.notOk(values.has('cpus_limit'));
});

void t.test('v1 nested layout and combined cpu,cpuacct mounts', async (t) => {
  const root = t.testdir();
  buildTree(root, {
    'cpu,cpuacct/mesos/parent/mesos/child/cpuacct.usage': RUNC('v1-cpuacct.cpuAcctUsageContents.txt'),
    'cpu,cpuacct/mesos/parent/cpuacct.usage': RUNC('v1-cpuacct.cpuAcctUsageContents.txt'),
    'memory/mesos/parent/mesos/child/memory.usage_in_bytes': RUNC('v1-memory.memoryUsageContents.txt'),
    'memory/mesos/parent/mesos/child/memory.limit_in_bytes': RUNC('v1-memory.memoryLimitContents.txt'),
    'memory/mesos/parent/mesos/child/memory.stat': RUNC('v1-memory.memoryStatContents.txt'),
  });
  const layout = (await detectLayout(root, 'mesos', ''))!;
  t.equal(layout.subsystems.cpu, join(root, 'cpu,cpuacct'));
  t.equal(layout.subsystems.cpuacct, join(root, 'cpu,cpuacct'));
  t.equal(containerDir(layout, ['parent', 'child'], 'memory'), join(root, 'memory/mesos/parent/mesos/child'));
  t.same(await listContainers(layout), ['parent'], 'top-level containers only (v1 cgroups are hierarchical)');
  const s = (await readContainerCgroup(layout, ['parent', 'child'], opts, new Skips()))!;
  t.equal(s.memory.usageBytes, 2048n);
  t.equal(s.memory.limitBytes, 8192n);
  t.equal(s.memory.unlimited, false);
  t.equal(s.memory.anonBytes, 1024n);
  t.equal(s.cpu.usageNs, 12262454190222160n);
  t.equal(await readContainerCgroup(layout, ['gone'], opts, new Skips()), undefined, 'no cgroup at all');
});

void t.test('v1 broken values from the telegraf fixtures are skipped and counted, never thrown', async (t) => {
  const root = t.testdir();
  buildTree(root, {
    'cpuacct/mesos/b/cpuacct.usage': TELEGRAF('memory/memory.max_usage_in_bytes'), // three lines: 0, -1, 2
    'cpuacct/mesos/b/cpuacct.stat': TELEGRAF('memory/memory.use_hierarchy'), // "12-781"
    'cpu/mesos/b/cpu.stat': RUNC('v1-cpu.TestInvalidCpuStat.cpu.stat.invalid.txt'), // throttled_time fortytwo
    'cpu/mesos/b/cpu.cfs_quota_us': TELEGRAF('memory/memory.empty'),
    'memory/mesos/b/memory.usage_in_bytes': TELEGRAF('broken/malformed.file'), // "garbage"
    'memory/mesos/b/memory.limit_in_bytes': TELEGRAF('memory/memory.limit_in_bytes'), // 223372036854771712 (truncated)
    'memory/mesos/b/memory.stat': TELEGRAF('memory/group_1/memory.stat'),
    'blkio/mesos/b/blkio.throttle.io_serviced': TELEGRAF('cpu/cpuacct.usage_percpu'), // negative numbers, wrong shape
    'blkio/mesos/b/blkio.throttle.io_service_bytes': TELEGRAF('blkio/blkio.io_serviced'), // just "Total 0"
  });
  const layout = (await detectLayout(root, 'mesos', ''))!;
  const skips = new Skips();
  const s = (await readContainerCgroup(layout, ['b'], opts, skips))!;
  t.equal(s.cpu.usageNs, undefined);
  t.equal(s.cpu.userNs, undefined);
  t.equal(s.cpu.nrPeriods, 2000n, 'the good lines of a file survive');
  t.equal(s.cpu.throttledNs, undefined);
  t.equal(s.memory.usageBytes, undefined);
  t.equal(s.memory.limitBytes, 223372036854771712n, 'a truncated unlimited is just a big (finite) number');
  t.equal(s.io.totalBytes, 0n);
  t.equal(s.io.totalOps, undefined);
  t.same(Object.fromEntries(skips.byFile), {
    'cpuacct.usage': 1, 'cpuacct.stat': 1, 'cpu.stat': 1, 'cpu.cfs_quota_us': 1, 'memory.usage_in_bytes': 1, 'memory.stat': 1, 'blkio.throttle.io_serviced': 1,
  });
  t.equal(skips.total, 7);
});

void t.test('every fixture file through every parser: no throw', async (t) => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      if (statSync(join(d, n)).isDirectory()) walk(join(d, n));
      else files.push(join(d, n));
    }
  };
  walk(fixturePath('cgroup'));
  t.equal(files.length, 118);
  const skips = new Skips();
  for (const f of files) {
    const text = read(f);
    parseSingle('x', text, skips);
    parseLimit('x', text, skips);
    parseFlatKeyed('x', text, skips);
    parseBlkioV1('x', text, skips);
    parseIoStat('x', text, skips);
    parsePressure('x', text, skips);
    parseCpuMax('x', text, skips);
  }
  t.ok(skips.total > 0, `${skips.total} values skipped across the corpus`);
});

void t.test('v2 tree: µs → ns, max, pressure, io.stat summed over devices, memory.events', async (t) => {
  const root = t.testdir();
  buildTree(root, {
    'cgroup.controllers': { text: 'cpuset cpu io memory pids\n' },
    ...v2Container('c2'),
    'mesos/c2/leaf/cgroup.procs': { text: '' },
    'mesos/c3/cpu.stat': TELEGRAF('v2/cpu.stat'),
    'mesos/c3/cpu.max': { text: 'max 100000\n' }, // the kernel default (cgroup-v2.rst)
    'mesos/c3/memory.max': TELEGRAF('v2/memory.high'), // "max"
    'mesos/c3/io.stat': RUNC('v2-io.exampleIoStatData.txt'),
    'mesos/c3/memory.stat': RUNC('v2-memory.exampleMemoryStatData.txt'),
    'mesos/c3/cpu.pressure': RUNC('v2-psi.examplePSIData.txt'),
  });
  const layout = (await detectLayout(root, 'mesos', ''))!;
  t.equal(layout.version, 2);
  t.same(await listContainers(layout), ['c2', 'c3']);
  const skips = new Skips();
  const s = (await readContainerCgroup(layout, ['c2'], opts, skips))!;
  t.equal(s.cpu.usageNs, 98701325189000n);
  t.equal(s.cpu.userNs, 61355716211000n);
  t.equal(s.cpu.systemNs, 37345608977000n);
  t.equal(s.cpu.nrPeriods, 3936904n);
  t.equal(s.cpu.nrThrottled, 6004n);
  t.equal(s.cpu.throttledNs, 19175137007000n);
  t.equal(s.cpu.quotaUs, 4800000n);
  t.equal(s.cpu.periodUs, 100000n);
  t.equal(s.memory.usageBytes, 13071106048n);
  t.equal(s.memory.limitBytes, 103079215104n);
  t.equal(s.memory.unlimited, false);
  t.equal(s.memory.anonBytes, 2471755776n);
  t.equal(s.memory.fileBytes, 8532865024n);
  t.equal(s.memory.mappedFileBytes, 14213120n);
  t.equal(s.memory.swapBytes, 0n);
  t.equal(s.memory.events.get('oom_kill'), 0n);
  t.equal(s.memory.events.size, 6);
  t.equal(s.io.readBytes, 74526720n);
  t.equal(s.io.writeBytes, 3789381632n);
  t.equal(s.io.totalOps, 2936n + 181928n);
  t.same(s.pressure.cpu, { some: { avg10: 0, avg60: 0.08, avg300: 0.06, total: 293391454n }, full: { avg10: 0, avg60: 0.08, avg300: 0.05, total: 277111656n } });
  t.equal(skips.total, 0);
  const values = new Map<string, number>();
  cgroupToValues(s, values);
  t.equal(values.get('cpus_limit'), 48);
  t.equal(values.get('cpus_user_time_secs'), 61355.716211);
  t.equal(values.get('cpus_throttled_time_secs'), 19175.137007);
  t.equal(values.get('mem_limit_bytes'), 103079215104);
  t.equal(values.get('cpu_pressure_some_total_secs'), 293.391454);
  t.equal(values.get('io_pressure_full_total_secs'), 184.607952);
  t.equal(values.get('mem_events_oom'), 0);

  const c3 = (await readContainerCgroup(layout, ['c3'], opts, skips))!;
  t.equal(c3.cpu.unlimited, true);
  t.equal(c3.cpu.quotaUs, undefined);
  t.equal(c3.memory.unlimited, true);
  t.equal(c3.memory.limitBytes, undefined);
  t.equal(c3.io.readBytes, 6901432320n + 2702336n + 6911345664n);
  t.equal(c3.io.writeBytes, 14245535744n + 0n + 14245536256n);
  t.same(c3.pressure.cpu?.some, { avg10: 1.71, avg60: 2.36, avg300: 2.57, total: 230548833n });
  const v3 = new Map<string, number>();
  cgroupToValues(c3, v3);
  t.notOk(v3.has('cpus_limit'));
  t.notOk(v3.has('mem_limit_bytes'));
  t.equal(v3.get('mem_rss_bytes'), 790425600);
});

void t.test('layout detection from the mount table', async (t) => {
  const v2 = await detectLayout('/sys/fs/cgroup', 'mesos', 'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n');
  t.same(v2, { version: 2, root: '/sys/fs/cgroup', mesosRoot: 'mesos', subsystems: {} });
  const v1 = await detectLayout('/sys/fs/cgroup/', 'mesos', [
    'tmpfs /sys/fs/cgroup tmpfs ro 0 0',
    'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0',
    'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,cpu,cpuacct 0 0',
    'cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0',
  ].join('\n'));
  t.same(v1, { version: 1, root: '/sys/fs/cgroup', mesosRoot: 'mesos', subsystems: { cpu: '/sys/fs/cgroup/cpu,cpuacct', cpuacct: '/sys/fs/cgroup/cpu,cpuacct', memory: '/sys/fs/cgroup/memory' } }, 'hybrid: v1');
  const real = await detectLayout('/sys/fs/cgroup', 'mesos');
  t.equal(real?.version, 1, 'this machine mounts cgroup v1 controllers');
  t.equal(real?.subsystems.memory, '/sys/fs/cgroup/memory');
  t.equal(await detectLayout(t.testdir(), 'mesos', ''), undefined, 'nothing there');
});
