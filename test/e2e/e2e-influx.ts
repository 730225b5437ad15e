/**
 * A bucket of one's own in the real InfluxDB for an end-to-end run (e2e-influx-<token>, deleted after),
 * Flux queries over it, and the Herald config of the metrics → InfluxDB tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfluxDB } from '@influxdata/influxdb-client';
import { INFLUX, URLS, influxToken, requireService, type ServiceTest } from '../helpers/services';

export type Row = Record<string, unknown>;

export interface E2eBucket {
  name: string;
  token: string;
  /** Rows of `from(bucket) |> range(start: 0) <pipeline>`. */
  rows(pipeline: string): Promise<Row[]>;
  /** Stored values of one field of one measurement (all series), oldest first. */
  field(measurement: string, field: string, filter?: string): Promise<Row[]>;
}

async function api(token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${URLS.influxdb}${path}`, {
    method,
    headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** Creates the bucket through the API; the teardown deletes it (when InfluxDB is back up, see stopService). */
export async function e2eBucket(t: ServiceTest & { teardown(fn: () => unknown): void }, token: string): Promise<E2eBucket> {
  await requireService(t, 'influxdb');
  const auth = await influxToken();
  const orgs = (await api(auth, 'GET', `/api/v2/orgs?org=${encodeURIComponent(INFLUX.org)}`)) as { orgs: { id: string }[] };
  const orgID = orgs.orgs[0]?.id;
  if (orgID === undefined) throw new Error(`org ${INFLUX.org} not found`);
  const name = `e2e-influx-${token}`;
  const bucket = (await api(auth, 'POST', '/api/v2/buckets', { orgID, name, retentionRules: [] })) as { id: string };
  t.teardown(() => api(auth, 'DELETE', `/api/v2/buckets/${bucket.id}`).catch(() => undefined));
  const query = new InfluxDB({ url: URLS.influxdb, token: auth, timeout: 20_000 }).getQueryApi(INFLUX.org);
  const rows = (pipeline: string) => query.collectRows<Row>(`from(bucket: "${name}") |> range(start: 0) ${pipeline}`);
  return {
    name,
    token: auth,
    rows,
    field: (measurement, field, filter = '') =>
      rows(`|> filter(fn: (r) => r._measurement == "${measurement}" and r._field == "${field}"${filter}) |> group() |> sort(columns: ["_time"])`),
  };
}

/** Herald config: Mesos agent and container metrics every second to the bucket (token from the environment). */
export function metricsConfig(o: { dir: string; agentUrl: string; bucket: string }): string {
  return [
    `state_dir: ${o.dir}/state`,
    'node_name: e2e-node',
    'server: { port: 0 }',
    `mesos: { agent_url: "${o.agentUrl}", refresh_interval_ms: 1s, min_refresh_gap_ms: 200, timeout_ms: 1s, retries: 0 }`,
    // cgroups off: the values are the replayed agent's alone; host metrics have their own tests.
    'metrics: { interval_ms: 1s, cgroups: { enabled: false }, host: { enabled: false } }',
    'scrape: { enabled: false }',
    'logs: { files: [], sandboxes: { enabled: false } }',
    'outputs:',
    '  influxdb:',
    `    url: ${URLS.influxdb}`,
    `    org: ${INFLUX.org}`,
    `    bucket: ${o.bucket}`,
    '    token: ${E2E_INFLUX_TOKEN}',
    '    precision: ms',
    '    flush_interval_ms: 100',
    '    request_timeout_ms: 2s',
    '    retry: { initial_backoff_ms: 200, max_backoff_ms: 1s, max_retry_time_ms: 2s }',
  ].join('\n');
}

/** Lines (points) in the on-disk buffer segments of a stopped Herald. */
export function bufferedLines(stateDir: string): { segments: number; lines: number } {
  const dir = join(stateDir, 'buffers', 'influxdb');
  let segments = 0;
  let lines = 0;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.lp'));
  } catch {
    return { segments, lines };
  }
  for (const f of files) {
    segments++;
    const text = readFileSync(join(dir, f), 'utf8');
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  }
  return { segments, lines };
}
