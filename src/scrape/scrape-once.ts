/**
 * One scrape of one target: fetch, parse by format, map to points, and add the per-target scrape points
 * (`scrape_up`, `scrape_duration_seconds`, `scrape_samples_scraped`, `scrape_body_bytes`), or run one health
 * check. Never rejects: a failure is a ScrapeError in the outcome, with whatever was parsed before it.
 */
import { makeMetricPoint, type HeraldRecord, type MetricPoint } from '../pipeline/records';
import { parseHaproxyCsv } from './formats/haproxy-csv';
import { flattenJson } from './formats/json-flatten';
import { ACCEPT_OPENMETRICS, ACCEPT_PROMETHEUS, parseExposition } from './formats/negotiate';
import { PointMapper } from './formats/to-points';
import { healthPoint, httpHealth, tcpHealth } from './health/health-check';
import type { HealthStates } from './health/health-state';
import { ScrapeError, type HttpFetcher } from './http-fetch';
import type { ScrapeMetrics } from './scrape-metrics';
import type { Target } from './targets/target';

export interface ScrapeDeps {
  readonly fetcher: HttpFetcher;
  readonly health: HealthStates;
  readonly metrics: ScrapeMetrics;
}

export interface ScrapeOutcome {
  records: HeraldRecord[];
  error: ScrapeError | undefined;
}

const ACCEPT: Record<string, string> = {
  prometheus: ACCEPT_PROMETHEUS,
  openmetrics: ACCEPT_OPENMETRICS,
  json: 'application/json',
  haproxy_csv: 'text/csv, text/plain;q=0.5',
  http_health: '*/*',
};

const headerCache = new WeakMap<Target, Record<string, string>>();

function headersFor(t: Target): Record<string, string> {
  let h = headerCache.get(t);
  if (h === undefined) {
    h = { accept: ACCEPT[t.format] ?? '*/*', 'user-agent': 'herald-scrape', ...t.headers };
    if (t.bearerToken !== undefined) h.authorization = `Bearer ${t.bearerToken.reveal()}`;
    headerCache.set(t, h);
  }
  return h;
}

function gaugePoint(t: Target, measurement: string, value: number, nowMs: number): MetricPoint {
  return makeMetricPoint(measurement, { ...t.baseTags }, { value }, nowMs, t.app);
}

async function runHealth(t: Target, d: ScrapeDeps, nowMs: number): Promise<ScrapeOutcome> {
  const r = t.format === 'tcp_health' ? await tcpHealth(t) : await httpHealth(t, d.fetcher, headersFor(t));
  d.metrics.scraped(t.kind, r.latencyMs / 1000);
  const records: HeraldRecord[] = [healthPoint(t, r, nowMs)];
  const event = d.health.observe(t, r.up, r.reason, nowMs);
  if (event !== undefined) records.push(event);
  if (!r.up) d.metrics.error('health_check');
  return { records, error: r.up ? undefined : new ScrapeError('health_check', r.reason ?? 'down') };
}

/** The text up to and including the last line feed (a cut body ends in a partial line). */
function completeLines(text: string): string {
  const nl = text.lastIndexOf('\n');
  return nl === -1 ? '' : text.slice(0, nl + 1);
}

function parseBody(t: Target, d: ScrapeDeps, text: string, contentType: string | undefined, nowMs: number): { points: MetricPoint[]; error: ScrapeError | undefined } {
  const base = { baseTags: t.baseTags, app: t.app, maxSeries: t.maxSeries };
  if (t.format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      return { points: [], error: new ScrapeError('parse', `invalid JSON: ${(err as Error).message}`) };
    }
    const r = flattenJson(doc, { ...t.json, ...base, maxFields: t.maxSeries }, nowMs);
    d.metrics.seriesDropped.inc(r.fieldsDropped);
    const error = r.fieldsDropped > 0 ? new ScrapeError('series_limit', `${r.fieldsDropped} fields over max_series ${t.maxSeries}`) : undefined;
    return { points: r.point === undefined ? [] : [r.point], error };
  }
  if (t.format === 'haproxy_csv') {
    const r = parseHaproxyCsv(text, base, nowMs);
    d.metrics.brokenLines.inc(r.brokenLines);
    d.metrics.seriesDropped.inc(r.seriesDropped);
    let error: ScrapeError | undefined;
    if (r.seriesDropped > 0) error = new ScrapeError('series_limit', `${r.seriesDropped} rows over max_series ${t.maxSeries}`);
    else if (r.brokenLines > 0) error = new ScrapeError('parse', `${r.brokenLines} broken row(s), first at ${r.firstProblem ?? '?'}`);
    return { points: r.points, error };
  }
  const mapper = new PointMapper({ ...base, honorTimestamps: t.honorTimestamps }, nowMs);
  const r = parseExposition(text, contentType, mapper);
  const points = mapper.finish();
  const c = mapper.counts;
  d.metrics.valuesSkipped('nan', c.nan);
  d.metrics.valuesSkipped('inf', c.inf);
  d.metrics.valuesSkipped('timestamp', c.timestampsReplaced);
  d.metrics.valuesSkipped('violation', r.violations);
  d.metrics.seriesDropped.inc(c.seriesDropped);
  let error: ScrapeError | undefined;
  if (r.error !== undefined) error = new ScrapeError('parse', r.error.message, { cause: r.error });
  else if (c.seriesDropped > 0) error = new ScrapeError('series_limit', `${c.seriesDropped} series over max_series ${t.maxSeries}`);
  return { points, error };
}

export async function scrapeTarget(t: Target, d: ScrapeDeps, nowMs: number): Promise<ScrapeOutcome> {
  if (t.format === 'http_health' || t.format === 'tcp_health') return runHealth(t, d, nowMs);
  const start = performance.now();
  let points: MetricPoint[] = [];
  let error: ScrapeError | undefined;
  let bodyBytes = 0;
  try {
    const res = await d.fetcher.get(t.url, { headers: headersFor(t), timeoutMs: t.timeoutMs, maxBodyBytes: t.maxBodyBytes });
    bodyBytes = res.body.length;
    d.metrics.bodyBytes.inc(bodyBytes);
    if (res.status < 200 || res.status > 299) throw new ScrapeError('http_status', `HTTP status ${res.status}`);
    let text = res.body.toString('utf8');
    if (res.truncated && t.format !== 'json') text = completeLines(text);
    ({ points, error } = parseBody(t, d, text, res.contentType, nowMs));
    // The cut explains any parse error that follows from it (missing # EOF, invalid JSON).
    if (res.truncated) error = new ScrapeError('body_too_large', `body cut at max_body_bytes ${t.maxBodyBytes}`);
  } catch (err) {
    error = err instanceof ScrapeError ? err : new ScrapeError('connection', String(err), { cause: err });
  }
  const seconds = (performance.now() - start) / 1000;
  d.metrics.scraped(t.kind, seconds);
  if (error !== undefined) d.metrics.error(error.reason);
  const records: HeraldRecord[] = points;
  records.push(
    gaugePoint(t, 'scrape_up', error === undefined ? 1 : 0, nowMs),
    gaugePoint(t, 'scrape_duration_seconds', seconds, nowMs),
    gaugePoint(t, 'scrape_samples_scraped', points.length, nowMs),
    gaugePoint(t, 'scrape_body_bytes', bodyBytes, nowMs),
  );
  return { records, error };
}
