/**
 * CPU cost of one metrics collection on a node with 200 containers, as % of one core at a 10 s interval.
 * The agent is a separate process (its CPU is not counted) serving `/metrics/snapshot` and 200 `/containers`
 * entries cloned from the recorded dcos-metrics entry with new container ids; 200 v1 cgroup directories
 * built from the runc/telegraf fixture files sit in a temp tree. Scenarios: agent up (per app, per task),
 * agent down (every container read from its cgroup), host metrics alone.
 * Run from the repository root (it reads test/fixtures/metrics): see bench/README.md.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { ExecutorRun, MesosAgentClient, MesosMetadata } from '../src/mesos/model';
import { metricsSchema } from '../src/metrics/config';
import { createHostMetricsSource, createMesosMetricsSource } from '../src/metrics/index';
import type { MetricsSource } from '../src/metrics/metrics-source';
import { createRegistry } from '../src/observability/metrics';
import { systemClock, type ComponentContext } from '../src/pipeline/context';

const FIX = join(process.cwd(), 'test/fixtures/metrics');
const N = 200;
const ROUNDS = 30;

const ids = Array.from({ length: N }, () => randomUUID());
const entry = (JSON.parse(readFileSync(join(FIX, 'mesos/dcos-metrics.container-metrics.json'), 'utf8')) as { framework_id: string }[])[0]!;
const containers = ids.map((id, i) => ({ ...entry, container_id: id, executor_id: `app${i % 20}.${id}` }));

function metadata(): MesosMetadata {
  const byId = new Map<string, ExecutorRun>();
  ids.forEach((id, i) => byId.set(id, {
    agentId: 'S0', frameworkId: entry.framework_id, frameworkName: 'marathon', executorId: `app${i % 20}.${id}`, executorName: '',
    containerId: id, directory: '', completed: false, tasks: [{ id: `app${i % 20}.${id}`, name: `app${i % 20}`, state: 'TASK_RUNNING', labels: {}, hostPorts: [], portNames: {}, ipAddresses: [] }],
    app: `/group/app${i % 20}`, appSource: 'marathon_task_id', labels: {},
  }));
  const runs = [...byId.values()];
  return {
    reachable: true, refresh: () => Promise.resolve(true), refreshSoon() {}, agent: () => ({ agentId: 'S0', hostname: 'n', workDir: undefined, version: '1.11.0' }),
    runs: () => runs, bySandbox: () => undefined, byContainerId: (id) => byId.get(id), onChange: () => () => {}, close() {},
  };
}

function client(baseUrl: string): MesosAgentClient {
  return {
    baseUrl,
    async getJson(path, signal) {
      const res = await fetch(baseUrl + path, signal ? { signal } : {});
      if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
      return res.json();
    },
    close() {},
  };
}

function cgroupTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'herald-metrics-bench-'));
  const runc = (f: string) => join(FIX, 'cgroup/runc-test-constants', f);
  const tele = (f: string) => join(FIX, 'cgroup/telegraf-testdata', f);
  const files: [string, string][] = [
    ['cpuacct', runc('v1-cpuacct.cpuAcctUsageContents.txt')], ['cpuacct', runc('v1-cpuacct.cpuAcctStatContents.txt')],
    ['cpu', runc('v1-cpu.TestCpuStats.cpu.stat.rendered.txt')], ['cpu', tele('cpu/cpu.cfs_quota_us')],
    ['memory', tele('memory/memory.usage_in_bytes')], ['memory', tele('memory/group_1/memory.kmem.limit_in_bytes')],
    ['memory', runc('v1-memory.memoryStatContents.txt')],
    ['blkio', runc('v1-blkio.throttleServiceBytes.txt')], ['blkio', runc('v1-blkio.throttleServiced.txt')],
  ];
  const names = ['cpuacct.usage', 'cpuacct.stat', 'cpu.stat', 'cpu.cfs_quota_us', 'memory.usage_in_bytes', 'memory.limit_in_bytes', 'memory.stat', 'blkio.throttle.io_service_bytes', 'blkio.throttle.io_serviced'];
  for (const id of ids) {
    files.forEach(([sub, src], i) => {
      const dir = join(root, sub, 'mesos', id);
      mkdirSync(dir, { recursive: true });
      copyFileSync(src, join(dir, names[i] as string));
    });
  }
  return root;
}

async function startAgent(): Promise<{ url: string; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-metrics-agent-'));
  writeFileSync(join(dir, 'containers.json'), JSON.stringify(containers));
  writeFileSync(join(dir, 'snapshot.json'), readFileSync(join(FIX, 'mesos/docker-practice.agent-metrics-snapshot.json')));
  const script = `
    const fs = require('fs'), http = require('http');
    const c = fs.readFileSync(${JSON.stringify(join(dir, 'containers.json'))}), s = fs.readFileSync(${JSON.stringify(join(dir, 'snapshot.json'))});
    http.createServer((req, res) => {
      const p = req.url.split('?')[0];
      if (p === '/containers') res.end(c); else if (p === '/metrics/snapshot') res.end(s); else { res.statusCode = 404; res.end(); }
    }).listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}`, stop: () => { child.kill(); rmSync(dir, { recursive: true, force: true }); } };
}

async function measure(label: string, src: MetricsSource, expectPoints: (n: number) => boolean): Promise<void> {
  const signal = new AbortController().signal;
  await src.collectOnce(signal); // warm-up + rate baselines
  const times: number[] = [];
  let points = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const before = process.cpuUsage();
    points = (await src.collectOnce(signal)).length;
    const d = process.cpuUsage(before);
    times.push((d.user + d.system) / 1000);
  }
  if (!expectPoints(points)) throw new Error(`${label}: unexpected point count ${points}`);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  console.log(`${label.padEnd(44)} ${points.toString().padStart(5)} points  median ${median.toFixed(1).padStart(6)} ms CPU  min ${(times[0] as number).toFixed(1).padStart(6)} ms  → ${(median / 100).toFixed(2)}% of one core at 10 s`);
}

async function main(): Promise<void> {
  const agent = await startAgent();
  const cgRoot = cgroupTree();
  const context = (): ComponentContext => ({ logger: pino({ level: 'silent' }), metrics: createRegistry(false), clock: systemClock, stateDir: tmpdir(), hostname: 'node-1' });
  try {
    console.log(`metrics collection, ${N} containers, ${ROUNDS} rounds, node ${process.version}`);
    const base = { cgroups: { root: cgRoot } };
    const up = (extra: object) => createMesosMetricsSource({ name: 'm', metrics: metricsSchema.parse({ ...base, ...extra }), mesos: { client: client(agent.url), metadata: metadata() }, mountsText: '' }, context());
    await measure('agent up, per app (20 apps)', up({}), (n) => n === 21);
    await measure('agent up, per task', up({ per_task: true, series_budget_per_app: 100 }), (n) => n === 201);
    const down = createMesosMetricsSource({ name: 'm', metrics: metricsSchema.parse({ ...base, agent: { enabled: false } }), mesos: { client: client('http://127.0.0.1:9'), metadata: metadata() }, mountsText: '' }, context());
    await measure('agent down, 200 cgroups read, per app', down, (n) => n === 20);
    await measure('host metrics', createHostMetricsSource({ name: 'h', metrics: metricsSchema.parse({}) }, context()), (n) => n > 3);
  } finally {
    agent.stop();
    rmSync(cgRoot, { recursive: true, force: true });
  }
}

void main();
