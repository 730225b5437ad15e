/**
 * Helpers for the InfluxDB output tests against the real InfluxDB 2.8 (test/helpers/services.ts): a bucket
 * of one's own per test (herald-influx-test-*, deleted afterwards), Flux queries, a sink config, and a
 * loopback TCP proxy that can be cut to simulate an outage.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { InfluxDB } from '@influxdata/influxdb-client';
import { INFLUX, URLS, influxToken, requireService, type ServiceTest } from '../../helpers/services';
import { influxdbOutputSchema, type InfluxdbOutputConfig } from '../../../src/sinks/influxdb/config';

export interface TestBucket {
  name: string;
  id: string;
  token: string;
  /** Rows of a Flux query (the `from(bucket)` part is prepended: pass the pipeline after it, imports apart). */
  rows(pipeline: string, imports?: string): Promise<Record<string, unknown>[]>;
  /** Number of points (series × timestamps × fields) in the bucket. */
  count(measurement?: string): Promise<number>;
}

let seq = 0;

async function api(token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${URLS.influxdb}${path}`, {
    method,
    headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** Creates a bucket of its own for the test `t` and deletes it when the test ends. */
export async function testBucket(t: ServiceTest & { teardown(fn: () => Promise<void> | void): void }, tag: string): Promise<TestBucket> {
  await requireService(t, 'influxdb');
  const token = await influxToken();
  const orgs = (await api(token, 'GET', `/api/v2/orgs?org=${encodeURIComponent(INFLUX.org)}`)) as { orgs: { id: string }[] };
  const orgID = orgs.orgs[0]?.id;
  if (orgID === undefined) throw new Error(`org ${INFLUX.org} not found`);
  const name = `herald-influx-test-${tag}-${process.pid}-${++seq}`;
  const bucket = (await api(token, 'POST', '/api/v2/buckets', { orgID, name, retentionRules: [] })) as { id: string };
  t.teardown(async () => {
    await api(token, 'DELETE', `/api/v2/buckets/${bucket.id}`);
  });
  const queryApi = new InfluxDB({ url: URLS.influxdb, token }).getQueryApi(INFLUX.org);
  const rows = (pipeline: string, imports = '') =>
    queryApi.collectRows<Record<string, unknown>>(`${imports}\nfrom(bucket: "${name}") |> range(start: 0) ${pipeline}`);
  return {
    name,
    id: bucket.id,
    token,
    rows,
    async count(measurement?: string) {
      const filter = measurement === undefined ? '' : `|> filter(fn: (r) => r._measurement == "${measurement}")`;
      const r = await rows(`${filter} |> group() |> count() |> keep(columns: ["_value"])`);
      return Number(r[0]?._value ?? 0);
    },
  };
}

/** A parsed outputs.influxdb config for the bucket, with `over` applied (snake_case keys as in YAML). */
export function sinkConfig(b: TestBucket, over: Record<string, unknown> = {}): InfluxdbOutputConfig {
  return influxdbOutputSchema.parse({ url: URLS.influxdb, org: INFLUX.org, bucket: b.name, token: b.token, ...over });
}

/**
 * A loopback TCP proxy in front of InfluxDB. cut() closes every open connection and closes new ones at
 * once (the sink sees "socket hang up"/ECONNRESET, as when a server or a network path dies); restore()
 * lets connections through again.
 */
export class CuttableProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #cut = false;
  port = 0;
  connections = 0;
  /** Called with each piece of request bytes passed upstream (to watch what the sink sends, unzipped bodies). */
  onRequestData: ((connection: number, chunk: Buffer) => void) | undefined;

  constructor(private readonly targetPort: number) {
    this.#server = createServer((client) => {
      const id = ++this.connections;
      if (this.#cut) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
      this.#sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.#sockets.delete(client);
        this.#sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.on('data', (chunk: Buffer) => this.onRequestData?.(id, chunk));
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
    return `http://127.0.0.1:${this.port}`;
  }

  cut(): void {
    this.#cut = true;
    // destroy(), not resetAndDestroy(): with RSTs, Node 20 sometimes spun at 100% CPU after the 'exit'
    // event and never exited (seen in 4 of 12 runs; 0 of 12 without).
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Polls `check` every 50 ms until it returns true, failing after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The value of a metric line in the registry's text output (0 when absent). */
export async function metricValue(text: Promise<string> | string, re: RegExp): Promise<number> {
  const m = re.exec(await text);
  return m ? Number(m[1]) : 0;
}
