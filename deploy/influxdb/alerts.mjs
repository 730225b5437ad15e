// Description of Herald's InfluxDB 2.x alert rules (generated into deploy/influxdb/alerts/*.flux by
// scripts/gen-dashboards.mjs; edit here, then run it).
//
// Each rule is a Flux task that ends in monitor.check: it writes a status (ok / warn / crit) per series into
// the `_monitoring` bucket every `every`, where InfluxDB's notification rules (and the Alerts UI's status
// history) pick it up. Threshold checks (/api/v2/checks) cannot express these rules: InfluxDB 2.8 refuses a
// threshold check whose query reads two fields ("expected a single field"), and ratios, counter increases
// and "silent for 5 minutes" all need more than one field or a computed one.
//
// Layout of every file (test/deploy/influxdb-alerts.test.ts relies on it): `option task`, `bucket`, `check`,
// `data` (the query: rows pivoted to one column per field, with _time and _measurement kept, as
// monitor.check needs), `crit` / `warn` predicates over those rows, `messageFn`, and the last line
// `data |> monitor.check(...)`.
import { createHash } from 'node:crypto';

const fields = (names) => `(${names.map((f) => `r._field == ${JSON.stringify(f)}`).join(' or ')})`;
const pivot = '    |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")';
/** After an aggregate (which drops _time): the end of the range becomes the row's time. */
const stopAsTime = '    |> duplicate(column: "_stop", as: "_time")';

export const ALERTS = [
  {
    name: 'container-memory-near-limit', title: 'Container memory near its limit', every: '1m',
    description: 'An app\'s containers on a node use 90% (warn) / 95% (crit) of their memory limit (RSS / limit): the OOM killer is next.',
    data: [
      '    |> range(start: -5m)',
      `    |> filter(fn: (r) => r._measurement == "mesos_container" and ${fields(['mem_rss_bytes', 'mem_limit_bytes'])})`,
      '    |> last()',
      pivot,
      '    |> filter(fn: (r) => exists r.mem_rss_bytes and exists r.mem_limit_bytes and r.mem_limit_bytes > 0.0)',
      '    |> map(fn: (r) => ({r with mem_used_ratio: r.mem_rss_bytes / r.mem_limit_bytes}))',
    ],
    crit: 'r.mem_used_ratio >= 0.95', warn: 'r.mem_used_ratio >= 0.9',
    message: '"${r.app} on ${r.host}: memory (RSS) at ${string(v: int(v: r.mem_used_ratio * 100.0))}% of its limit"',
  },
  {
    name: 'cpu-throttling-high', title: 'CPU throttling high', every: '5m',
    description: 'An app was throttled in more than 25% (warn) / 50% (crit) of its CFS periods over 10 minutes: its CPU limit is too low for its load.',
    data: [
      '    |> range(start: -10m)',
      `    |> filter(fn: (r) => r._measurement == "mesos_container" and ${fields(['cpus_throttled_ratio'])})`,
      '    |> mean()',
      stopAsTime,
      pivot,
    ],
    crit: 'r.cpus_throttled_ratio > 0.5', warn: 'r.cpus_throttled_ratio > 0.25',
    message: '"${r.app} on ${r.host}: CPU throttled in ${string(v: int(v: r.cpus_throttled_ratio * 100.0))}% of periods (10 min)"',
  },
  {
    name: 'mesos-agent-not-registered', title: 'Mesos agent not registered', every: '1m',
    description: 'The agent reports slave/registered = 0: the master sends it no new tasks.',
    data: [
      '    |> range(start: -5m)',
      `    |> filter(fn: (r) => r._measurement == "mesos_agent" and ${fields(['slave/registered'])})`,
      '    |> last()',
      pivot,
    ],
    crit: 'r["slave/registered"] == 0.0',
    message: '"Mesos agent on ${r.host} is not registered with the master"', okMessage: '"Mesos agent on ${r.host} is registered"',
  },
  {
    name: 'mesos-agent-unreachable', title: 'Mesos agent unreachable', every: '1m',
    description: 'Herald could not read the agent\'s /state for 3 minutes (herald_mesos_agent_reachable stayed 0): no metadata, so new sandboxes get path identities and container metrics stop.',
    data: [
      '    |> range(start: -3m)',
      `    |> filter(fn: (r) => r._measurement == "herald_mesos_agent_reachable" and ${fields(['value'])} and r.scrape_target == "herald")`,
      '    |> max()',
      stopAsTime,
      pivot,
    ],
    crit: 'r.value == 0.0',
    message: '"Herald on ${r.host} cannot reach the Mesos agent (3 min)"', okMessage: '"Herald on ${r.host} reaches the Mesos agent"',
  },
  {
    name: 'node-disk-nearly-full', title: 'Node disk nearly full', every: '1m',
    description: 'A monitored filesystem has more than 85% (warn) / 95% (crit) of its space or inodes used.',
    data: [
      '    |> range(start: -5m)',
      `    |> filter(fn: (r) => r._measurement == "host_filesystem" and ${fields(['used_fraction', 'inodes_used_fraction'])})`,
      '    |> last()',
      pivot,
      '    |> filter(fn: (r) => exists r.used_fraction and exists r.inodes_used_fraction)',
      '    |> map(fn: (r) => ({r with full_fraction: if r.used_fraction > r.inodes_used_fraction then r.used_fraction else r.inodes_used_fraction}))',
    ],
    crit: 'r.full_fraction > 0.95', warn: 'r.full_fraction > 0.85',
    message: '"${r.path} on ${r.host}: ${string(v: int(v: r.used_fraction * 100.0))}% space, ${string(v: int(v: r.inodes_used_fraction * 100.0))}% inodes used"',
  },
  {
    name: 'scrape-target-down', title: 'Scrape target down', every: '1m',
    description: 'No scrape of a target succeeded for 5 minutes (scrape_up stayed 0).',
    data: [
      '    |> range(start: -5m)',
      `    |> filter(fn: (r) => r._measurement == "scrape_up" and ${fields(['value'])})`,
      '    |> max()',
      stopAsTime,
      pivot,
    ],
    crit: 'r.value == 0.0',
    message: '"Scrape target ${r.scrape_target} on ${r.host} has been down for 5 min"', okMessage: '"Scrape target ${r.scrape_target} on ${r.host} is up"',
  },
  {
    name: 'health-check-down', title: 'Health check down', every: '1m',
    description: 'A health-checked target (http_health / tcp_health) was down at every check for 3 minutes.',
    data: [
      '    |> range(start: -3m)',
      `    |> filter(fn: (r) => r._measurement == "health_check" and ${fields(['up'])})`,
      '    |> max()',
      stopAsTime,
      pivot,
    ],
    crit: 'r.up == 0.0',
    message: '"Health check ${r.scrape_target} (${r.check}) on ${r.host} has been down for 3 min"', okMessage: '"Health check ${r.scrape_target} (${r.check}) on ${r.host} is up"',
  },
  {
    name: 'herald-dropping-data', title: 'Herald dropping data', every: '5m',
    description: 'Herald lost records in the last 10 minutes. warn: the per-app throttle dropped log lines or metric points (by design, see the herald.qos events in Kibana); crit: documents dead-lettered or dropped by Elasticsearch, points dropped by InfluxDB, or the InfluxDB disk buffer overflowed.',
    data: [
      '    |> range(start: -10m)',
      '    |> filter(fn: (r) => r._field == "value" and r.scrape_target == "herald")',
      '    |> filter(fn: (r) => r._measurement == "herald_qos_dropped_lines_total" or r._measurement == "herald_qos_dropped_points_total" or r._measurement == "herald_influxdb_points_dropped_total" or r._measurement == "herald_influxdb_buffer_dropped_points_total" or (r._measurement == "herald_elasticsearch_documents_total" and (r.outcome == "dead_lettered" or r.outcome == "dropped")))',
      '    |> increase()',
      '    |> last()',
      '    |> group(columns: ["host", "_measurement", "_field", "_start", "_stop"])',
      '    |> sum()',
      stopAsTime,
      pivot,
    ],
    crit: 'r.value > 0.0 and r._measurement != "herald_qos_dropped_lines_total" and r._measurement != "herald_qos_dropped_points_total"',
    warn: 'r.value > 0.0',
    message: '"Herald on ${r.host} lost ${string(v: int(v: r.value))} records in 10 min (${r._source_measurement})"',
  },
  {
    name: 'elasticsearch-sink-retrying', title: 'Elasticsearch output retrying', every: '5m',
    description: 'Herald re-sent documents to Elasticsearch in the last 10 minutes (warn), and delivered none meanwhile (crit): logs pile up in Herald\'s memory and then hold the tail back.',
    data: [
      '    |> range(start: -10m)',
      '    |> filter(fn: (r) => r._measurement == "herald_elasticsearch_documents_total" and r._field == "value" and r.scrape_target == "herald" and (r.outcome == "retried" or r.outcome == "delivered"))',
      '    |> increase()',
      '    |> last()',
      '    |> group(columns: ["host", "_measurement", "_start", "_stop"])',
      '    |> drop(columns: ["_time", "_field"])',
      stopAsTime,
      '    |> pivot(rowKey: ["_time"], columnKey: ["outcome"], valueColumn: "_value")',
      '    |> filter(fn: (r) => exists r.retried)',
    ],
    crit: 'r.retried > 0.0 and (not exists r.delivered or r.delivered == 0.0)',
    warn: 'r.retried > 0.0',
    message: '"Herald on ${r.host}: ${string(v: int(v: r.retried))} documents re-sent to Elasticsearch in 10 min"',
  },
  {
    name: 'herald-silent', title: 'Herald not reporting', every: '1m',
    description: 'A node whose Herald reported in the last hour has sent nothing for 5 minutes (its own scrape_up is missing): Herald is down, or its InfluxDB output cannot write (the points wait in its disk buffer).',
    data: [
      '    |> range(start: -1h)',
      `    |> filter(fn: (r) => r._measurement == "scrape_up" and ${fields(['value'])} and r.scrape_target == "herald")`,
      '    |> last()',
      pivot,
      '    |> map(fn: (r) => ({r with silent_secs: float(v: int(v: now()) - int(v: r._time)) / 1000000000.0}))',
    ],
    crit: 'r.silent_secs > 300.0',
    message: '"Herald on ${r.host} has not reported for ${string(v: int(v: r.silent_secs))} s"', okMessage: '"Herald on ${r.host} reports"',
  },
];

/** A stable 16-hex-digit id per rule (monitor.check tags each status with it). */
export function checkId(name) {
  return createHash('sha256').update(`herald:${name}`).digest('hex').slice(0, 16);
}

export function alertFlux(a) {
  const name = `herald: ${a.title}`;
  const levels = [`crit = (r) => ${a.crit}`];
  if (a.warn) levels.push(`warn = (r) => ${a.warn}`);
  const args = ['data: check', 'messageFn: messageFn', 'crit: crit', ...(a.warn ? ['warn: warn'] : [])];
  return [
    `// ${a.description}`,
    '// Generated by scripts/gen-dashboards.mjs from deploy/influxdb/alerts.mjs: edit there. Install: see README.md.',
    'import "influxdata/influxdb/monitor"',
    '',
    `option task = {name: ${JSON.stringify(name)}, every: ${a.every}, offset: 20s}`,
    '',
    'bucket = "herald"',
    '',
    `check = {_check_id: "${checkId(a.name)}", _check_name: ${JSON.stringify(name)}, _type: "custom", tags: {herald_rule: "${a.name}"}}`,
    '',
    'data =',
    '  from(bucket: bucket)',
    ...a.data,
    '',
    ...levels,
    `messageFn = (r) => ${a.okMessage ? `if r._level == "ok" then ${a.okMessage} else ${a.message}` : a.message}`,
    '',
    `data |> monitor.check(${args.join(', ')})`,
    '',
  ].join('\n');
}

export function alertFiles() {
  const out = {};
  for (const a of ALERTS) out[`deploy/influxdb/alerts/${a.name}.flux`] = alertFlux(a);
  return out;
}
