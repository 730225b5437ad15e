/**
 * Throttle cost: ns per record and per 1000-record batch, for batches of one app and of 100 apps (in runs
 * of 10 records, and interleaved record by record: the worst case of the origin fast path), with every
 * record passing, with most records dropped (an app at 10x its rate), under a node ceiling with priority
 * classes, and for metric points under a series budget. Records are built before the timed loop; the clock
 * is a fake one advanced by 1 ms per batch (the throttle reads it once per batch).
 *
 * Run:  npx tsc -p tsconfig.json --outDir /tmp/hb && node /tmp/hb/bench/qos.bench.js [batches] [rounds]
 */
import { makeLogEvent, makeMetricPoint, type HeraldRecord, type LogOrigin } from '../src/pipeline/records';
import { createRegistry } from '../src/observability/metrics';
import { qosSchema } from '../src/qos/config';
import { Throttle } from '../src/qos/throttle';
import pino from 'pino';

const BATCHES = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 5);
const BATCH = 1000;

class BenchClock {
  mono = 1000;
  now(): number {
    return 1_700_000_000_000 + this.mono;
  }
  monotonic(): number {
    return this.mono;
  }
}

const origins = (n: number): LogOrigin[] =>
  Array.from({ length: n }, (_, i) => ({ path: `/sandbox/app-${i}/stdout`, dataset: 'mesos.sandbox', identity: { app: `/bench/app-${i}`, docFragment: '', labels: {} } }));

function logBatch(os: LogOrigin[], layout: 'runs' | 'interleaved'): HeraldRecord[] {
  const out: HeraldRecord[] = [];
  const run = BATCH / os.length;
  for (let i = 0; i < BATCH; i++) {
    const o = layout === 'runs' ? os[Math.floor(i / run)] : os[i % os.length];
    out.push(makeLogEvent(o as LogOrigin, `line ${i}`, i * 120, 60 + (i % 120), 0, 1_700_000_000_000));
  }
  return out;
}

function metricBatch(apps: number): HeraldRecord[] {
  return Array.from({ length: BATCH }, (_, i) =>
    makeMetricPoint('cpu', { host: 'node-1', app: `/bench/app-${i % apps}`, cpu: String(i % 8) }, { user: i }, 1_700_000_000_000, `/bench/app-${i % apps}`));
}

interface Case {
  name: string;
  config: Record<string, unknown>;
  batch: HeraldRecord[];
}

const generous = { lines_per_sec: 10_000_000, burst_lines: 1_000_000_000, bytes_per_sec: 0 };
const cases: Case[] = [
  { name: '1 app, all pass', config: { defaults: generous }, batch: logBatch(origins(1), 'runs') },
  { name: '100 apps in runs of 10, all pass', config: { defaults: generous }, batch: logBatch(origins(100), 'runs') },
  { name: '100 apps interleaved, all pass', config: { defaults: generous }, batch: logBatch(origins(100), 'interleaved') },
  // 1000 records per ms offered = 1 M lines/s against 100 k lines/s: 90 % dropped.
  { name: '1 app at 10x its rate (90% dropped)', config: { defaults: { lines_per_sec: 100_000, burst_lines: 1000, bytes_per_sec: 0 } }, batch: logBatch(origins(1), 'runs') },
  { name: '1 app, bytes too, sampled 1 in 10', config: { defaults: { lines_per_sec: 100_000, burst_lines: 1000, bytes_per_sec: 10_000_000, burst_bytes: 100_000 }, on_excess: 'sample', sample_rate: 10 }, batch: logBatch(origins(1), 'runs') },
  { name: '100 apps in runs, node ceiling + priorities', config: { defaults: generous, node: { lines_per_sec: 500_000, bytes_per_sec: '64MiB' }, overrides: [{ app: '/bench/app-1*', priority: 'critical' }, { app: '/bench/app-9*', priority: 'low' }] }, batch: logBatch(origins(100), 'runs') },
  { name: 'metric points, 10 apps, series budget', config: { metrics: { series_per_app: 50 } }, batch: metricBatch(10) },
];

function measure(c: Case): { nsPerRecord: number; nsPerBatch: number; passed: number } {
  const clock = new BenchClock();
  const throttle = new Throttle(qosSchema.parse(c.config), { logger: pino({ level: 'silent' }), metrics: createRegistry(false), clock, stateDir: '/tmp', hostname: 'bench' });
  let passed = 0;
  for (let i = 0; i < 200; i++) {
    clock.mono += 1;
    passed += throttle.apply({ records: c.batch }).records.length;
  }
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    passed = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCHES; i++) {
      clock.mono += 1;
      passed += throttle.apply({ records: c.batch }).records.length;
    }
    times.push(Number(process.hrtime.bigint() - t0) / BATCHES);
  }
  times.sort((a, b) => a - b);
  const nsPerBatch = times[Math.floor(times.length / 2)] as number;
  return { nsPerRecord: nsPerBatch / BATCH, nsPerBatch, passed: passed / BATCHES };
}

process.stdout.write(`qos throttle: ${BATCHES} batches of ${BATCH} records per round, median of ${ROUNDS} rounds\n`);
process.stdout.write('| case | ns/record | µs/batch | records/s | kept per batch |\n|---|---|---|---|---|\n');
for (const c of cases) {
  const m = measure(c);
  process.stdout.write(`| ${c.name} | ${m.nsPerRecord.toFixed(1)} | ${(m.nsPerBatch / 1000).toFixed(1)} | ${(1e9 / m.nsPerRecord / 1e6).toFixed(1)} M | ${m.passed.toFixed(0)} |\n`);
}
