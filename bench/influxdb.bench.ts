/**
 * InfluxDB output throughput into the real InfluxDB 2.x (127.0.0.1:8086): points/s, ns/point of encoding
 * alone, and Herald's CPU per 100k points, with realistic container-statistics points (Mesos
 * ResourceStatistics field names, per app per node, 3 tags, 14 fields). Writes a fresh bucket
 * herald-influx-bench-<pid> and deletes it afterwards.
 *
 *   npx tsc -p tsconfig.json --outDir /tmp/hb && ln -sfn "$PWD/node_modules" /tmp/hb/node_modules
 *   HERALD_SERVICES_DIR=$PWD/.services node /tmp/hb/bench/influxdb.bench.js [points=500000] [batch=1000] [in_flight=4] [gzip=true]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../src/pipeline/context';
import { createRegistry } from '../src/observability/metrics';
import { makeMetricPoint, type MetricPoint } from '../src/pipeline/records';
import { influxdbOutputSchema } from '../src/sinks/influxdb/config';
import { LineEncoder } from '../src/sinks/influxdb/encode';
import { InfluxdbSink } from '../src/sinks/influxdb/influxdb-sink';
import { INFLUX, URLS, influxToken } from '../test/helpers/services';

const APPS = Array.from({ length: 200 }, (_, i) => `/team-${i % 17}/service-${i}`);

/** One node's container statistics, one point per app per interval, deterministic. */
function makePoints(n: number, t0: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let i = 0; i < n; i++) {
    const app = APPS[i % APPS.length] as string;
    const tick = Math.floor(i / APPS.length);
    out.push(
      makeMetricPoint(
        'mesos_container',
        { host: `node-${(i >> 3) % 50}.dc1.example`, app, framework: 'marathon' },
        {
          cpus_user_time_secs: 1234.56 + tick * 0.37,
          cpus_system_time_secs: 321.09 + tick * 0.11,
          cpus_limit: 1.5,
          cpus_nr_throttled: BigInt(tick % 7),
          cpus_throttled_time_secs: tick * 0.002,
          mem_rss_bytes: BigInt(268_435_456 + (i % 4096) * 4096),
          mem_cache_bytes: BigInt(33_554_432 + (i % 97) * 4096),
          mem_limit_bytes: 1_073_741_824n,
          mem_total_bytes: BigInt(301_989_888 + (i % 4096) * 4096),
          net_rx_bytes: BigInt(10_000_000 + tick * 1500),
          net_tx_bytes: BigInt(20_000_000 + tick * 900),
          net_rx_errors: 0n,
          disk_used_bytes: BigInt(1_000_000_000 + i),
          tasks: 3n,
        },
        t0 + tick * 10_000,
        app,
      ),
    );
  }
  return out;
}

async function api(token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${URLS.influxdb}${path}`, { method, headers: { authorization: `Token ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 500_000);
  const batch = Number(process.argv[3] ?? 1000);
  const inFlight = Number(process.argv[4] ?? 4);
  const gzip = (process.argv[5] ?? 'true') === 'true';
  const points = makePoints(total, Date.UTC(2026, 10, 21));

  const enc = new LineEncoder('ms');
  let bytes = 0;
  const e0 = process.hrtime.bigint();
  for (const p of points) bytes += (enc.encode(p) as string).length + 1;
  const encodeNs = Number(process.hrtime.bigint() - e0) / total;
  process.stdout.write(`encode only: ${encodeNs.toFixed(0)} ns/point, ${(bytes / total).toFixed(0)} bytes/line\n`);

  const token = await influxToken();
  const orgID = ((await api(token, 'GET', `/api/v2/orgs?org=${INFLUX.org}`)) as { orgs: { id: string }[] }).orgs[0]?.id;
  const name = `herald-influx-bench-${process.pid}`;
  const bucket = (await api(token, 'POST', '/api/v2/buckets', { orgID, name, retentionRules: [] })) as { id: string };
  const state = mkdtempSync(join(tmpdir(), 'herald-influx-bench-'));
  try {
    const config = influxdbOutputSchema.parse({ url: URLS.influxdb, org: INFLUX.org, bucket: name, token, gzip, batch_max_points: 5000, flush_interval_ms: 100 });
    const metrics = createRegistry(false);
    const sink = new InfluxdbSink({ config, context: { logger: pino({ level: 'warn' }), metrics, clock: systemClock, stateDir: state, hostname: 'bench' } });
    await sink.start();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // Like the runner: up to `inFlight` batches written and not yet acknowledged.
    const pending = new Set<Promise<unknown>>();
    for (let i = 0; i < total; i += batch) {
      const p: Promise<unknown> = sink.write({ records: points.slice(i, i + batch) }).finally(() => pending.delete(p));
      pending.add(p);
      if (pending.size >= inFlight) await Promise.race(pending);
    }
    await Promise.all(pending);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await sink.close(5000);
    const written = /herald_influxdb_points_written_total\{path="live"\} (\d+)/.exec(await metrics.metrics())?.[1];
    process.stdout.write(
      `${total} points (${written ?? '?'} acknowledged live), batch ${batch}, ${inFlight} in flight, gzip ${gzip}: ` +
        `${(total / seconds).toFixed(0)} points/s, ${((bytes / 1048576) / seconds).toFixed(1)} MiB/s of line protocol, ` +
        `Herald CPU ${(((cpu.user + cpu.system) / 1e6 / total) * 1e5).toFixed(2)} s per 100k points\n`,
    );
  } finally {
    await api(token, 'DELETE', `/api/v2/buckets/${bucket.id}`);
    rmSync(state, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
