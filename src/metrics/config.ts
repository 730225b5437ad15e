/**
 * The `metrics` section.
 *
 * ```yaml
 * metrics:
 *   interval_ms: 10s
 *   agent: { enabled: true }
 *   containers: { enabled: true }
 *   cgroups: { enabled: true, root: /sys/fs/cgroup, mesos_root: mesos }
 *   host: { enabled: true, mounts: [/, /var/lib/mesos] }
 *   per_task: false
 *   series_budget_per_app: 100
 *   per_app_overrides:
 *     /shop/web: { per_task: true, series_budget: 20 }
 * ```
 */
import { z } from 'zod';
import { durationMs } from '../config/units';
import { DEFAULT_DISK_EXCLUDE } from './host/diskstats';
import { DEFAULT_INTERFACE_EXCLUDE } from './host/net-dev';

const namePatterns = () => z.array(z.string().min(1));
const PATTERNS_DOC = 'exact names, or a prefix followed by "*"';

export const metricsSchema = z
  .strictObject({
    interval_ms: durationMs('Time between the end of one collection being taken and the start of the next')
      .refine((ms) => ms >= 1000 && ms <= 3_600_000, { message: 'must be between 1s and 1h' })
      .default(10_000)
      .describe('Time between the end of one collection being taken and the start of the next (1s to 1h)'),
    agent: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Collect the agent's /metrics/snapshot as the mesos_agent measurement"),
        snapshot_timeout_ms: durationMs('Passed to the agent as ?timeout=: metrics slower than this are left out of the snapshot instead of failing it')
          .default(5000)
          .describe('Passed to the agent as ?timeout=: metrics slower than this are left out of the snapshot instead of failing it'),
      })
      .prefault({})
      .describe('Agent metrics (/metrics/snapshot)'),
    containers: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Collect per-container statistics (/containers, else /monitor/statistics, else cgroups) as the mesos_container measurement'),
      })
      .prefault({})
      .describe('Per-container resource statistics'),
    cgroups: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Read container cgroups directly: for values the agent does not give, and for every container when the agent is down'),
        root: z.string().startsWith('/').default('/sys/fs/cgroup').describe('Where the cgroup hierarchies are mounted (the agent flag --cgroups_hierarchy)'),
        mesos_root: z.string().min(1).regex(/^[^/]/, 'must be relative').default('mesos').describe('The Mesos cgroup root under each hierarchy (the agent flag --cgroups_root)'),
        user_hz: z.number().int().min(1).max(10_000).default(100).describe('Kernel USER_HZ, the unit of cpuacct.stat (100 on every mainstream Linux architecture)'),
      })
      .prefault({})
      .describe('cgroup v1/v2 reader'),
    host: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Collect host CPU, memory, load, disk, network and filesystem metrics from /proc and statfs'),
        mounts: z.array(z.string().startsWith('/')).default(['/']).describe('Mount points whose filesystem usage is reported (host_filesystem, tag path)'),
        disks_exclude: namePatterns().default(DEFAULT_DISK_EXCLUDE).describe(`Block devices left out of host_disk (partitions always are): ${PATTERNS_DOC}`),
        interfaces_exclude: namePatterns().default(DEFAULT_INTERFACE_EXCLUDE).describe(`Network interfaces left out of host_net: ${PATTERNS_DOC}`),
      })
      .prefault({})
      .describe('Host metrics'),
    per_task: z.boolean().default(false).describe('One mesos_container series per container (tags executor, task, container_id) instead of one per app per node'),
    series_budget_per_app: z.number().int().min(1).max(100_000).default(100).describe('Most mesos_container series per app per node; further containers are folded into one _overflow series and counted'),
    per_app_overrides: z
      .record(
        z.string().min(1),
        z
          .strictObject({
            per_task: z.boolean().optional().describe('per_task for this app'),
            series_budget: z.number().int().min(1).max(100_000).optional().describe('series_budget_per_app for this app'),
          })
          .describe('Overrides for one app'),
      )
      .default({})
      .describe('Per app key (the Marathon app id, e.g. "/shop/web"): per_task and series budget overrides'),
  })
  .describe('The metrics collector: Mesos agent, containers, cgroups and host');

export type MetricsConfig = z.infer<typeof metricsSchema>;
