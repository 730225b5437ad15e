/**
 * Parsers for cgroup v1/v2 interface files (FORMATS.md §3.2). Every integer is parsed as a BigInt, so values
 * beyond 2^53 (v1 "unlimited" 9223372036854771712, runc's 18446744073709551615) stay exact. Nothing here
 * throws on bad content: a value that is not a well-formed integer (garbage, negative where the kernel never
 * writes one, truncated, empty) is skipped and tallied in `Skips` under the file's name, so the caller can
 * count it once per collection (`herald_metrics_cgroup_values_skipped_total{file}`).
 */

/** Tally of skipped values by file name (a fixed set: the files the readers open). */
export class Skips {
  readonly byFile = new Map<string, number>();
  total = 0;
  add(file: string, n = 1): void {
    this.byFile.set(file, (this.byFile.get(file) ?? 0) + n);
    this.total += n;
  }
}

const UNSIGNED = /^\d{1,20}$/;
const SIGNED = /^-?\d{1,20}$/;
/** Largest value a kernel counter can hold (u64); anything longer is truncated garbage. */
const U64_MAX = (1n << 64n) - 1n;

/** A non-negative integer (at most u64), or undefined. */
export function parseUnsigned(text: string): bigint | undefined {
  if (!UNSIGNED.test(text)) return undefined;
  const v = BigInt(text);
  return v <= U64_MAX ? v : undefined;
}

/** A signed integer (e.g. cpu.cfs_quota_us, where -1 means unlimited), or undefined. */
export function parseSigned(text: string): bigint | undefined {
  if (!SIGNED.test(text)) return undefined;
  const v = BigInt(text);
  return v <= U64_MAX ? v : undefined;
}

/** A file holding exactly one non-negative integer (`memory.usage_in_bytes`, `cpuacct.usage`). */
export function parseSingle(file: string, text: string | undefined, skips: Skips): bigint | undefined {
  if (text === undefined) return undefined;
  const v = parseUnsigned(text.trim());
  if (v === undefined) skips.add(file);
  return v;
}

/**
 * A limit file: a non-negative integer, or `max` (v2). Returns 'max' for the literal, the exact value
 * otherwise; the caller decides what counts as unlimited (v1 writes a page-rounded 2^63-1).
 */
export function parseLimit(file: string, text: string | undefined, skips: Skips): bigint | 'max' | undefined {
  if (text === undefined) return undefined;
  const s = text.trim();
  if (s === 'max') return 'max';
  return parseSingle(file, s, skips);
}

/**
 * Flat-keyed files (`key value` per line: v1 `cpuacct.stat`, `cpu.stat`, `memory.stat`; v2 `cpu.stat`,
 * `memory.stat`, `memory.events`). Order is not relied on (v2 memory.stat may grow keys in the middle).
 */
export function parseFlatKeyed(file: string, text: string | undefined, skips: Skips): Map<string, bigint> {
  const out = new Map<string, bigint>();
  if (text === undefined) return out;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const v = sp > 0 ? parseUnsigned(line.slice(sp + 1).trim()) : undefined;
    if (v === undefined) skips.add(file);
    else out.set(line.slice(0, sp), v);
  }
  return out;
}

/** v1 blkio.throttle.* totals: per device and the cgroup-wide `Total` line (op names lower-cased). */
export interface BlkioV1 {
  /** Sums over devices by op (`read`, `write`, `sync`, `async`, `total`). */
  byOp: Map<string, bigint>;
  /** The final `Total N` line, when present. */
  total: bigint | undefined;
  devices: number;
}

/** `MAJ:MIN Op N` lines plus a final `Total N` (FORMATS.md §3.2). */
export function parseBlkioV1(file: string, text: string | undefined, skips: Skips): BlkioV1 {
  const out: BlkioV1 = { byOp: new Map(), total: undefined, devices: 0 };
  if (text === undefined) return out;
  const seen = new Set<string>();
  for (const raw of text.split('\n')) {
    const parts = raw.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') continue;
    if (parts.length === 2 && parts[0] === 'Total') {
      const v = parseUnsigned(parts[1] as string);
      if (v === undefined) skips.add(file);
      else out.total = v;
      continue;
    }
    const v = parts.length === 3 && /^\d+:\d+$/.test(parts[0] as string) ? parseUnsigned(parts[2] as string) : undefined;
    if (v === undefined) {
      skips.add(file);
      continue;
    }
    seen.add(parts[0] as string);
    const op = (parts[1] as string).toLowerCase();
    out.byOp.set(op, (out.byOp.get(op) ?? 0n) + v);
  }
  out.devices = seen.size;
  return out;
}

/** v2 `io.stat`: `MAJ:MIN rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…`, summed over devices. */
export function parseIoStat(file: string, text: string | undefined, skips: Skips): Map<string, bigint> {
  const out = new Map<string, bigint>();
  if (text === undefined) return out;
  for (const raw of text.split('\n')) {
    const parts = raw.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') continue;
    if (!/^\d+:\d+$/.test(parts[0] as string)) {
      skips.add(file);
      continue;
    }
    for (let i = 1; i < parts.length; i++) {
      const kv = parts[i] as string;
      const eq = kv.indexOf('=');
      const v = eq > 0 ? parseUnsigned(kv.slice(eq + 1)) : undefined;
      if (v === undefined) skips.add(file);
      else out.set(kv.slice(0, eq), (out.get(kv.slice(0, eq)) ?? 0n) + v);
    }
  }
  return out;
}

export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  /** Cumulative stall time, µs. */
  total: bigint;
}
export interface Pressure {
  some: PressureLine | undefined;
  full: PressureLine | undefined;
}

const AVG = /^\d+(?:\.\d+)?$/;

/** PSI files (`cpu.pressure`, `memory.pressure`, `io.pressure`): `some|full avg10=… avg60=… avg300=… total=…`. */
export function parsePressure(file: string, text: string | undefined, skips: Skips): Pressure {
  const out: Pressure = { some: undefined, full: undefined };
  if (text === undefined) return out;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const parts = line.split(/\s+/);
    const kind = parts[0];
    const vals: Record<string, string> = {};
    for (let i = 1; i < parts.length; i++) {
      const kv = parts[i] as string;
      const eq = kv.indexOf('=');
      if (eq > 0) vals[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const total = parseUnsigned(vals['total'] ?? '');
    const a10 = vals['avg10'] ?? '';
    const a60 = vals['avg60'] ?? '';
    const a300 = vals['avg300'] ?? '';
    if ((kind !== 'some' && kind !== 'full') || total === undefined || !AVG.test(a10) || !AVG.test(a60) || !AVG.test(a300)) {
      skips.add(file);
      continue;
    }
    out[kind] = { avg10: Number(a10), avg60: Number(a60), avg300: Number(a300), total };
  }
  return out;
}

/** v2 `cpu.max`: `$MAX $PERIOD` with `max` meaning unlimited. */
export function parseCpuMax(file: string, text: string | undefined, skips: Skips): { quotaUs: bigint | 'max'; periodUs: bigint } | undefined {
  if (text === undefined) return undefined;
  const parts = text.trim().split(/\s+/);
  const quota = parts[0] === 'max' ? 'max' : parseUnsigned(parts[0] ?? '');
  const period = parseUnsigned(parts[1] ?? '');
  if (parts.length !== 2 || quota === undefined || period === undefined || period === 0n) {
    skips.add(file);
    return undefined;
  }
  return { quotaUs: quota, periodUs: period };
}
