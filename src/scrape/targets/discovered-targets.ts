/**
 * Targets discovered from the Mesos tasks running on this node, chosen by their labels (Marathon copies app
 * labels to task labels, so app owners declare scraping in their app definition and change nothing else):
 *
 *   HERALD_SCRAPE=prometheus            required: the format (prometheus|openmetrics|json|haproxy_csv|http_health|tcp_health)
 *   HERALD_SCRAPE_PORT_NAME=metrics     the task's named port (discovery ports), or
 *   HERALD_SCRAPE_PORT_INDEX=0          the n-th host port of the task (default 0), or
 *   HERALD_SCRAPE_PORT=9100             a fixed port (host networking)
 *   HERALD_SCRAPE_PATH=/metrics         default /metrics (/ for http_health)
 *   HERALD_SCRAPE_SCHEME=http           http or https
 *   HERALD_SCRAPE_INTERVAL=30s          default scrape.interval_ms, never below discovery.min_interval_ms
 *   HERALD_SCRAPE_TIMEOUT=5s            default scrape.timeout_ms, at most the interval
 *   HERALD_SCRAPE_JSON_PATHS=/a,/b/*    json only: the `paths` option, comma-separated
 *
 * The prefix is `discovery.label_prefix`. A task with a malformed label is not scraped; the problem is
 * returned (and logged once per change by the caller) naming the task and the label, never its value when
 * it could be sensitive (only our own labels are read).
 */
import { parseDurationMs } from '../../config/units';
import type { ExecutorRun, MesosTask } from '../../mesos/model';
import { SCRAPE_FORMATS, type ScrapeConfig, type ScrapeFormat } from '../config';
import { splitPath } from '../formats/json-flatten';
import { identityFor, statusPredicate, type Target } from './target';

export interface DiscoveryInput {
  readonly cfg: ScrapeConfig;
  /** This node's name (the host tag). */
  readonly hostname: string;
  /** The agent's hostname from /state (address: agent_hostname); falls back to `hostname`. */
  readonly agentHostname: string | undefined;
}

export interface DiscoveryResult {
  targets: Target[];
  /** One line per task whose labels could not be used. */
  problems: string[];
}

function mesosFragment(run: ExecutorRun, task: MesosTask): string {
  return JSON.stringify({
    framework: { id: run.frameworkId, name: run.frameworkName },
    executor: { id: run.executorId },
    task: { id: task.id, name: task.name },
    agent: { id: run.agentId },
  });
}

function resolvePort(task: MesosTask, label: (s: string) => string | undefined): number | string {
  const name = label('_PORT_NAME');
  if (name !== undefined) return task.portNames[name] ?? `no port named "${name}"`;
  const fixed = label('_PORT');
  if (fixed !== undefined) {
    const n = Number(fixed);
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : '_PORT is not a port number';
  }
  const indexText = label('_PORT_INDEX') ?? '0';
  const index = Number(indexText);
  if (!Number.isInteger(index) || index < 0) return '_PORT_INDEX is not a non-negative integer';
  return task.hostPorts[index] ?? `no host port at index ${index} (the task has ${task.hostPorts.length})`;
}

function taskTarget(run: ExecutorRun, task: MesosTask, input: DiscoveryInput): Target | string {
  const { cfg } = input;
  const prefix = cfg.discovery.label_prefix;
  const labels = Object.keys(task.labels).length > 0 ? task.labels : run.labels;
  const label = (suffix: string): string | undefined => labels[prefix + suffix];
  const format = label('') as ScrapeFormat;
  if (!(SCRAPE_FORMATS as readonly string[]).includes(format)) return `${prefix} is not one of ${SCRAPE_FORMATS.join('|')}`;
  const port = resolvePort(task, label);
  if (typeof port === 'string') return port.startsWith('_') ? prefix + port : port;
  let address: string | undefined;
  if (cfg.discovery.address === 'loopback') address = '127.0.0.1';
  else if (cfg.discovery.address === 'agent_hostname') address = input.agentHostname ?? input.hostname;
  else address = task.ipAddresses[0];
  if (address === undefined) return 'the task has no container IP (discovery.address: task_ip)';
  const hostPort = `${address.includes(':') ? `[${address}]` : address}:${port}`;
  const path = label('_PATH') ?? (format === 'http_health' ? '/' : '/metrics');
  if (!path.startsWith('/')) return `${prefix}_PATH must start with "/"`;
  const scheme = label('_SCHEME') ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') return `${prefix}_SCHEME must be http or https`;
  const intervalText = label('_INTERVAL');
  const interval = intervalText === undefined ? cfg.interval_ms : parseDurationMs(intervalText);
  if (interval === undefined || interval === 0) return `${prefix}_INTERVAL is not a duration`;
  const intervalMs = Math.max(interval, cfg.discovery.min_interval_ms);
  const timeoutText = label('_TIMEOUT');
  const timeout = timeoutText === undefined ? cfg.timeout_ms : parseDurationMs(timeoutText);
  if (timeout === undefined || timeout === 0) return `${prefix}_TIMEOUT is not a duration`;
  const app = run.app;
  const baseTags: Record<string, string> = { host: input.hostname, scrape_target: app, app };
  if (run.frameworkName !== '') baseTags.framework = run.frameworkName;
  if (cfg.discovery.instance_tag) baseTags.instance = hostPort;
  const jsonPaths = label('_JSON_PATHS');
  return {
    key: `task:${task.id}`,
    kind: 'discovered',
    name: app,
    url: format === 'tcp_health' ? `tcp://${hostPort}` : `${scheme}://${hostPort}${path}`,
    format,
    intervalMs,
    timeoutMs: Math.min(timeout, intervalMs),
    maxBodyBytes: cfg.max_body_bytes,
    maxSeries: cfg.max_series,
    honorTimestamps: cfg.honor_timestamps,
    headers: {},
    bearerToken: undefined,
    baseTags,
    app,
    identity: identityFor(app, mesosFragment(run, task)),
    json: {
      measurement: app.replace(/^\//, '').replace(/\//g, '.') || 'json',
      paths: jsonPaths === undefined ? [] : jsonPaths.split(',').filter((p) => p !== '').map(splitPath),
      tagsFrom: [],
      arrayKey: undefined,
      separator: '.',
    },
    health: { expectedStatus: statusPredicate(['200-399']), bodyContains: undefined, bodyRegex: undefined },
  };
}

/** Targets of the running tasks of this node that ask to be scraped. */
export function discoverTargets(runs: readonly ExecutorRun[], input: DiscoveryInput): DiscoveryResult {
  const result: DiscoveryResult = { targets: [], problems: [] };
  const prefix = input.cfg.discovery.label_prefix;
  for (const run of runs) {
    if (run.completed) continue;
    for (const task of run.tasks) {
      if (task.state !== 'TASK_RUNNING') continue;
      const labels = Object.keys(task.labels).length > 0 ? task.labels : run.labels;
      if (labels[prefix] === undefined) continue;
      const t = taskTarget(run, task, input);
      if (typeof t === 'string') result.problems.push(`task ${task.id} (${run.app}): ${t}`);
      else result.targets.push(t);
    }
  }
  return result;
}
