/**
 * The `qos` section: per-app token buckets (lines AND bytes), priority classes sharing an optional node-wide
 * ceiling, per-app overrides from the config file and (optionally) from Mesos task labels, and a series
 * budget per app for metric points. See src/qos/README.md for the algorithm.
 *
 * ```yaml
 * qos:
 *   defaults: { lines_per_sec: 1000, burst_lines: 5000, bytes_per_sec: 1MiB, burst_bytes: 5MiB }
 *   overrides:
 *     - { app: /payments/api, lines_per_sec: 5000, priority: critical }
 *     - { app: "/batch/**", priority: low }
 *   node: { lines_per_sec: 50000, bytes_per_sec: 50MiB }
 *   on_excess: sample
 *   sample_rate: 100
 * ```
 */
import { z } from 'zod';
import { durationMs, sizeBytes } from '../config/units';

/** Bounds that keep the fixed-point token arithmetic (micro-tokens, µs) exact in a double (< 2^53). */
export const MAX_LINES_PER_SEC = 10_000_000;
export const MAX_BURST_LINES = 1_000_000_000;
export const MAX_BYTES_PER_SEC = 1024 ** 3;
export const MAX_BURST_BYTES = 1024 ** 3;

const LINES_RATE_DOC = 'Sustained log lines per second (an integer); 0 = no limit on lines.';
const BURST_LINES_DOC = 'Lines that may pass at once after a quiet period (the bucket size, at least 1).';
const BYTES_RATE_DOC = 'Sustained log bytes per second (an integer or a size like "1MiB"); 0 = no limit on bytes.';
const BURST_BYTES_DOC = 'Bytes that may pass at once (the bucket size). A record larger than this passes only when the bucket is full, leaving a debt that the refill repays before anything else of the app passes.';
const PRIORITY_DOC = 'Priority class (a key of `priorities`): its weight decides the app\'s guaranteed share of the node ceiling.';
const SERIES_DOC = 'Distinct metric series (measurement + tag set) accepted per app per metrics window; points of further series are dropped and counted.';

const bounded = (doc: string, max: number) =>
  sizeBytes(doc).refine((n) => n <= max, { message: `must be at most ${max}` });
const linesRate = () => z.number().int().min(0).max(MAX_LINES_PER_SEC);
const burstLines = () => z.number().int().min(1).max(MAX_BURST_LINES);
const burstBytes = (doc: string) => bounded(doc, MAX_BURST_BYTES).refine((n) => n >= 1, { message: 'must be at least 1' });
const className = z.string().regex(/^[a-z][a-z0-9_]*$/, { message: 'must be lower_snake_case' });

export const qosRatesSchema = z
  .strictObject({
    lines_per_sec: linesRate().default(1000).describe(LINES_RATE_DOC),
    burst_lines: burstLines().default(5000).describe(BURST_LINES_DOC),
    bytes_per_sec: bounded(BYTES_RATE_DOC, MAX_BYTES_PER_SEC).default(1024 * 1024).describe(BYTES_RATE_DOC),
    burst_bytes: burstBytes(BURST_BYTES_DOC).default(5 * 1024 * 1024).describe(BURST_BYTES_DOC),
  })
  .describe('Per-app limits applied to every app that no override names.');

export const qosOverrideSchema = z
  .strictObject({
    app: z
      .string()
      .min(1)
      .describe('App key, exactly ("/shop/web") or as a glob: * and ? stay within one "/" segment, ** spans segments ("/batch/**"). An exact id wins over globs; among globs the first listed wins.'),
    lines_per_sec: linesRate().optional().describe(LINES_RATE_DOC),
    burst_lines: burstLines().optional().describe(BURST_LINES_DOC),
    bytes_per_sec: bounded(BYTES_RATE_DOC, MAX_BYTES_PER_SEC).optional().describe(BYTES_RATE_DOC),
    burst_bytes: burstBytes(BURST_BYTES_DOC).optional().describe(BURST_BYTES_DOC),
    priority: className.optional().describe(PRIORITY_DOC),
    series_per_app: z.number().int().min(1).optional().describe(SERIES_DOC),
  })
  .describe('Limits for the apps matching `app`; keys left out come from `defaults`.');

export const qosLabelOverridesSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Read per-app rates and priority from Mesos task labels (app owners set them in their Marathon app).'),
    lines_per_sec: z.string().min(1).default('HERALD_QOS_LINES_PER_SEC').describe('Task label holding the lines_per_sec of the app.'),
    burst_lines: z.string().min(1).default('HERALD_QOS_BURST_LINES').describe('Task label holding the burst_lines of the app.'),
    bytes_per_sec: z.string().min(1).default('HERALD_QOS_BYTES_PER_SEC').describe('Task label holding the bytes_per_sec of the app (integer or size like "2MiB").'),
    burst_bytes: z.string().min(1).default('HERALD_QOS_BURST_BYTES').describe('Task label holding the burst_bytes of the app.'),
    priority: z.string().min(1).default('HERALD_QOS_PRIORITY').describe('Task label holding the priority class of the app.'),
    allowed_priorities: z
      .array(className)
      .default(['normal', 'low'])
      .describe('Classes a label may select; any other value is invalid (so an app cannot claim a guaranteed share by itself).'),
    max_lines_per_sec: linesRate().default(0).describe('Labels asking for more lines per second are clamped to this; 0 = no clamp.'),
    max_bytes_per_sec: bounded('Labels asking for more bytes per second are clamped to this; 0 = no clamp.', MAX_BYTES_PER_SEC)
      .default(0)
      .describe('Labels asking for more bytes per second are clamped to this; 0 = no clamp.'),
  })
  .describe('Per-app limits from task labels: they take precedence over `defaults`, and an `overrides` entry for the app takes precedence over them. Invalid values are ignored (the other labels still apply) and counted.');

export const qosNodeSchema = z
  .strictObject({
    lines_per_sec: linesRate().default(0).describe('Node-wide lines per second across all apps; 0 = no node ceiling on lines.'),
    bytes_per_sec: bounded('Node-wide bytes per second across all apps; 0 = no node ceiling on bytes.', MAX_BYTES_PER_SEC)
      .default(0)
      .describe('Node-wide bytes per second across all apps; 0 = no node ceiling on bytes.'),
  })
  .describe('A node-wide ceiling, split among priority classes by weight: each class is guaranteed its share, and what a class leaves unused is shared by the others. The burst of each share is one second of its rate.');

export const qosMetricsSchema = z
  .strictObject({
    series_per_app: z.number().int().min(1).default(1000).describe(SERIES_DOC),
    window_ms: durationMs('Length of the series budget window; the set of accepted series restarts every window.').default(60_000)
      .describe('Length of the series budget window; the set of accepted series restarts every window.'),
  })
  .describe('Throttling of metric points: a budget of distinct series per app per window.');

export const qosSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Throttle records per app; when false every record passes unchecked.'),
    throttle_node: z
      .boolean()
      .default(false)
      .describe('Also throttle records that belong to no app (logs.files entries without `app`, host and node-level metrics) as the app "__node__". Off by default: the node\'s own logs, such as a busy HAProxy\'s, are the operator\'s and may exceed any per-app rate'),
    defaults: qosRatesSchema.prefault({}),
    overrides: z.array(qosOverrideSchema).default([]).describe('Per-app limits by exact app id or glob.'),
    label_overrides: qosLabelOverridesSchema.prefault({}),
    priorities: z
      .record(className, z.number().int().min(0).max(1_000_000))
      .default({ critical: 60, normal: 30, low: 10 })
      .describe('Priority classes and their integer weights: under the node ceiling a class is guaranteed weight / sum(weights) of it.'),
    default_priority: className.default('normal').describe('Class of the apps no override or label places in another class.'),
    node: qosNodeSchema.prefault({}),
    on_excess: z
      .enum(['drop', 'sample'])
      .default('drop')
      .describe('What happens to the lines of an app over its limit: drop them all, or keep 1 in sample_rate (deterministically: the 1st, (N+1)th, ... excess line of the app).'),
    sample_rate: z.number().int().min(2).max(1_000_000).default(100).describe('With on_excess: sample, keep 1 in this many excess lines.'),
    summary_interval_ms: durationMs('How often a summary event per throttled app is added to the log stream.').default(10_000)
      .describe('How often a summary event per throttled app is added to the log stream.'),
    idle_evict_ms: durationMs('Forget the bucket of an app idle this long (only once its bucket is full again and its summary emitted, so forgetting changes nothing).').default(300_000)
      .describe('Forget the bucket of an app idle this long (only once its bucket is full again and its summary emitted, so forgetting changes nothing).'),
    max_apps: z.number().int().min(1).max(1_000_000).default(10_000).describe('Most apps tracked at once; records of further apps share one bucket, "__other__", with the default limits (counted).'),
    max_app_labels: z.number().int().min(1).max(10_000).default(200).describe('Most distinct app label values in Herald\'s own herald_qos_* metrics; further apps are counted as app="__other__".'),
    metrics: qosMetricsSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const classes = Object.keys(cfg.priorities);
    const known = (p: string) => classes.includes(p);
    const list = classes.join(', ');
    if (classes.length === 0) ctx.addIssue({ code: 'custom', path: ['priorities'], message: 'at least one priority class is needed' });
    else if (Object.values(cfg.priorities).every((w) => w === 0)) ctx.addIssue({ code: 'custom', path: ['priorities'], message: 'at least one weight must be above 0' });
    if (!known(cfg.default_priority)) ctx.addIssue({ code: 'custom', path: ['default_priority'], message: `unknown priority class "${cfg.default_priority}" (classes: ${list})` });
    cfg.overrides.forEach((o, i) => {
      if (o.priority !== undefined && !known(o.priority)) ctx.addIssue({ code: 'custom', path: ['overrides', i, 'priority'], message: `unknown priority class "${o.priority}" (classes: ${list})` });
    });
    if (cfg.label_overrides.enabled) {
      cfg.label_overrides.allowed_priorities.forEach((p, i) => {
        if (!known(p)) ctx.addIssue({ code: 'custom', path: ['label_overrides', 'allowed_priorities', i], message: `unknown priority class "${p}" (classes: ${list})` });
      });
    }
  })
  .describe('Quality of service: per-app throttling of logs (lines and bytes) and of metric series, with priorities under a node-wide ceiling.');

export type QosConfig = z.infer<typeof qosSchema>;
export type QosRatesConfig = z.infer<typeof qosRatesSchema>;
export type QosOverrideConfig = z.infer<typeof qosOverrideSchema>;
