/**
 * The `scrape` section: static targets, discovery from Mesos task labels, Herald's own /metrics, and the
 * limits that keep one target from hurting the others.
 *
 * ```yaml
 * scrape:
 *   concurrency: 16
 *   targets:
 *     - { name: haproxy, url: "http://127.0.0.1:9000/metrics", format: prometheus }
 *     - { name: haproxy_csv, url: "http://127.0.0.1:9000/stats;csv", format: haproxy_csv, interval_ms: 30s }
 *     - { name: zk, url: "tcp://127.0.0.1:2181", format: tcp_health, interval_ms: 10s }
 *     - name: marathon
 *       url: "http://127.0.0.1:8080/metrics"
 *       format: json
 *       json: { paths: ["/gauges/*\/value", "/counters"], separator: "." }
 *   discovery: { address: agent_hostname }
 * ```
 */
import { z } from 'zod';
import { durationMs, sizeBytes } from '../config/units';
import { resolveSecrets, secretKeys } from '../config/secret';

export const SCRAPE_FORMATS = ['prometheus', 'openmetrics', 'json', 'haproxy_csv', 'http_health', 'tcp_health'] as const;
export type ScrapeFormat = (typeof SCRAPE_FORMATS)[number];

const INTERVAL_DOC = 'How often the target is scraped';
const TIMEOUT_DOC = 'A scrape taking longer than this fails with reason "timeout" (at most the interval)';
const BODY_DOC = 'Bodies are cut at this size: what came before the cut is parsed, the cut is counted (reason "body_too_large")';
const SERIES_DOC = 'Points kept per scrape (fields for json); the rest is dropped and counted (reason "series_limit")';
const tagsSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string());

export const jsonOptionsSchema = z
  .strictObject({
    measurement: z.string().min(1).optional().describe('Measurement of the point (default: the target name)'),
    paths: z.array(z.string().startsWith('/')).default([]).describe('Keep only the subtrees these JSON-pointer-like paths select, e.g. "/gauges/*/value" (* = any one key); empty keeps every number'),
    tags_from: tagsSchema.default({}).describe('Tag name → path of a scalar member whose value becomes the tag, e.g. { cluster: "/cluster/name" }'),
    array_key: z.string().min(1).optional().describe('Name array elements by the value of this member (objects that have it) instead of by index'),
    separator: z.string().min(1).default('.').describe('Joins the path segments of a field name'),
  })
  .describe('How a JSON document becomes fields');

export const healthOptionsSchema = z
  .strictObject({
    expected_status: z
      .array(z.union([z.number().int().min(100).max(599), z.string().regex(/^[1-5]\d\d-[1-5]\d\d$/)]))
      .default(['200-399'])
      .describe('HTTP statuses that count as up: codes or ranges like "200-399"'),
    body_contains: z.string().min(1).optional().describe('Up only if the body contains this text (first max_body_bytes)'),
    body_regex: z
      .string()
      .min(1)
      .optional()
      .superRefine((source, ctx) => {
        if (source === undefined) return;
        try {
          new RegExp(source);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
        }
      })
      .describe('Up only if the body matches this regular expression (JavaScript syntax)'),
  })
  .describe('What an http_health check considers up');

export const scrapeTargetSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]+$/).describe('Unique name; the scrape_target tag of the points'),
    url: z.url().describe('http(s)://host:port/path, or tcp://host:port for tcp_health'),
    format: z.enum(SCRAPE_FORMATS).default('prometheus').describe('prometheus (OpenMetrics preferred, text accepted), openmetrics (asks for OpenMetrics only), json, haproxy_csv, http_health, tcp_health'),
    interval_ms: durationMs(INTERVAL_DOC).optional().describe(`${INTERVAL_DOC} (default: scrape.interval_ms)`),
    timeout_ms: durationMs(TIMEOUT_DOC).optional().describe(`${TIMEOUT_DOC} (default: scrape.timeout_ms)`),
    headers: z.record(z.string(), z.string()).default({}).describe('Extra request headers (never logged)'),
    ...secretKeys(['bearer_token'], () => 'Sent as "Authorization: Bearer <token>" (never logged)'),
    tags: tagsSchema.default({}).describe('Tags added to every point of this target'),
    app: z.string().min(1).optional().describe('App key of the points and health events (service.name), e.g. "/infra/haproxy"'),
    max_body_bytes: sizeBytes(BODY_DOC).optional().describe(`${BODY_DOC} (default: scrape.max_body_bytes)`),
    max_series: z.number().int().min(1).optional().describe(`${SERIES_DOC} (default: scrape.max_series)`),
    json: jsonOptionsSchema.prefault({}).describe('Options of format json'),
    health: healthOptionsSchema.prefault({}).describe('Options of format http_health'),
  })
  .transform((t, ctx) => resolveSecrets(t, ['bearer_token'], ctx))
  .superRefine((t, ctx) => {
    const tcp = t.url.startsWith('tcp://');
    if (tcp !== (t.format === 'tcp_health')) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: tcp ? 'tcp:// URLs are only for format tcp_health' : 'format tcp_health needs a tcp://host:port URL' });
    }
    if (!tcp && !/^https?:\/\//.test(t.url)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'expected an http:// or https:// URL' });
  })
  .describe('A target declared in the config');

export const discoverySchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Scrape the tasks of this node whose labels ask for it (HERALD_SCRAPE=...; see src/scrape/README.md)'),
    address: z
      .enum(['loopback', 'agent_hostname', 'task_ip'])
      .default('loopback')
      .describe('How a task is reached: 127.0.0.1 + host port, the agent hostname + host port, or the container IP (bridge/overlay networks)'),
    label_prefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('HERALD_SCRAPE').describe('Prefix of the task labels read (HERALD_SCRAPE, HERALD_SCRAPE_PORT_INDEX, ...)'),
    instance_tag: z.boolean().default(true).describe('Tag discovered points with instance=<address>:<port> (tells two tasks of one app on this node apart; costs series when ports change)'),
    min_interval_ms: durationMs('Task labels cannot ask for a shorter interval than this').default(5000).describe('Task labels cannot ask for a shorter interval than this'),
  })
  .describe('Targets discovered from Mesos task labels');

export const scrapeSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the scrape collector'),
    self: z.boolean().default(true).describe("Scrape Herald's own /metrics (server.address:server.port) as target \"herald\""),
    interval_ms: durationMs(INTERVAL_DOC).default(15_000).describe(`Default for targets: ${INTERVAL_DOC}`),
    timeout_ms: durationMs(TIMEOUT_DOC).default(10_000).describe(`Default for targets: ${TIMEOUT_DOC}`),
    max_body_bytes: sizeBytes(BODY_DOC).default(10 * 1024 * 1024).describe(`Default for targets: ${BODY_DOC}`),
    max_series: z.number().int().min(1).default(50_000).describe(`Default for targets: ${SERIES_DOC}`),
    concurrency: z.number().int().min(1).max(1024).default(16).describe('Scrapes in flight at most (a slow target holds one slot until its timeout)'),
    rate_per_sec: z.number().min(0.1).max(10_000).default(100).describe('Scrape starts per second at most, over all targets (each one-second window; below 1, one start per 1/rate seconds)'),
    honor_timestamps: z.boolean().default(true).describe('Keep the timestamps a payload carries (else every point gets the scrape time)'),
    jitter_seed: z.number().int().optional().describe('Seed of the start jitter (default: the node name, so nodes spread differently but restarts repeat)'),
    targets: z.array(scrapeTargetSchema).default([]).describe('Targets declared here'),
    discovery: discoverySchema.prefault({}).describe('Targets discovered from Mesos task labels'),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.targets.forEach((t, i) => {
      if (seen.has(t.name) || t.name === 'herald') ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `target name "${t.name}" is used twice (or is the reserved "herald")` });
      seen.add(t.name);
    });
  })
  .describe('The scrape collector');

export type ScrapeConfig = z.infer<typeof scrapeSchema>;
export type ScrapeTargetConfig = z.infer<typeof scrapeTargetSchema>;
export type JsonOptionsConfig = z.infer<typeof jsonOptionsSchema>;
export type HealthOptionsConfig = z.infer<typeof healthOptionsSchema>;
export type DiscoveryConfig = z.infer<typeof discoverySchema>;
