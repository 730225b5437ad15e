/**
 * HAProxy stats CSV (`/stats;csv`, `show stat`) → one point per proxy/server row (FORMATS.md §5.2):
 * measurement `haproxy`, tags `proxy` (pxname), `sv` (svname), `type` (frontend|backend|server|listener),
 * `process` (the pid column: HAProxy's process number, bounded); every numeric column as an integer field
 * named by its header name (64-bit byte counters stay exact as bigint), `status` and `check_status` as string
 * fields. Columns are mapped by header name (they differ between versions); a repeated header (concatenated
 * dumps) replaces the mapping; a row whose field count differs from its header's is the known broken output
 * (`DRAIN (agent)1`, a missing comma) and is skipped and counted. Headerless dumps use HAProxy's documented
 * column order and the most common row width.
 */
import { makeMetricPoint, type FieldValue, type MetricPoint } from '../../pipeline/records';

/** Stats fields 0..32 as documented since HAProxy 1.x (management.txt §9.1); positions are stable. */
const POSITIONAL = (
  'pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,' +
  'act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,' +
  'check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,' +
  'req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,' +
  'rtime,ttime'
).split(',');

const TYPE_NAMES = ['frontend', 'backend', 'server', 'listener'];
/** Columns that become tags or are not values. */
const NOT_FIELDS = new Set(['pxname', 'svname', 'type', 'pid', 'status', 'check_status', '', '-']);

export interface CsvOptions {
  readonly baseTags: Readonly<Record<string, string>>;
  readonly app: string;
  readonly maxSeries: number;
}

export interface CsvResult {
  points: MetricPoint[];
  rows: number;
  /** Rows skipped because their field count differs from the header's. */
  brokenLines: number;
  seriesDropped: number;
  /** The first broken line, for the operator: line number and widths, never the row's content. */
  firstProblem: string | undefined;
}

function isInteger(v: string): boolean {
  let i = v.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= v.length) return false;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The most common field count of headerless rows from `start` to the next header. */
function commonWidth(rows: readonly string[][], start: number): number {
  const counts = new Map<number, number>();
  for (let r = start; r < rows.length; r++) {
    const row = rows[r] as string[];
    if (row.length === 1 && row[0] === '') continue;
    if ((row[0] ?? '').startsWith('# ')) break;
    counts.set(row.length, (counts.get(row.length) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = -1;
  for (const [width, n] of counts) if (n > bestCount) [best, bestCount] = [width, n];
  return best;
}

export function parseHaproxyCsv(text: string, o: CsvOptions, nowMs: number): CsvResult {
  const result: CsvResult = { points: [], rows: 0, brokenLines: 0, seriesDropped: 0, firstProblem: undefined };
  const rows = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l).split(','));
  let columns: string[] | undefined;
  let width = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as string[];
    const first = row[0] as string;
    if (row.length === 1 && first.trim() === '') continue;
    if (first.startsWith('# ')) {
      columns = [first.slice(2), ...row.slice(1)];
      width = columns.length;
      continue;
    }
    if (columns === undefined) {
      columns = POSITIONAL;
      width = commonWidth(rows, r);
    }
    result.rows++;
    if (row.length !== width) {
      if (result.brokenLines++ === 0) result.firstProblem = `line ${r + 1}: ${row.length} fields where its header has ${width}`;
      continue;
    }
    if (result.points.length >= o.maxSeries) {
      result.seriesDropped++;
      continue;
    }
    result.points.push(rowPoint(columns, row, o, nowMs));
  }
  return result;
}

function rowPoint(columns: readonly string[], row: readonly string[], o: CsvOptions, nowMs: number): MetricPoint {
  const tags: Record<string, string> = { ...o.baseTags };
  const fields: Record<string, FieldValue> = {};
  let type: string | undefined;
  for (let c = 0; c < row.length && c < columns.length; c++) {
    const name = columns[c] as string;
    const value = row[c] as string;
    if (value === '') continue;
    if (NOT_FIELDS.has(name)) {
      if (name === 'pxname') tags.proxy = value;
      else if (name === 'svname') tags.sv = value;
      else if (name === 'pid') tags.process = value;
      else if (name === 'type') type = TYPE_NAMES[Number(value)];
      else if (name === 'status') fields.status = value.trim();
      else if (name === 'check_status') fields.check_status = value.startsWith('* ') ? value.slice(2) : value;
      continue;
    }
    if (isInteger(value)) fields[name] = BigInt(value);
  }
  tags.type = type ?? (tags.sv === 'FRONTEND' ? 'frontend' : tags.sv === 'BACKEND' ? 'backend' : 'server');
  return makeMetricPoint('haproxy', tags, fields, nowMs, o.app);
}
