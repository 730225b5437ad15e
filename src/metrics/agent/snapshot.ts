/**
 * `/metrics/snapshot` → normalised values (FORMATS.md §1.1). Every key is optional (a `timeout` makes the
 * agent leave metrics out). Keys are normalised once, the same way for every agent version:
 * - `JSON.parse` already turns the escaped slashes of 0.2x agents (`"master\/elected"`) into `/`; a key that
 *   still holds a literal `\/` (double-escaped by a proxy) gets it replaced too;
 * - legacy un-prefixed keys (`uptime`, `failed_tasks`, …) with a `slave/*` equivalent are renamed to it when
 *   the modern key is absent and dropped as duplicates when it is present; the others keep their names.
 * Values stay as Mesos documents them: `*_percent` is a fraction that can exceed 1, `slave/mem_*` and
 * `slave/disk_*` are MB (the names carry no unit, the Mesos docs do). Non-numeric values are skipped and counted.
 */
import { LEGACY_KEYS, metricKind, type MetricKind } from './catalog';

export interface SnapshotValues {
  /** Normalised key → value, in the agent's key order. */
  values: Map<string, number>;
  kinds: Map<string, MetricKind>;
  invalid: number;
  legacyRenamed: number;
  legacyDropped: number;
}

export function normaliseKey(raw: string): string {
  return raw.includes('\\/') ? raw.replace(/\\\//g, '/') : raw;
}

export function parseSnapshot(payload: unknown): SnapshotValues {
  const out: SnapshotValues = { values: new Map(), kinds: new Map(), invalid: 0, legacyRenamed: 0, legacyDropped: 0 };
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    out.invalid++;
    return out;
  }
  const obj = payload as Record<string, unknown>;
  const normalised = new Map<string, unknown>();
  for (const raw in obj) normalised.set(normaliseKey(raw.trim()), obj[raw]);
  for (const [key, v] of normalised) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      out.invalid++;
      continue;
    }
    let name = key;
    const legacy = LEGACY_KEYS[key];
    if (legacy?.modern !== undefined) {
      if (normalised.has(legacy.modern)) {
        out.legacyDropped++;
        continue;
      }
      name = legacy.modern;
      out.legacyRenamed++;
    }
    out.values.set(name, v);
    out.kinds.set(name, metricKind(name));
  }
  return out;
}
