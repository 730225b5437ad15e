/**
 * Kind lookup for `/metrics/snapshot` keys: the generated catalogue (catalog-rows.ts) by exact name, then
 * its `<placeholder>` templates segment-wise, then the legacy un-prefixed keys of 0.2x agents. Keys nobody
 * documented are gauges: a gauge is never turned into a rate or checked for resets, so a wrong guess costs
 * nothing, while calling a gauge a counter would raise false resets.
 */
import { CATALOG_ROWS, type MetricKind } from './catalog-rows';

export type { MetricKind } from './catalog-rows';

/**
 * Un-prefixed keys that 0.2x agents emitted next to (or instead of) `slave/*` (fixture
 * datadog.agent-metrics-snapshot.legacy-and-new-keys.json; they come from the old `/stats.json`).
 * `modern`: the `slave/*` key with the same meaning. Keys without one are shipped under their own name.
 */
export const LEGACY_KEYS: Readonly<Record<string, { kind: MetricKind; modern?: string }>> = {
  uptime: { kind: 'gauge', modern: 'slave/uptime_secs' },
  registered: { kind: 'gauge', modern: 'slave/registered' },
  valid_status_updates: { kind: 'counter', modern: 'slave/valid_status_updates' },
  invalid_status_updates: { kind: 'counter', modern: 'slave/invalid_status_updates' },
  recovery_errors: { kind: 'counter', modern: 'slave/recovery_errors' },
  failed_tasks: { kind: 'counter', modern: 'slave/tasks_failed' },
  finished_tasks: { kind: 'counter', modern: 'slave/tasks_finished' },
  killed_tasks: { kind: 'counter', modern: 'slave/tasks_killed' },
  lost_tasks: { kind: 'counter', modern: 'slave/tasks_lost' },
  staged_tasks: { kind: 'counter' },
  started_tasks: { kind: 'counter' },
  launched_tasks_gauge: { kind: 'gauge' },
  queued_tasks_gauge: { kind: 'gauge' },
  total_frameworks: { kind: 'gauge' },
};

const exact = new Map<string, MetricKind>();
const templates: { re: RegExp; kind: MetricKind }[] = [];
for (const [name, kind] of CATALOG_ROWS) {
  if (!name.includes('<')) {
    if (!exact.has(name)) exact.set(name, kind);
    continue;
  }
  const source = name
    .split('/')
    .map((seg) => seg.split(/(<[^>]+>)/).map((p) => (p.startsWith('<') ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join(''))
    .join('/');
  templates.push({ re: new RegExp(`^${source}$`), kind });
}

const cache = new Map<string, MetricKind | undefined>();

/** The catalogue's kind for a normalised key; undefined when the catalogue does not know it. */
export function catalogKind(key: string): MetricKind | undefined {
  if (cache.has(key)) return cache.get(key);
  let kind = exact.get(key) ?? LEGACY_KEYS[key]?.kind;
  if (kind === undefined) for (const t of templates) if (t.re.test(key)) {
    kind = t.kind;
    break;
  }
  if (cache.size < 10_000) cache.set(key, kind); // bounded: keys come from the agent
  return kind;
}

/** Counters vs gauges; unknown keys are gauges (see the file comment). */
export function metricKind(key: string): MetricKind {
  return catalogKind(key) ?? 'gauge';
}
