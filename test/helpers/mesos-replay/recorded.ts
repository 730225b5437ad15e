/**
 * The recorded agent payloads the replay server is built from (test/fixtures/mesos, see PROVENANCE.md).
 * Every payload the server returns is one of these, or a combination of their objects with changed values.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURES_DIR = resolve(__dirname, '..', '..', 'fixtures', 'mesos');

export type Json = Record<string, unknown>;

const parsed = new Map<string, unknown>();

/** A fresh deep copy of a fixture (parsed once per process). */
export function readFixture<T = unknown>(name: string): T {
  let value = parsed.get(name);
  if (value === undefined) {
    value = JSON.parse(readFileSync(join(FIXTURES_DIR, name), 'utf8')) as unknown;
    parsed.set(name, value);
  }
  return structuredClone(value) as T;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Recorded `/state` documents. */
export const STATE_FIXTURES = {
  /** Mesos 0.22-era agent with flags, one Marathon command-executor task with directory/container/ports. */
  datadog: 'datadog.agent-state.marathon-task.json',
  /** DC/OS-era trimmed agent state: executor + task labels, task status with container_status. */
  dcos: 'dcos-metrics.agent-state.json',
  /** Mesos 0.21.1 trimmed state: one framework, no executors. */
  diamond: 'diamond.agent-state.mesos-0.21.1.json',
} as const;
export type StateFixture = keyof typeof STATE_FIXTURES;

/** Recorded executor objects (with their task) that new executors are cloned from. */
export const EXECUTOR_TEMPLATES = {
  datadog: () => firstExecutor(readFixture<Json>(STATE_FIXTURES.datadog)),
  dcos: () => firstExecutor(readFixture<Json>(STATE_FIXTURES.dcos)),
} as const;
export type ExecutorTemplate = keyof typeof EXECUTOR_TEMPLATES;

function firstExecutor(state: Json): Json {
  const fw = (state['frameworks'] as Json[])[0] as Json;
  return (fw['executors'] as Json[])[0] as Json;
}

/** Recorded `statistics` objects (ResourceStatistics) a container's statistics are cloned from. */
export const STATISTICS_TEMPLATES = {
  /** cgroups isolators: cpu incl. CFS throttling, memory incl. pressure counters, blkio (dcos-metrics /containers). */
  cgroups: () => (readFixture<Json[]>('dcos-metrics.container-metrics-blkio.json')[0] as Json)['statistics'] as Json,
  /** network/port_mapping isolator: cpu, memory, net_* counters, traffic control, perf (Mesos docs example). */
  network: () => (readFixture<Json[]>('agent-monitor-statistics.network-port-mapping.mesos-docs.json')[0] as Json)['statistics'] as Json,
  /** posix isolators on an old agent: cpu times, memory, timestamp (Diamond /monitor/statistics). */
  posix: () => (readFixture<Json[]>('diamond.agent-monitor-statistics.json')[0] as Json)['statistics'] as Json,
} as const;
export type StatisticsTemplate = keyof typeof STATISTICS_TEMPLATES;

/** The recorded `/containers` entry (container_id, executor_id, executor_name, framework_id, source, statistics). */
export function containersEntryTemplate(): Json {
  return readFixture<Json[]>('dcos-metrics.container-metrics.json')[0] as Json;
}

export const SNAPSHOT_FIXTURES = {
  /** 47 keys of a modern agent. */
  modern: 'docker-practice.agent-metrics-snapshot.json',
  /** Legacy un-prefixed keys mixed with slave/* keys. */
  legacy: 'datadog.agent-metrics-snapshot.legacy-and-new-keys.json',
} as const;
export type SnapshotFixture = keyof typeof SNAPSHOT_FIXTURES;

/** Metric kinds from the catalogue (source kind when known, else the documented one). */
export function metricKinds(): Map<string, 'counter' | 'gauge'> {
  const catalogue = readFixture<{ metrics: { node: string; metric: string; type_documented: string | null; type_in_source?: string }[] }>(
    'metric-catalog.from-monitoring-md.json',
  );
  const kinds = new Map<string, 'counter' | 'gauge'>();
  for (const m of catalogue.metrics) {
    if (m.node !== 'agent') continue;
    const kind = m.type_in_source ?? m.type_documented;
    if (kind === 'counter' || kind === 'gauge') kinds.set(m.metric, kind);
  }
  return kinds;
}
