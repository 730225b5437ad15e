/**
 * Scrape collector cost: 500 loopback targets (a child process serves one port per target, like 500 tasks on
 * a node) with realistic payloads: the node_exporter and HAProxy promex captures of this machine, a Prometheus
 * server's own /metrics (alltypes, 190 KB, 1 target in 10) and prometheus/common's testdata (21 KB).
 * It reports:
 * - parse rate: parse + map to points in a tight loop, MB/s and points/s per payload;
 * - rounds: the real ScrapeSource scheduling all 500 targets at a 15 s interval (jittered start), for
 *   ROUNDS intervals: CPU of this process per interval as % of one core, points per round, RSS and heap.
 *
 * Run:  npx tsc -p tsconfig.json --outDir /tmp/hb && ln -sfn "$PWD/node_modules" /tmp/hb/node_modules
 *       node /tmp/hb/bench/scrape.bench.js [targets=500] [rounds=2] [interval_ms=15000]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { systemClock } from '../src/pipeline/context';
import { createRegistry } from '../src/observability/metrics';
import type { HeraldRecord } from '../src/pipeline/records';
import { scrapeSchema } from '../src/scrape/config';
import { parsePrometheusText } from '../src/scrape/formats/prom-text';
import { PointMapper } from '../src/scrape/formats/to-points';
import { ScrapeSource } from '../src/scrape/scrape-source';

const TARGETS = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 2);
const INTERVAL_MS = Number(process.argv[4] ?? 15_000);
const FIX = resolve(__dirname, '..', '..', '..', 'work', 'main', 'test', 'fixtures', 'scrape');
const fixDir = process.env.SCRAPE_FIXTURES ?? (readable(join(process.cwd(), 'test/fixtures/scrape')) ? join(process.cwd(), 'test/fixtures/scrape') : FIX);

function readable(p: string): boolean {
  try {
    readFileSync(join(p, 'PROVENANCE.md'));
    return true;
  } catch {
    return false;
  }
}

const PAYLOADS: { name: string; file: string; weight: number }[] = [
  { name: 'node_exporter 1.5', file: 'live/node-exporter-1.5.0.metrics.txt', weight: 4 },
  { name: 'haproxy promex 2.6', file: 'live/haproxy-2.6.12-promex.metrics.txt', weight: 2 },
  { name: 'prometheus alltypes', file: 'textparse/alltypes.237mfs.prom.txt', weight: 1 },
  { name: 'expfmt testdata', file: 'expfmt/testdata.text.prom', weight: 3 },
];

/** The child: one HTTP server per target port, each serving one payload (assigned round-robin by weight). */
const CHILD = `
const http = require('node:http');
const fs = require('node:fs');
const files = JSON.parse(process.argv[1]);
const bodies = files.map((f) => fs.readFileSync(f));
const n = Number(process.argv[2]);
const ports = [];
let pending = n;
for (let i = 0; i < n; i++) {
  const body = bodies[i % bodies.length];
  const s = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': body.length }).end(body));
  s.keepAliveTimeout = 60000;
  s.listen(0, '127.0.0.1', () => { ports[i] = s.address().port; if (--pending === 0) process.send(ports); });
}
`;

function parseRate(): void {
  console.log('parse + map (tight loop, one core):');
  for (const p of PAYLOADS) {
    const text = readFileSync(join(fixDir, p.file), 'utf8');
    const bytes = Buffer.byteLength(text);
    const opts = { baseTags: { host: 'node-1', scrape_target: 'bench', app: '/bench' }, app: '/bench', maxSeries: 1e6, honorTimestamps: true };
    let points = 0;
    for (let i = 0; i < 30; i++) {
      const m = new PointMapper(opts, 0);
      parsePrometheusText(text, m);
      points = m.finish().length;
    }
    const runs = Math.max(50, Math.round(50e6 / bytes));
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) {
      const m = new PointMapper(opts, 0);
      parsePrometheusText(text, m);
      m.finish();
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`  ${p.name.padEnd(22)} ${(bytes / 1024).toFixed(0).padStart(4)} KiB  ${String(points).padStart(5)} points  ${((bytes * runs) / s / 1e6).toFixed(1).padStart(6)} MB/s  ${((points * runs) / s / 1e6).toFixed(2)} M points/s  ${((s / runs) * 1e3).toFixed(2)} ms/payload`);
  }
}

async function rounds(): Promise<void> {
  const files: string[] = [];
  for (const p of PAYLOADS) for (let w = 0; w < p.weight; w++) files.push(join(fixDir, p.file));
  const child: ChildProcess = fork('-e', [CHILD, JSON.stringify(files), String(TARGETS)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await new Promise<number[]>((r) => child.once('message', (m) => r(m as number[])));
  const bodyBytes = ports.reduce((sum, _p, i) => sum + readFileSync(files[i % files.length] as string).length, 0);
  const config = scrapeSchema.parse({
    self: false,
    interval_ms: INTERVAL_MS,
    timeout_ms: 10_000,
    concurrency: 16,
    rate_per_sec: 1000,
    jitter_seed: 1,
    targets: ports.map((port, i) => ({ name: `t${i}`, url: `http://127.0.0.1:${port}/metrics`, app: `/bench/app${i % 50}` })),
  });
  const registry = createRegistry(false);
  const source = new ScrapeSource({
    name: 'scrape',
    config,
    context: { logger: pino({ level: 'warn' }), metrics: registry, clock: systemClock, stateDir: '/tmp', hostname: 'bench-node' },
  });
  const ac = new AbortController();
  let records = 0;
  let batches = 0;
  const consumer = (async () => {
    for await (const b of source.batches(ac.signal)) {
      records += b.records.length;
      batches++;
      const _: HeraldRecord[] = b.records;
    }
  })();
  console.log(`\n${TARGETS} targets on loopback, ${(bodyBytes / 1024 / 1024).toFixed(1)} MiB per round, interval ${INTERVAL_MS} ms, concurrency 16:`);
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  for (let r = 0; r < ROUNDS; r++) {
    const cpu0 = process.cpuUsage();
    const rec0 = records;
    const b0 = batches;
    await new Promise((res) => setTimeout(res, INTERVAL_MS));
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const mem = process.memoryUsage();
    console.log(`  round ${r + 1}: ${batches - b0} scrapes, ${records - rec0} points, CPU ${cpuS.toFixed(2)} s = ${((cpuS / (INTERVAL_MS / 1000)) * 100).toFixed(1)}% of one core; rss ${(mem.rss / 1048576).toFixed(0)} MiB, heap used ${(mem.heapUsed / 1048576).toFixed(0)} MiB`);
  }
  clearInterval(rssTimer);
  console.log(`  peak rss ${(peakRss / 1048576).toFixed(0)} MiB`);
  const errors = await registry.getSingleMetricAsString('herald_scrape_errors_total');
  console.log(`  errors: ${errors.split('\n').filter((l) => !l.startsWith('#') && l !== '').join(', ') || 'none'}`);
  await source.close();
  ac.abort();
  await consumer;
  child.kill();
}

parseRate();
void rounds();
