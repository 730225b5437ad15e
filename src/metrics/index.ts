/**
 * The metrics collector's components: `mesos_metrics` (agent snapshot + per-container statistics, cgroups
 * as fallback) and `host_metrics` (/proc and statfs). Both are sources of MetricPoints, one batch per
 * `metrics.interval_ms`. The Mesos client and metadata are the shared instances the assembler creates.
 */
import type { MesosAgentClient, MesosMetadata } from '../mesos/model';
import type { ComponentContext } from '../pipeline/context';
import { defineComponent } from '../pipeline/registry';
import { AgentCollector } from './agent/agent-collector';
import { CardinalityGuard } from './cardinality';
import { CgroupAccess } from './cgroups/cgroup-access';
import type { Collector } from './collector';
import type { MetricsConfig } from './config';
import { ContainersCollector } from './containers/containers-collector';
import { HostCollector } from './host/host-collector';
import { MetricsSource } from './metrics-source';
import { MetricsOwnMetrics } from './own-metrics';

export interface MesosMetricsConfig {
  name: string;
  metrics: MetricsConfig;
  mesos: { client: MesosAgentClient; metadata: MesosMetadata };
  /** Tests: the mount table text used for cgroup version detection (default /proc/self/mounts). */
  mountsText?: string;
}

export function createMesosMetricsSource(cfg: MesosMetricsConfig, context: ComponentContext): MetricsSource {
  const m = cfg.metrics;
  const own = new MetricsOwnMetrics(context.metrics);
  const collectors: Collector[] = [];
  if (m.agent.enabled) {
    collectors.push(new AgentCollector({ client: cfg.mesos.client, hostname: context.hostname, own, snapshotTimeoutMs: m.agent.snapshot_timeout_ms }));
  }
  if (m.containers.enabled) {
    const cgroups = m.cgroups.enabled
      ? new CgroupAccess({ root: m.cgroups.root, mesosRoot: m.cgroups.mesos_root, userHz: m.cgroups.user_hz, own, ...(cfg.mountsText === undefined ? {} : { mountsText: cfg.mountsText }) })
      : undefined;
    const guard = new CardinalityGuard({ perTask: m.per_task, seriesBudgetPerApp: m.series_budget_per_app, perApp: m.per_app_overrides }, context.metrics);
    collectors.push(new ContainersCollector({ client: cfg.mesos.client, metadata: cfg.mesos.metadata, cgroups, guard, hostname: context.hostname, own }));
  }
  return new MetricsSource({ name: cfg.name, collectors, intervalMs: m.interval_ms, context, own });
}

export function createHostMetricsSource(cfg: { name: string; metrics: MetricsConfig }, context: ComponentContext): MetricsSource {
  const h = cfg.metrics.host;
  const own = new MetricsOwnMetrics(context.metrics);
  const collectors: Collector[] = h.enabled
    ? [new HostCollector({ hostname: context.hostname, clock: context.clock, own, mounts: h.mounts, disksExclude: h.disks_exclude, interfacesExclude: h.interfaces_exclude })]
    : [];
  return new MetricsSource({ name: cfg.name, collectors, intervalMs: cfg.metrics.interval_ms, context, own });
}

/** Mesos agent metrics and per-container statistics (per app by default). */
export const mesosMetricsSource = defineComponent({
  kind: 'source',
  type: 'mesos_metrics',
  description: 'Mesos agent /metrics/snapshot and per-container statistics (/containers, /monitor/statistics, cgroups v1/v2), aggregated per app',
  create: (cfg: MesosMetricsConfig, context) => createMesosMetricsSource(cfg, context),
});

/** Host CPU, memory, load, disk, network and filesystem metrics. */
export const hostMetricsSource = defineComponent({
  kind: 'source',
  type: 'host_metrics',
  description: 'Host CPU, memory, load, disks, network interfaces and filesystems from /proc and statfs',
  create: (cfg: { name: string; metrics: MetricsConfig }, context) => createHostMetricsSource(cfg, context),
});
