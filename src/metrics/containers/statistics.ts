/**
 * One `/containers` or `/monitor/statistics` entry → a `ContainerSample`: who it is (container id when the
 * endpoint gives one, framework and executor ids) and a flat map of the numeric fields Herald knows
 * (`fields.ts`). Entries come from JSON of varying Mesos versions, so every member is checked: a field of the
 * wrong type is skipped and counted (`invalid`); an entry without `statistics` (FORMATS.md §1.3: a container
 * being launched or destroyed) yields a sample with no values.
 */
import { CONTAINER_FIELDS } from './fields';

export interface ContainerSample {
  /** `container_id` of `/containers`; undefined from `/monitor/statistics` (older agents). */
  containerId: string | undefined;
  frameworkId: string;
  executorId: string;
  /** `statistics.timestamp` (float seconds) when present. */
  timestampSec: number | undefined;
  values: Map<string, number>;
  hasStatistics: boolean;
}

export interface NormaliseTally {
  /** Entries that were not objects or lacked executor/framework ids. */
  badEntries: number;
  /** Known fields with a non-numeric or negative value. */
  invalidValues: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Normalise a whole payload (a JSON array); anything else is no entries plus one bad entry. */
export function normalisePayload(payload: unknown, tally: NormaliseTally): ContainerSample[] {
  if (!Array.isArray(payload)) {
    tally.badEntries++;
    return [];
  }
  const out: ContainerSample[] = [];
  for (const e of payload) {
    const s = normaliseEntry(e, tally);
    if (s) out.push(s);
  }
  return out;
}

export function normaliseEntry(entry: unknown, tally: NormaliseTally): ContainerSample | undefined {
  if (!isObject(entry)) {
    tally.badEntries++;
    return undefined;
  }
  const frameworkId = str(entry['framework_id']);
  const executorId = str(entry['executor_id']);
  if (frameworkId === undefined || executorId === undefined) {
    tally.badEntries++;
    return undefined;
  }
  const sample: ContainerSample = {
    containerId: str(entry['container_id']),
    frameworkId,
    executorId,
    timestampSec: undefined,
    values: new Map(),
    hasStatistics: false,
  };
  const st = entry['statistics'];
  if (!isObject(st)) return sample;
  sample.hasStatistics = true;
  const ts = st['timestamp'];
  if (typeof ts === 'number' && Number.isFinite(ts) && ts > 0) sample.timestampSec = ts;
  for (const key in st) {
    if (CONTAINER_FIELDS[key] === undefined) continue;
    const v = st[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) sample.values.set(key, v);
    else tally.invalidValues++;
  }
  const blkio = st['blkio_statistics'];
  if (isObject(blkio)) addBlkio(blkio, sample.values, tally);
  return sample;
}

const OPS: Readonly<Record<string, string>> = { READ: 'read', WRITE: 'write', TOTAL: 'total' };

/**
 * `blkio_statistics.throttling[]`: the entry without `device` is the cgroup-wide total (Mesos reads the
 * `Total` line into it, op TOTAL only); READ/WRITE are summed over the per-device entries, and so is TOTAL
 * when the device-less entry is missing. SYNC/ASYNC are another split of the same I/O and are not used, nor
 * are `cfq*` (per-policy statistics, empty with blk-mq schedulers).
 */
function addBlkio(blkio: Record<string, unknown>, values: Map<string, number>, tally: NormaliseTally): void {
  const throttling = blkio['throttling'];
  if (!Array.isArray(throttling)) return;
  for (const kind of ['io_service_bytes', 'io_serviced'] as const) {
    const devices = new Map<string, number>();
    let total: number | undefined;
    for (const e of throttling) {
      if (!isObject(e) || !Array.isArray(e[kind])) continue;
      const wide = e['device'] === undefined;
      for (const item of e[kind] as unknown[]) {
        if (!isObject(item)) continue;
        const op = typeof item['op'] === 'string' ? OPS[item['op']] : undefined;
        if (op === undefined) continue;
        const v = item['value'];
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
          tally.invalidValues++;
          continue;
        }
        if (wide) {
          if (op === 'total') total = v;
        } else devices.set(op, (devices.get(op) ?? 0) + v);
      }
    }
    for (const op of ['read', 'write'] as const) {
      const v = devices.get(op);
      if (v !== undefined) values.set(`blkio_${kind}_${op}`, v);
    }
    const t = total ?? devices.get('total');
    if (t !== undefined) values.set(`blkio_${kind}_total`, t);
  }
}
