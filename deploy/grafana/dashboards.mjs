// Description of Herald's Grafana dashboards (generated into deploy/grafana/*.json by
// scripts/gen-dashboards.mjs; edit here, then run it). Every query is Flux over the InfluxDB 2.x datasource
// given at import as ${DS_INFLUXDB}; names are those of src/metrics/README.md and src/scrape/README.md, and
// test/deploy/dashboards.test.ts checks them against what the collectors really emit.
import { q } from './flux.mjs';

const ds = { type: 'influxdb', uid: '${DS_INFLUXDB}' };

/** A Flux query variable (values of a tag), optionally multi-valued with "All". */
function tagVar(name, label, measurement, tag, multi = true) {
  const query = `import "influxdata/influxdb/schema"\n\nschema.measurementTagValues(bucket: "\${bucket}", measurement: "${measurement}", tag: "${tag}")`;
  return {
    type: 'query', name, label, datasource: ds, query, definition: query, refresh: 2, sort: 1,
    multi, includeAll: multi, current: {}, hide: 0, options: [],
  };
}
const bucketVar = { type: 'textbox', name: 'bucket', label: 'Bucket', query: 'herald', current: { text: 'herald', value: 'herald' }, hide: 0, options: [] };

/** A time series panel; `unit` is a Grafana unit id. */
function ts(title, unit, query, description = '') {
  return { type: 'timeseries', title, description, unit, query };
}
function table(title, query, description = '') {
  return { type: 'table', title, description, unit: 'none', query };
}

const HOST = { tag: 'host', variable: 'host' };
const APP = { tag: 'app', variable: 'app' };
const TARGET = { tag: 'scrape_target', variable: 'target' };
const SELF = { tag: 'scrape_target', value: 'herald' };

const nodeOverview = {
  uid: 'herald-node', title: 'Herald / Node overview', vars: [tagVar('host', 'Host', 'host_cpu', 'host')],
  panels: [
    ts('CPU used', 'percentunit', q({ m: 'host_cpu', fields: ['usage_fraction'], where: [HOST], by: ['host'], combine: 'max' }), 'Fraction of all CPUs busy (1 = every core)'),
    ts('CPU iowait and steal', 'percentunit', q({ m: 'host_cpu', fields: ['iowait_fraction', 'steal_fraction'], where: [HOST], by: ['host'], combine: 'max' })),
    ts('Load average', 'none', q({ m: 'host_load', fields: ['load1', 'load5', 'load15'], where: [HOST], by: ['host'], combine: 'max' }), 'Compare with the CPU count (host_cpu cpus)'),
    ts('Memory used', 'percentunit', q({ m: 'host_memory', fields: ['used_fraction'], where: [HOST], by: ['host'], combine: 'max' }), '(total - available) / total'),
    ts('Memory available', 'bytes', q({ m: 'host_memory', fields: ['available_bytes'], where: [HOST], by: ['host'], combine: 'min' })),
    ts('Filesystem used', 'percentunit', q({ m: 'host_filesystem', fields: ['used_fraction', 'inodes_used_fraction'], where: [HOST], by: ['host', 'path'], combine: 'max' }), 'Space and inodes of the configured mounts (df semantics)'),
    ts('Disk utilisation', 'percentunit', q({ m: 'host_disk', fields: ['io_time_fraction'], where: [HOST], by: ['host', 'device'], combine: 'max' }), 'iostat %util as a fraction, whole disks'),
    ts('Disk throughput', 'Bps', q({ m: 'host_disk', fields: ['read_bytes_per_sec', 'write_bytes_per_sec'], where: [HOST], by: ['host', 'device'], combine: 'sum' })),
    ts('Network throughput', 'Bps', q({ m: 'host_net', fields: ['rx_bytes_per_sec', 'tx_bytes_per_sec'], where: [HOST], by: ['host', 'interface'], combine: 'sum' })),
    ts('Network errors and drops', 'pps', q({ m: 'host_net', fields: ['rx_errors_per_sec', 'tx_errors_per_sec', 'rx_dropped_per_sec', 'tx_dropped_per_sec'], where: [HOST], by: ['host', 'interface'], combine: 'sum' })),
  ],
};

const mesosAgent = {
  uid: 'herald-mesos-agent', title: 'Herald / Mesos agent', vars: [tagVar('host', 'Host', 'mesos_agent', 'host')],
  panels: [
    ts('Registered with the master', 'bool', q({ m: 'mesos_agent', fields: ['slave/registered'], where: [HOST], by: ['host'], combine: 'min' }), '1 when the agent is registered; 0 means no new tasks reach this node'),
    ts('Agent reachable from Herald', 'bool', q({ m: 'herald_mesos_agent_reachable', fields: ['value'], where: [HOST, SELF], by: ['host'], combine: 'min' }), 'Herald\'s last read of the agent /state succeeded'),
    ts('Tasks', 'none', q({ m: 'mesos_agent', fields: ['slave/tasks_running', 'slave/tasks_staging', 'slave/tasks_starting', 'slave/tasks_killing'], where: [HOST], by: ['host'], combine: 'sum' })),
    ts('Task failures per minute', 'none', q({ m: 'mesos_agent', fields: ['slave/tasks_failed', 'slave/tasks_lost', 'slave/tasks_killed', 'slave/tasks_gone'], where: [HOST], by: ['host'], combine: 'sum', rate: '1m' }), 'Counters turned into rates (non-negative, so agent restarts do not dip)'),
    ts('CPUs used / total', 'none', q({ m: 'mesos_agent', fields: ['slave/cpus_used', 'slave/cpus_total'], where: [HOST], by: ['host'], combine: 'sum' })),
    ts('Memory used / total (MB)', 'decmbytes', q({ m: 'mesos_agent', fields: ['slave/mem_used', 'slave/mem_total'], where: [HOST], by: ['host'], combine: 'sum' })),
    ts('Disk used / total (MB)', 'decmbytes', q({ m: 'mesos_agent', fields: ['slave/disk_used', 'slave/disk_total'], where: [HOST], by: ['host'], combine: 'sum' })),
    ts('Executors', 'none', q({ m: 'mesos_agent', fields: ['slave/executors_running', 'slave/executors_registering', 'slave/executors_terminating'], where: [HOST], by: ['host'], combine: 'sum' })),
    ts('Agent uptime', 's', q({ m: 'mesos_agent', fields: ['slave/uptime_secs'], where: [HOST], by: ['host'], combine: 'min' }), 'Drops to 0 when the agent restarts'),
  ],
};

const apps = {
  uid: 'herald-apps', title: 'Herald / App containers',
  vars: [tagVar('host', 'Host', 'mesos_container', 'host'), tagVar('app', 'App', 'mesos_container', 'app')],
  panels: [
    ts('CPU used vs limit (cores)', 'none', q({ m: 'mesos_container', fields: ['cpus_time_secs_per_sec', 'cpus_limit'], where: [HOST, APP], by: ['app'], combine: 'sum' }), 'User + system cores, summed over the selected hosts'),
    ts('CPU throttled', 'percentunit', q({ m: 'mesos_container', fields: ['cpus_throttled_ratio'], where: [HOST, APP], by: ['host', 'app'], combine: 'max' }), 'Fraction of CFS periods in which the app was throttled: raise its CPU limit when high'),
    ts('Memory (RSS) vs limit', 'bytes', q({ m: 'mesos_container', fields: ['mem_rss_bytes', 'mem_limit_bytes'], where: [HOST, APP], by: ['app'], combine: 'sum' })),
    ts('Memory used of limit', 'percentunit', q({ m: 'mesos_container', fields: ['mem_rss_bytes', 'mem_limit_bytes'], where: [HOST, APP], by: ['host', 'app'], combine: 'max', divide: ['mem_rss_bytes', 'mem_limit_bytes'] }), 'RSS / limit per node: the OOM killer acts near 1'),
    ts('Block I/O', 'Bps', q({ m: 'mesos_container', fields: ['blkio_io_service_bytes_read_per_sec', 'blkio_io_service_bytes_write_per_sec'], where: [HOST, APP], by: ['app'], combine: 'sum' })),
    ts('OOM kills and memory.max hits (cgroup v2)', 'none', q({ m: 'mesos_container', fields: ['mem_events_oom_kill_per_sec', 'mem_events_max_per_sec'], where: [HOST, APP], by: ['app'], combine: 'sum' })),
    ts('Pressure stall (avg10, cgroup v2)', 'percent', q({ m: 'mesos_container', fields: ['cpu_pressure_some_avg10', 'memory_pressure_some_avg10', 'io_pressure_some_avg10'], where: [HOST, APP], by: ['app'], combine: 'max' })),
    ts('Containers', 'none', q({ m: 'mesos_container', fields: ['containers'], where: [HOST, APP], by: ['app'], combine: 'sum' })),
    ts('Log lines dropped by the throttle', 'none', q({ m: 'herald_qos_dropped_lines_total', fields: ['value'], where: [HOST, APP, SELF], by: ['app'], combine: 'sum', rate: '1s' }), 'Lines per second over the app\'s QoS limit (a summary event per interval is in Kibana, event.dataset herald.qos)'),
    ts('Series over the budget', 'none', q({ m: 'herald_series_overflow', fields: ['series_overflow'], where: [HOST, APP], by: ['app'], combine: 'sum' }), 'Containers folded into the _overflow series (metrics.series_budget_per_app)'),
  ],
};

const scrape = {
  uid: 'herald-scrape', title: 'Herald / Scrape targets and health checks',
  vars: [tagVar('host', 'Host', 'scrape_up', 'host'), tagVar('target', 'Target', 'scrape_up', 'scrape_target')],
  panels: [
    table('Targets down now', q({ m: 'scrape_up', fields: ['value'], where: [HOST, TARGET], latest: { value: 0, keep: ['host', 'scrape_target', 'app'] } }), 'Targets whose last scrape failed'),
    table('Health checks down now', q({ m: 'health_check', fields: ['up'], where: [HOST, TARGET], latest: { value: 0, keep: ['host', 'scrape_target', 'check'] } })),
    ts('Scrape up', 'bool', q({ m: 'scrape_up', fields: ['value'], where: [HOST, TARGET], by: ['host', 'scrape_target'], combine: 'min' })),
    ts('Health check up', 'bool', q({ m: 'health_check', fields: ['up'], where: [HOST, TARGET], by: ['host', 'scrape_target', 'check'], combine: 'min' })),
    ts('Scrape duration', 's', q({ m: 'scrape_duration_seconds', fields: ['value'], where: [HOST, TARGET], by: ['host', 'scrape_target'], combine: 'max' })),
    ts('Health check latency', 's', q({ m: 'health_check', fields: ['latency_seconds'], where: [HOST, TARGET], by: ['host', 'scrape_target'], combine: 'max' })),
    ts('Samples kept per scrape', 'none', q({ m: 'scrape_samples_scraped', fields: ['value'], where: [HOST, TARGET], by: ['scrape_target'], combine: 'sum' })),
    ts('Scrape errors by reason', 'none', q({ m: 'herald_scrape_errors_total', fields: ['value'], where: [HOST, SELF], by: ['reason'], combine: 'sum', rate: '1m' }), 'Per minute, all selected hosts'),
  ],
};

const self = {
  uid: 'herald-self', title: 'Herald / Herald itself', vars: [tagVar('host', 'Host', 'herald_info', 'host')],
  panels: [
    ts('Records settled by outcome', 'none', q({ m: 'herald_pipeline_records_total', fields: ['value'], where: [HOST, SELF], by: ['source', 'outcome'], combine: 'sum', rate: '1s' }), 'Records per second the sinks settled'),
    ts('Log lines read', 'none', q({ m: 'herald_tail_lines_total', fields: ['value'], where: [HOST, SELF], by: ['source'], combine: 'sum', rate: '1s' })),
    ts('Throttle drops by reason', 'none', q({ m: 'herald_qos_dropped_total', fields: ['value'], where: [HOST, SELF], by: ['kind', 'reason'], combine: 'sum', rate: '1s' })),
    ts('Throttle drops per app', 'none', q({ m: 'herald_qos_dropped_lines_total', fields: ['value'], where: [HOST, SELF], by: ['app'], combine: 'sum', rate: '1s' })),
    ts('Redactions by rule', 'none', q({ m: 'herald_redact_matches_total', fields: ['value'], where: [HOST, SELF], by: ['rule'], combine: 'sum', rate: '1m' }), 'Values redacted per minute'),
    ts('Elasticsearch documents by outcome', 'none', q({ m: 'herald_elasticsearch_documents_total', fields: ['value'], where: [HOST, SELF], by: ['outcome'], combine: 'sum', rate: '1s' }), 'retried: re-sends; dead_lettered: stored in the dead-letter index (Kibana: Herald dead letters)'),
    ts('Elasticsearch pending documents', 'none', q({ m: 'herald_elasticsearch_pending_documents', fields: ['value'], where: [HOST, SELF], by: ['host'], combine: 'max' })),
    ts('Elasticsearch bulk latency (mean)', 's', q({ m: 'herald_elasticsearch_bulk_request_duration_seconds', fields: ['sum', 'count'], where: [HOST, SELF], by: ['host'], combine: 'max', rate: '1s', divide: ['sum', 'count'] })),
    ts('InfluxDB points by path and drops', 'none', q({ m: 'herald_influxdb_points_written_total', fields: ['value'], where: [HOST, SELF], by: ['path'], combine: 'sum', rate: '1s' })),
    ts('InfluxDB points dropped', 'none', q({ m: 'herald_influxdb_points_dropped_total', fields: ['value'], where: [HOST, SELF], by: ['reason'], combine: 'sum', rate: '1m' }), 'Per minute'),
    ts('InfluxDB disk buffer', 'bytes', q({ m: 'herald_influxdb_buffer_bytes', fields: ['value'], where: [HOST, SELF], by: ['host'], combine: 'max' }), 'Grows while InfluxDB is unreachable; replayed in order'),
    ts('InfluxDB buffer overflow', 'none', q({ m: 'herald_influxdb_buffer_dropped_points_total', fields: ['value'], where: [HOST, SELF], by: ['host'], combine: 'sum', rate: '1m' }), 'Points forced out of a full buffer, per minute'),
    ts('Metric collection errors', 'none', q({ m: 'herald_metrics_collection_errors_total', fields: ['value'], where: [HOST, SELF], by: ['collector'], combine: 'sum', rate: '1m' })),
    ts('Resident memory', 'bytes', q({ m: 'herald_process_resident_memory_bytes', fields: ['value'], where: [HOST, SELF], by: ['host'], combine: 'max' })),
    ts('CPU', 'percentunit', q({ m: 'herald_process_cpu_seconds_total', fields: ['value'], where: [HOST, SELF], by: ['host'], combine: 'max', rate: '1s' }), 'Cores used by Herald'),
    ts('Event loop lag (p99)', 's', q({ m: 'herald_nodejs_eventloop_lag_p99_seconds', fields: ['value'], where: [HOST, SELF], by: ['host'], combine: 'max' })),
  ],
};

export const DASHBOARDS = [nodeOverview, mesosAgent, apps, scrape, self];

function dashboardJson(d) {
  const panels = d.panels.map((p, i) => ({
    id: i + 1,
    type: p.type,
    title: p.title,
    description: p.description,
    datasource: ds,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options: p.type === 'table' ? { showHeader: true } : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets: [{ refId: 'A', datasource: ds, query: p.query }],
  }));
  return {
    __inputs: [{ name: 'DS_INFLUXDB', label: 'InfluxDB', description: 'InfluxDB 2.x with the Flux query language', type: 'datasource', pluginId: 'influxdb', pluginName: 'InfluxDB' }],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '9.0.0' },
      { type: 'datasource', id: 'influxdb', name: 'InfluxDB', version: '1.0.0' },
      { type: 'panel', id: 'timeseries', name: 'Time series', version: '' },
      { type: 'panel', id: 'table', name: 'Table', version: '' },
    ],
    uid: d.uid,
    title: d.title,
    tags: ['herald', 'mesos'],
    editable: true,
    timezone: 'browser',
    refresh: '1m',
    schemaVersion: 36,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [bucketVar, ...d.vars] },
    annotations: { list: [] },
    panels,
  };
}

export function grafanaFiles() {
  const out = {};
  for (const d of DASHBOARDS) out[`deploy/grafana/${d.uid}.json`] = `${JSON.stringify(dashboardJson(d), null, 2)}\n`;
  return out;
}
