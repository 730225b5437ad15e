// Description of Herald's Kibana saved objects (generated into deploy/kibana/herald.ndjson by
// scripts/gen-dashboards.mjs; edit here, then run it).
//
// The objects are written in the Kibana 7.17 saved-object shape (index-pattern, search, visualization,
// dashboard with `panel_<n>` references) with their `migrationVersion`, which Kibana 8.x imports through
// its own migrations (Stack Management → Saved objects → Import, or POST /api/saved_objects/_import).
// Only saved searches and one input-control visualization: no Lens state that could drift from Kibana's.
// Every field named here is checked by test/deploy/kibana.test.ts against the index templates in
// deploy/elasticsearch/ and documents built by Herald's real parsers and encoder.

const LOGS_VIEW = 'herald-logs';
const DEAD_LETTER_VIEW = 'herald-dead-letter';
const VERSION = '7.17.3';

const INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

function dataView(id, title) {
  return {
    id, type: 'index-pattern', coreMigrationVersion: VERSION, migrationVersion: { 'index-pattern': '7.11.0' },
    attributes: { title, timeFieldName: '@timestamp' }, references: [],
  };
}

function search(id, title, description, view, query, columns) {
  const source = { query: { query, language: 'kuery' }, filter: [], indexRefName: INDEX_REF };
  return {
    id, type: 'search', coreMigrationVersion: VERSION, migrationVersion: { search: '7.9.3' },
    attributes: {
      title, description, columns, sort: [['@timestamp', 'desc']], hits: 0, version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify(source) },
    },
    references: [{ id: view, name: INDEX_REF, type: 'index-pattern' }],
  };
}

/** Drop-down filters on the dashboard (the legacy input control, still shipped with Kibana 8). */
function controls(id, title, fieldsByLabel) {
  const entries = Object.entries(fieldsByLabel);
  const params = {
    controls: entries.map(([label, fieldName], i) => ({
      id: String(i + 1), fieldName, label, parent: '', type: 'list',
      indexPatternRefName: `control_${i}_index_pattern`,
      options: { type: 'terms', multiselect: true, dynamicOptions: true, size: 20, order: 'desc' },
    })),
    updateFiltersOnChange: true, useTimeFilter: true, pinFilters: false,
  };
  return {
    id, type: 'visualization', coreMigrationVersion: VERSION, migrationVersion: { visualization: VERSION },
    attributes: {
      title, description: '', version: 1, uiStateJSON: '{}',
      visState: JSON.stringify({ title, type: 'input_control_vis', params, aggs: [] }),
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
    references: entries.map((_, i) => ({ id: LOGS_VIEW, name: `control_${i}_index_pattern`, type: 'index-pattern' })),
  };
}

function dashboard(id, title, description, panels) {
  const panelsJson = panels.map((p, i) => ({
    version: VERSION, type: p.type, panelIndex: String(i + 1), embeddableConfig: {}, panelRefName: `panel_${i}`,
    gridData: { x: p.x, y: p.y, w: p.w, h: p.h, i: String(i + 1) },
  }));
  return {
    id, type: 'dashboard', coreMigrationVersion: VERSION, migrationVersion: { dashboard: VERSION },
    attributes: {
      title, description, hits: 0, version: 1, timeRestore: false,
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, hidePanelTitles: false }),
      panelsJSON: JSON.stringify(panelsJson),
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
    references: panels.map((p, i) => ({ id: p.id, name: `panel_${i}`, type: p.type })),
  };
}

const ERROR_LEVELS = ['error', 'err', 'critical', 'crit', 'alert', 'emergency', 'fatal'];

export const KIBANA_OBJECTS = [
  dataView(LOGS_VIEW, 'herald-logs-*'),
  dataView(DEAD_LETTER_VIEW, 'herald-dead-letter-*'),
  search('herald-app-logs', 'Herald: app logs', 'Every line of the Mesos tasks\' sandboxes; pick the app with the App control on the Herald dashboard, or query service.name : "/group/app"',
    LOGS_VIEW, 'event.dataset : "mesos.sandbox"', ['host.name', 'service.name', 'mesos.task.id', 'mesos.stream', 'log.level', 'message']),
  search('herald-errors', 'Herald: errors', `Events whose log.level is an error or worse (${ERROR_LEVELS.join(', ')}), from every source`,
    LOGS_VIEW, `log.level : (${ERROR_LEVELS.join(' or ')})`, ['host.name', 'service.name', 'event.dataset', 'log.level', 'message']),
  search('herald-executor', 'Herald: Mesos executor lines', 'Lines of the Mesos executor, fetcher and containerizer found in task sandboxes (task start, kill, exit status, health checks)',
    LOGS_VIEW, 'event.dataset : "mesos.executor"', ['host.name', 'service.name', 'mesos.task.id', 'log.logger', 'log.level', 'message']),
  search('herald-throttle', 'Herald: throttle summaries', 'What the per-app throttle dropped or sampled, one event per app and summary interval',
    LOGS_VIEW, 'event.dataset : "herald.qos"', ['host.name', 'herald.qos.app', 'herald.qos.dropped_lines', 'herald.qos.dropped_bytes', 'herald.qos.dropped_points', 'herald.qos.lines_per_sec', 'message']),
  search('herald-health', 'Herald: health check changes', 'Health-checked targets going down (warn, with the reason) and recovering (info)',
    LOGS_VIEW, 'event.dataset : "herald.health"', ['host.name', 'herald.health.target', 'herald.health.check', 'herald.health.state', 'url.original', 'error.message']),
  search('herald-dead-letters', 'Herald: dead letters', 'Documents Elasticsearch refused (mapping conflicts, 400s): the reason, and the original in event.original (stored, not indexed)',
    DEAD_LETTER_VIEW, '', ['host.name', 'dead_letter.index', 'dead_letter.status', 'error.type', 'error.message', 'event.original']),
  controls('herald-log-controls', 'Herald: app and node', { App: 'service.name', Node: 'host.name', Dataset: 'event.dataset' }),
];

KIBANA_OBJECTS.push(dashboard('herald-logs-dashboard', 'Herald: logs', 'App logs, errors, Mesos executor lines, throttling, health changes and dead letters; filter by app and node with the controls', [
  { id: 'herald-log-controls', type: 'visualization', x: 0, y: 0, w: 48, h: 5 },
  { id: 'herald-app-logs', type: 'search', x: 0, y: 5, w: 48, h: 15 },
  { id: 'herald-errors', type: 'search', x: 0, y: 20, w: 24, h: 15 },
  { id: 'herald-executor', type: 'search', x: 24, y: 20, w: 24, h: 15 },
  { id: 'herald-throttle', type: 'search', x: 0, y: 35, w: 24, h: 12 },
  { id: 'herald-health', type: 'search', x: 24, y: 35, w: 24, h: 12 },
  { id: 'herald-dead-letters', type: 'search', x: 0, y: 47, w: 48, h: 12 },
]));

export function kibanaFiles() {
  return { 'deploy/kibana/herald.ndjson': `${KIBANA_OBJECTS.map((o) => JSON.stringify(o)).join('\n')}\n` };
}
