/**
 * One task object of the agent's `/state` (running, queued or completed) → MesosTask. Every field is
 * optional and type-checked: a wrong type reads as absent. Only a task without a string `id` is rejected.
 */
import type { MesosTask } from './model';

export type Json = Record<string, unknown>;

export function asObject(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}
export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
export function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}
function asNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Highest port number; a range beyond it is malformed. */
const MAX_PORT = 65535;

/**
 * Host ports from a Mesos ranges string: "[31000-31001, 31005-31005]" → [31000, 31001, 31005]. Malformed
 * ranges are skipped; the expansion is bounded by the port space.
 */
export function parsePortRanges(value: unknown): number[] {
  const s = asString(value);
  if (s === undefined) return [];
  const out: number[] = [];
  const re = /(\d+)\s*-\s*(\d+)/g;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (lo > hi || hi > MAX_PORT) continue;
    for (let p = lo; p <= hi && out.length <= MAX_PORT; p++) out.push(p);
  }
  return out;
}

/** Labels from `[{key, value}]` (or the protobuf-JSON `{labels: [...]}`); later duplicates win. */
export function parseLabels(value: unknown): Record<string, string> {
  const list = Array.isArray(value) ? value : asArray(asObject(value)?.['labels']);
  const out: Record<string, string> = {};
  for (const item of list) {
    const o = asObject(item);
    const key = asString(o?.['key']);
    if (o === undefined || key === undefined) continue;
    // A label without a value is legal in Mesos (value is optional).
    out[key] = asString(o['value']) ?? '';
  }
  return out;
}

/** `discovery.ports.ports[]` → name → number (first declaration of a name wins: tcp and udp share it). */
function parsePortNames(discovery: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of asArray(asObject(asObject(discovery)?.['ports'])?.['ports'])) {
    const o = asObject(item);
    const name = asString(o?.['name']);
    const num = asNumber(o?.['number']);
    if (name === undefined || name === '' || num === undefined || !Number.isInteger(num) || num < 0 || num > MAX_PORT) continue;
    if (!(name in out)) out[name] = num;
  }
  return out;
}

/** The latest status: highest `timestamp`, ties (or no timestamps) → the later element. */
function latestStatus(statuses: readonly unknown[], predicate: (s: Json) => boolean): Json | undefined {
  let best: Json | undefined;
  let bestTs = -Infinity;
  for (const item of statuses) {
    const s = asObject(item);
    if (s === undefined || !predicate(s)) continue;
    const ts = asNumber(s['timestamp']) ?? -Infinity;
    if (best === undefined || ts >= bestTs) {
      best = s;
      bestTs = ts;
    }
  }
  return best;
}

/** IPs of `container_status.network_infos[]`: `ip_addresses[].ip_address`, or the pre-0.26 `ip_address`. */
function parseIps(containerStatus: Json | undefined): string[] {
  const out: string[] = [];
  for (const ni of asArray(containerStatus?.['network_infos'])) {
    const info = asObject(ni);
    if (info === undefined) continue;
    const legacy = asString(info['ip_address']);
    if (legacy !== undefined && legacy !== '' && !out.includes(legacy)) out.push(legacy);
    for (const a of asArray(info['ip_addresses'])) {
      const ip = asString(asObject(a)?.['ip_address']);
      if (ip !== undefined && ip !== '' && !out.includes(ip)) out.push(ip);
    }
  }
  return out;
}

/** Every value of a ContainerID chain, innermost first: `{value, parent: {value, parent...}}`. */
export function containerIdChain(value: unknown): string[] {
  const out: string[] = [];
  for (let o = asObject(value); o !== undefined && out.length < 16; o = asObject(o['parent'])) {
    const v = asString(o['value']);
    if (v !== undefined && v !== '') out.push(v);
  }
  return out;
}

export interface ParsedTask {
  readonly task: MesosTask;
  /** `executor_id` of the task object ('' for the command executor). */
  readonly executorId: string;
  /** `slave_id` of the task object, when present. */
  readonly agentId: string | undefined;
  /** The container id chain of the latest status carrying one (innermost first). */
  readonly containerIds: readonly string[];
}

/** Normalises a task object; undefined when it is not an object with a string id. */
export function parseTask(value: unknown, defaultState: string): ParsedTask | undefined {
  const o = asObject(value);
  const id = asString(o?.['id']);
  if (o === undefined || id === undefined || id === '') return undefined;
  const statuses = asArray(o['statuses']);
  const withContainer = latestStatus(statuses, (s) => asObject(s['container_status']) !== undefined);
  const containerStatus = asObject(withContainer?.['container_status']);
  const containerIds = containerIdChain(containerStatus?.['container_id']);
  const state = asString(o['state']) ?? asString(latestStatus(statuses, (s) => typeof s['state'] === 'string')?.['state']) ?? defaultState;
  const task: MesosTask = {
    id,
    name: asString(o['name']) ?? '',
    state,
    labels: parseLabels(o['labels']),
    hostPorts: parsePortRanges(asObject(o['resources'])?.['ports']),
    portNames: parsePortNames(o['discovery']),
    ipAddresses: parseIps(containerStatus),
    ...(containerIds[0] !== undefined ? { containerId: containerIds[0] } : {}),
  };
  return { task, executorId: asString(o['executor_id']) ?? '', agentId: asString(o['slave_id']), containerIds };
}
