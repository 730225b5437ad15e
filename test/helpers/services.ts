/**
 * Helpers for tests that run against the real services started by
 * `scripts/services.sh start` (private instances on 127.0.0.1, state under
 * $HERALD_SERVICES_DIR, default <repo>/.services). Only node built-ins.
 *
 * A test that needs a service calls `await requireService(t, 'haproxy')` first:
 * when the service does not answer, it throws and the test FAILS with a message
 * saying how to start it. Tests never skip silently.
 */
import { createSocket } from 'node:dgram';
import { promises as fsp } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { resolve, join } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SERVICES_DIR = resolve(process.env.HERALD_SERVICES_DIR ?? join(REPO_ROOT, '.services'));
export const HOST = '127.0.0.1';

export const PORTS = {
  /** rsyslog imudp + imtcp (syslog in), both protocols. */
  rsyslog: 15514,
  /** fe_http: mode http, option httplog, header captures. */
  haproxyHttp: 18080,
  /** fe_tcp: mode tcp, option tcplog. */
  haproxyTcp: 18081,
  /** fe_plain: mode tcp, neither httplog nor tcplog ("Connect from ..." lines). */
  haproxyPlain: 18082,
  /** fe_stats: /stats (HTML), /stats;csv (CSV), /metrics (built-in Prometheus exporter). */
  haproxyStats: 18404,
  /** backend.js behind HAProxy: / 200 "ok", /missing 404, /status/NNN, /slow/MS, else JSON echo. */
  backend: 18090,
  /** be_down's server address: nothing listens there, so /down* on fe_http gets 503 <NOSRV>. */
  haproxyDownServer: 18099,
  /** prometheus-node-exporter. */
  nodeExporter: 19100,
  /** Elasticsearch 8.x (integ-test-zip, no security: plain HTTP, no auth). */
  elasticsearch: 9200,
  /** InfluxDB 2.x OSS. */
  influxdb: 8086,
} as const;

const rsyslogDir = join(SERVICES_DIR, 'rsyslog');
const haproxyDir = join(SERVICES_DIR, 'haproxy');
const nodeExporterDir = join(SERVICES_DIR, 'node_exporter');

export const FILES = {
  rsyslogDir,
  /** programname "haproxy", RSYSLOG_TraditionalFileFormat ("Nov 21 12:31:24 host haproxy[pid]: ..."). */
  haproxyLog: join(rsyslogDir, 'haproxy.log'),
  /** everything but haproxy, RSYSLOG_TraditionalFileFormat. */
  messagesLog: join(rsyslogDir, 'messages.log'),
  /** everything, RSYSLOG_SyslogProtocol23Format (RFC 5424). */
  messagesRfc5424Log: join(rsyslogDir, 'messages-rfc5424.log'),
  /** everything, RSYSLOG_FileFormat (RFC 3339 high-precision timestamp). */
  messagesPreciseLog: join(rsyslogDir, 'messages-precise.log'),
  rsyslogConfig: join(rsyslogDir, 'rsyslog.conf'),
  haproxyDir,
  haproxyConfig: join(haproxyDir, 'haproxy.cfg'),
  /** admin socket (`show stat`, `show info`); absent when the path is too long for a unix socket. */
  haproxyAdminSocket: join(haproxyDir, 'admin.sock'),
  haproxyPid: join(haproxyDir, 'haproxy.pid'),
  nodeExporterDir,
  /** --collector.textfile.directory of the node exporter: drop *.prom files here. */
  nodeExporterTextfileDir: join(nodeExporterDir, 'textfile'),
} as const;

export const URLS = {
  haproxy: `http://${HOST}:${PORTS.haproxyHttp}`,
  haproxyStatsCsv: `http://${HOST}:${PORTS.haproxyStats}/stats;csv`,
  haproxyMetrics: `http://${HOST}:${PORTS.haproxyStats}/metrics`,
  nodeExporterMetrics: `http://${HOST}:${PORTS.nodeExporter}/metrics`,
  elasticsearch: `http://${HOST}:${PORTS.elasticsearch}`,
  influxdb: `http://${HOST}:${PORTS.influxdb}`,
} as const;

/** The InfluxDB set up by scripts/services/influxdb.sh: org, bucket and an all-access token. */
export const INFLUX = {
  org: process.env.HERALD_INFLUX_ORG ?? 'herald',
  bucket: process.env.HERALD_INFLUX_BUCKET ?? 'herald',
  tokenFile: join(SERVICES_DIR, 'influxdb', 'token'),
} as const;

/** The all-access token of the test InfluxDB (from $HERALD_INFLUX_TOKEN or the services dir). */
export async function influxToken(): Promise<string> {
  const env = process.env.HERALD_INFLUX_TOKEN;
  if (env) return env;
  return (await fsp.readFile(INFLUX.tokenFile, 'utf8')).trim();
}

export type ServiceName = 'rsyslog' | 'haproxy' | 'node_exporter' | 'elasticsearch' | 'influxdb';

/** The part of a tap Test (`tap.Test`) the helpers use. */
export interface ServiceTest {
  pass(message: string): unknown;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

/** One HTTP request with node's http module (no keep-alive), bounded in time. */
export function httpGet(url: string, opts: HttpOptions = {}): Promise<HttpResult> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolvePromise, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers: { Connection: 'close', ...opts.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/**
 * Open a TCP connection, optionally write `send`, and collect what the peer
 * sends until it closes (or `timeoutMs`). With no `send`, just connects and
 * closes: HAProxy logs such a bare connection on fe_tcp / fe_plain.
 */
export function tcpExchange(port: number, send?: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect({ host: HOST, port });
    const timer = setTimeout(() => sock.destroy(new Error(`${HOST}:${port}: no close within ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => {
      if (send === undefined) sock.end();
      else sock.write(send);
    });
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolvePromise(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Resolve when a TCP connection to 127.0.0.1:port is accepted (then closed at once). */
export function tcpConnect(port: number, timeoutMs = 3000): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const sock = connect({ host: HOST, port });
    const timer = setTimeout(() => sock.destroy(new Error(`connect ${HOST}:${port} timed out after ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolvePromise();
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Send one raw syslog message (e.g. "<134>1 ... " or "<13>Nov 21 ...") to the private rsyslog over UDP. */
export function sendSyslogUdp(raw: string, port: number = PORTS.rsyslog): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const sock = createSocket('udp4');
    sock.send(Buffer.from(raw, 'utf8'), port, HOST, (err) => {
      sock.close();
      if (err) reject(err);
      else resolvePromise();
    });
  });
}

/** Send raw syslog messages over TCP with octet-counting framing (RFC 6587 "LEN SP MSG"). */
export async function sendSyslogTcp(messages: string[], port: number = PORTS.rsyslog): Promise<void> {
  const payload = messages.map((m) => `${Buffer.byteLength(m, 'utf8')} ${m}`).join('');
  await new Promise<void>((resolvePromise, reject) => {
    const sock = connect({ host: HOST, port }, () => sock.end(payload));
    sock.on('error', reject);
    sock.on('close', () => resolvePromise());
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await fsp.access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Check that the service answers. Returns null when it does, or why not.
 * HAProxy is probed on its stats port only, so probing adds no line to haproxy.log.
 */
export async function probeService(name: ServiceName): Promise<string | null> {
  try {
    switch (name) {
      case 'rsyslog':
        await tcpConnect(PORTS.rsyslog);
        if (!(await fileExists(FILES.messagesLog))) return `${FILES.messagesLog} does not exist`;
        return null;
      case 'haproxy': {
        const res = await httpGet(URLS.haproxyStatsCsv);
        if (res.status !== 200) return `GET ${URLS.haproxyStatsCsv} answered ${res.status}`;
        for (const fe of ['fe_http', 'fe_tcp', 'fe_plain']) {
          if (!res.body.split('\n').some((l) => l.startsWith(`${fe},FRONTEND,`) && l.includes(',OPEN,'))) {
            return `frontend ${fe} is not OPEN in ${URLS.haproxyStatsCsv}`;
          }
        }
        const be = await httpGet(`http://${HOST}:${PORTS.backend}/`);
        if (be.status !== 200) return `backend.js on ${PORTS.backend} answered ${be.status}`;
        return null;
      }
      case 'node_exporter': {
        const res = await httpGet(URLS.nodeExporterMetrics);
        return res.status === 200 ? null : `GET ${URLS.nodeExporterMetrics} answered ${res.status}`;
      }
      case 'elasticsearch': {
        // GET / is refused by the integ-test distribution; cluster health is the readiness probe.
        const url = `${URLS.elasticsearch}/_cluster/health`;
        const res = await httpGet(url);
        if (res.status !== 200) return `GET ${url} answered ${res.status}`;
        const status = (JSON.parse(res.body) as { status?: string }).status;
        return status === 'green' || status === 'yellow' ? null : `cluster health is ${status ?? 'unknown'}`;
      }
      case 'influxdb': {
        const url = `${URLS.influxdb}/health`;
        const res = await httpGet(url);
        if (res.status !== 200) return `GET ${url} answered ${res.status}`;
        await influxToken();
        return null;
      }
    }
  } catch (err) {
    return describe(err);
  }
}

/** Thrown by requireService when the service does not answer; tap reports it as a failure. */
export class ServiceUnavailableError extends Error {
  override name = 'ServiceUnavailableError';
}

/**
 * Require a running service: records a passing assertion when `name` answers;
 * otherwise throws ServiceUnavailableError, which fails the test loudly with a
 * message telling how to start the service (and stops the test body).
 * Usage: `await requireService(t, 'haproxy')`.
 */
export async function requireService(t: ServiceTest, name: ServiceName): Promise<void> {
  const why = await probeService(name);
  if (why === null) {
    t.pass(`service ${name} is up`);
    return;
  }
  throw new ServiceUnavailableError(
    `service ${name} is not up (${why}); start it with: scripts/services.sh start ${name}` +
      ` (services dir ${SERVICES_DIR})`,
  );
}

/** Current size of a file in bytes (0 when it does not exist): read lines after it with `since`. */
export async function fileOffset(path: string): Promise<number> {
  try {
    return (await fsp.stat(path)).size;
  } catch {
    return 0;
  }
}

export interface WaitForLinesOptions {
  /** Only consider bytes from this offset on (see fileOffset). Default 0. */
  since?: number;
  /** How many matching lines to wait for. Default 1. */
  count?: number;
  /** Poll interval. Default 100 ms. */
  intervalMs?: number;
}

async function readLinesFrom(path: string, since: number): Promise<string[]> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(path);
  } catch {
    return [];
  }
  const text = buf.subarray(Math.min(since, buf.length)).toString('utf8');
  const lines = text.split('\n');
  // Drop the last element: either '' after the final newline or a partial line.
  lines.pop();
  return lines;
}

/**
 * Poll `path` until at least `count` lines (after `since`) satisfy `predicate`,
 * then return the matching lines. Rejects after `timeoutMs` with the file's last
 * lines in the message.
 */
export async function waitForFileLines(
  path: string,
  predicate: (line: string) => boolean,
  timeoutMs = 5000,
  opts: WaitForLinesOptions = {},
): Promise<string[]> {
  const since = opts.since ?? 0;
  const count = opts.count ?? 1;
  const interval = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = await readLinesFrom(path, since);
    const hits = lines.filter(predicate);
    if (hits.length >= count) return hits;
    if (Date.now() >= deadline) {
      const tail = lines.slice(-10).join('\n') || '(no lines)';
      const exists = await fileExists(path);
      throw new Error(
        `waitForFileLines: ${hits.length}/${count} matching line(s) in ${path} after ${timeoutMs} ms` +
          `${exists ? '' : ' (file does not exist)'}; last lines since offset ${since}:\n${tail}`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

let tokenCounter = 0;
/** A token unique to this process and call, to find one's own lines in shared log files. */
export function uniqueToken(prefix = 'herald'): string {
  tokenCounter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${tokenCounter}`;
}
