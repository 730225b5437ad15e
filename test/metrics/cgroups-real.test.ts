/**
 * cgroup v1 on this machine's real filesystem (root): a child cgroup per subsystem under a private Mesos
 * root (`herald-test-<pid>`, so the real `mesos/` is never touched), a child process moved into it that
 * burns CPU and memory on command, read by the same code the agent runs. Cleaned up in teardown.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { readContainerCgroup } from '../../src/metrics/cgroups/cgroup-reader';
import { CgroupAccess } from '../../src/metrics/cgroups/cgroup-access';
import { detectLayout, listContainers } from '../../src/metrics/cgroups/layout';
import { Skips } from '../../src/metrics/cgroups/parse';
import { CardinalityGuard } from '../../src/metrics/cardinality';
import { ContainersCollector } from '../../src/metrics/containers/containers-collector';
import { MetricsOwnMetrics } from '../../src/metrics/own-metrics';
import { createRegistry } from '../../src/observability/metrics';
import { fixtureJson, httpClient, stateMetadata } from './mesos-fakes';

const SUBSYSTEMS = ['cpu', 'cpuacct', 'memory', 'blkio'];
const base = `herald-test-${process.pid}`;
const id = randomUUID();

void t.test('a real v1 container cgroup: usage grows while a process in it works', async (t) => {
  if (!existsSync('/sys/fs/cgroup/cpuacct/cgroup.procs') || process.getuid?.() !== 0) {
    t.fail('this test needs root and cgroup v1 at /sys/fs/cgroup (the project machine has both)');
    return;
  }
  for (const s of SUBSYSTEMS) mkdirSync(`/sys/fs/cgroup/${s}/${base}/${id}`, { recursive: true });
  // A worker that waits for "go", then spins until it has used 300 ms of CPU (at most 20 s of wall time, on a
  // loaded machine), touches 32 MiB, then idles. At a 0.1-core quota that takes at least 3 s of periods, so
  // the kernel throttles it whatever else the machine is doing.
  const child = spawn(process.execPath, ['-e', `
    process.stdin.once('data', () => {
      const start = process.cpuUsage(); const wallEnd = Date.now() + 20000; let x = 0;
      for (;;) { for (let i = 0; i < 100000; i++) x++; const u = process.cpuUsage(start); if (u.user + u.system >= 300000 || Date.now() > wallEnd) break; }
      globalThis.keep = Buffer.alloc(32 * 1024 * 1024, 1);
      process.stdout.write('done\\n');
    });
    setInterval(() => {}, 1000);`], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    for (const s of SUBSYSTEMS) {
      for (const d of [`/sys/fs/cgroup/${s}/${base}/${id}`, `/sys/fs/cgroup/${s}/${base}`]) {
        try {
          rmdirSync(d);
        } catch {
          // already gone
        }
      }
    }
  });
  writeFileSync(`/sys/fs/cgroup/cpu/${base}/${id}/cpu.cfs_period_us`, '100000');
  writeFileSync(`/sys/fs/cgroup/cpu/${base}/${id}/cpu.cfs_quota_us`, '10000'); // a tenth of a core: it gets throttled
  writeFileSync(`/sys/fs/cgroup/memory/${base}/${id}/memory.limit_in_bytes`, String(256 * 1024 * 1024));
  for (const s of SUBSYSTEMS) writeFileSync(`/sys/fs/cgroup/${s}/${base}/${id}/cgroup.procs`, String(child.pid));

  const layout = (await detectLayout('/sys/fs/cgroup', base))!;
  t.equal(layout.version, 1);
  t.same(await listContainers(layout), [id]);
  const skips = new Skips();
  const before = (await readContainerCgroup(layout, [id], { userHz: 100 }, skips))!;
  child.stdin.write('go\n');
  await once(child.stdout, 'data');
  const after = (await readContainerCgroup(layout, [id], { userHz: 100 }, skips))!;
  t.equal(skips.total, 0, 'the real kernel files parse cleanly');
  t.ok(after.cpu.usageNs! - before.cpu.usageNs! >= 250_000_000n, `cpuacct.usage grew by ${after.cpu.usageNs! - before.cpu.usageNs!} ns`);
  t.ok(after.cpu.userNs! + after.cpu.systemNs! > before.cpu.userNs! + before.cpu.systemNs!, 'cpuacct.stat ticks grew');
  t.ok(after.cpu.nrPeriods! > before.cpu.nrPeriods!, 'CFS periods elapsed');
  t.ok(after.cpu.nrThrottled! > 0n, `throttled ${after.cpu.nrThrottled} times at a 0.1 CPU quota`);
  t.ok(after.cpu.throttledNs! > 0n);
  t.equal(after.cpu.quotaUs, 10000n);
  t.equal(after.cpu.periodUs, 100000n);
  t.equal(after.memory.limitBytes, 268435456n);
  t.equal(after.memory.unlimited, false);
  t.ok(after.memory.usageBytes! >= 32n * 1024n * 1024n, `memory.usage_in_bytes ${after.memory.usageBytes}`);
  t.ok(after.memory.anonBytes! >= 30n * 1024n * 1024n, `total_rss ${after.memory.anonBytes}`);
  t.equal(typeof after.io.totalBytes, 'bigint', 'blkio Total line read');

  // The agent is down: the containers collector reports the container from its cgroup alone.
  const registry = createRegistry(false);
  const own = new MetricsOwnMetrics(registry);
  const collector = new ContainersCollector({
    client: httpClient('http://127.0.0.1:9'), // nothing listens on the discard port
    metadata: stateMetadata(fixtureJson('mesos/dcos-metrics.agent-state.json')),
    cgroups: new CgroupAccess({ root: '/sys/fs/cgroup', mesosRoot: base, userHz: 100, own }),
    guard: new CardinalityGuard({ perTask: true, seriesBudgetPerApp: 10, perApp: {} }, registry),
    hostname: 'node-1',
    own,
  });
  const signal = new AbortController().signal;
  const t0 = Date.now();
  const [p0] = await collector.collect(t0, signal);
  t.same(p0!.tags, { host: 'node-1', app: 'unknown', framework: 'unknown', executor: '', container_id: id });
  t.ok((p0!.fields['mem_total_bytes'] as number) >= 32 * 1024 * 1024);
  t.equal(p0!.fields['mem_limit_bytes'], 268435456);
  t.equal(p0!.fields['cpus_limit'], 0.1);
  await new Promise((r) => setTimeout(r, 300));
  const [p1] = await collector.collect(t0 + 300, signal);
  t.equal(typeof p1!.fields['cpus_time_secs_per_sec'], 'number', 'a rate from two cgroup samples');
  t.match(await registry.metrics(), /herald_metrics_container_samples_total\{endpoint="cgroups"\} 2/);
});
