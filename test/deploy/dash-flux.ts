/**
 * Reading back what a generated Flux query (Grafana panel or alert) refers to, and running Flux on the real
 * InfluxDB. The generators (deploy/grafana/flux.mjs, deploy/influxdb/alerts.mjs) write every reference in a
 * form found here: `r._measurement == "m"`, `r._field == "f"`, `r.col` / `r["col"]`, and `columns: [...]`
 * / `rowKey: [...]` lists; computed columns are declared by `map(fn: (r) => ({r with name: ...}))` or by a
 * pivot on a tag (`columnKey: ["outcome"]` defines the outcome values compared in the query).
 */
import { httpGet, INFLUX, influxToken, URLS } from '../helpers/services';
import type { Catalogue } from './dash-emitted';

/** Columns of every Flux row, and those monitor.check adds before it calls messageFn. */
export const BUILTIN_COLUMNS = new Set(['_time', '_value', '_field', '_measurement', '_start', '_stop', '_level', '_source_measurement', '_check_name']);

export interface FluxRefs {
  measurements: string[];
  fields: string[];
  /** Column names read from rows (tags, pivoted fields, computed columns). */
  columns: string[];
  /** Columns the query itself creates. */
  defined: string[];
  /** [tag, literal value] compared with == or != */
  tagValues: [string, string][];
}

const uniq = (xs: Iterable<string>) => [...new Set(xs)];
const all = (re: RegExp, s: string, group = 1) => [...s.matchAll(re)].map((m) => m[group] as string);

export function fluxRefs(flux: string): FluxRefs {
  const code = flux.replace(/^\s*\/\/.*$/gm, '');
  const measurements = uniq(all(/r\._measurement\s*[!=]=\s*"([^"]+)"/g, code));
  const fields = uniq(all(/r\._field\s*==\s*"([^"]+)"/g, code));
  const tagValues = [...code.matchAll(/r\.(\w+)\s*[!=]=\s*"([^"]*)"/g)]
    .filter((m) => m[1] !== '_measurement' && m[1] !== '_field')
    .map((m) => [m[1], m[2]] as [string, string]);
  const lists = all(/(?:columns|rowKey|columnKey):\s*\[([^\]]*)\]/g, code).flatMap((l) => all(/"([^"]+)"/g, l));
  const columns = uniq([...all(/\br\.([A-Za-z_]\w*)/g, code), ...all(/\br\["([^"]+)"\]/g, code), ...lists, ...all(/\bcolumn:\s*"([^"]+)"/g, code)])
    .filter((c) => c !== '_measurement' && c !== '_field');
  const defined = [...all(/\bas:\s*"([^"]+)"/g, code)];
  for (const body of all(/\(\{r with ([\s\S]*?)\}\)\)/g, code)) defined.push(...all(/(?:^|,)\s*(\w+)\s*:/g, body));
  for (const key of all(/columnKey:\s*\["(\w+)"\]/g, code)) {
    if (key !== '_field') defined.push(...tagValues.filter(([t]) => t === key).map(([, v]) => v));
  }
  return { measurements, fields, columns, defined: uniq(defined), tagValues };
}

/** Problems with one query's references against the emitted catalogue ([] when all names exist). */
export function checkRefs(where: string, refs: FluxRefs, emitted: Catalogue): string[] {
  const problems: string[] = [];
  if (refs.measurements.length === 0) problems.push(`${where}: no measurement found in the query`);
  const known = new Set([...BUILTIN_COLUMNS, ...refs.defined]);
  for (const m of refs.measurements) {
    const e = emitted.get(m);
    if (e === undefined) {
      problems.push(`${where}: measurement ${m} is not emitted`);
      continue;
    }
    for (const f of refs.fields) if (!e.fields.has(f)) problems.push(`${where}: field ${m}.${f} is not emitted`);
    for (const x of [...e.fields, ...e.tags]) known.add(x);
  }
  for (const c of refs.columns) if (!known.has(c)) problems.push(`${where}: column ${c} is neither a tag nor a field of ${refs.measurements.join(', ')}`);
  return problems;
}

const AUTH = async () => ({ Authorization: `Token ${await influxToken()}` });

/** POST a Flux query; the annotated CSV rows (tables' header lines excluded). */
export async function runFlux(flux: string): Promise<{ status: number; body: string; rows: string[] }> {
  const res = await httpGet(`${URLS.influxdb}/api/v2/query?org=${INFLUX.org}`, {
    method: 'POST', headers: { ...(await AUTH()), 'content-type': 'application/vnd.flux', accept: 'application/csv' }, body: flux, timeoutMs: 20_000,
  });
  const rows = res.body.split(/\r?\n/).filter((l) => l.trim() !== '' && !/^,result,table,/.test(l));
  return { status: res.status, body: res.body, rows };
}

/** One InfluxDB API call with JSON in and out. */
export async function influxApi(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await httpGet(`${URLS.influxdb}${path}`, {
    method, headers: { ...(await AUTH()), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs: 20_000,
  });
  return { status: res.status, json: res.body === '' ? {} : (JSON.parse(res.body) as Record<string, unknown>) };
}

export async function orgId(): Promise<string> {
  const r = await influxApi('GET', `/api/v2/orgs?org=${INFLUX.org}`);
  return ((r.json.orgs as { id: string }[])[0] as { id: string }).id;
}

/** A bucket of our own (deleted by the returned function). */
export async function tempBucket(name: string): Promise<{ id: string; remove: () => Promise<void> }> {
  const r = await influxApi('POST', '/api/v2/buckets', { orgID: await orgId(), name, retentionRules: [] });
  if (r.status !== 201) throw new Error(`bucket ${name}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
  const id = r.json.id as string;
  return { id, remove: async () => void (await influxApi('DELETE', `/api/v2/buckets/${id}`)) };
}

export async function writeLines(bucket: string, lines: string[]): Promise<void> {
  const res = await httpGet(`${URLS.influxdb}/api/v2/write?org=${INFLUX.org}&bucket=${encodeURIComponent(bucket)}&precision=ms`, {
    method: 'POST', headers: { ...(await AUTH()), 'content-type': 'text/plain; charset=utf-8' }, body: lines.join('\n'), timeoutMs: 20_000,
  });
  if (res.status !== 204) throw new Error(`write: HTTP ${res.status} ${res.body.slice(0, 300)}`);
}
