import t from 'tap';
import { systemClock } from '../../src/pipeline/context';
import type { HeraldRecord, MetricPoint } from '../../src/pipeline/records';
import { ScrapeSource } from '../../src/scrape/scrape-source';
import { discoverTargets } from '../../src/scrape/targets/discovered-targets';
import { until } from '../helpers/fakes';
import { capturingLogger, testContext } from '../helpers/context';
import { drain, FakeMetadata, loadState, localServer, runsFromState, scrapeConfig, type RawState } from './helpers';

/** The recorded DataDog /state (one Marathon task "hello" with host port 31915), with the task's labels and
 *  ports set to point at `port`: only values of fields the payload has are changed. */
function stateWith(labels: Record<string, string>, port: number, hostname = 'localhost'): RawState {
  const state = loadState('datadog.agent-state.marathon-task.json');
  const task = state.frameworks[0]!.executors[0]!.tasks[0]!;
  task.labels = Object.entries(labels).map(([key, value]) => ({ key, value }));
  task.resources = { ...task.resources, ports: `[${port}-${port}]` };
  state.hostname = hostname;
  return state;
}

const cfg = scrapeConfig({});
const input = { cfg, hostname: 'node-1.test', agentHostname: 'agent-1.test' };

void t.test('labels → target: format, port by index/name/fixed, path, interval, identity tags', async (t) => {
  const runs = runsFromState(stateWith({ HERALD_SCRAPE: 'prometheus', HERALD_SCRAPE_PATH: '/prom', HERALD_SCRAPE_INTERVAL: '30s' }, 31915));
  const { targets, problems } = discoverTargets(runs, input);
  t.same(problems, []);
  t.equal(targets.length, 1);
  const x = targets[0]!;
  t.equal(x.url, 'http://127.0.0.1:31915/prom');
  t.equal(x.format, 'prometheus');
  t.equal(x.intervalMs, 30_000);
  t.equal(x.key, 'task:hello.dc130e23-df88-11e4-b9ec-080027fc1312');
  t.equal(x.app, '/hello');
  t.same(x.baseTags, { host: 'node-1.test', scrape_target: '/hello', app: '/hello', framework: 'marathon', instance: '127.0.0.1:31915' });
  t.match(x.identity.docFragment, /"service":\{"name":"\/hello"\}.*"mesos":\{"framework":\{"id":"20150403-140128-251789322-5050-6047-0000","name":"marathon"\}/);

  const agentCfg = scrapeConfig({ discovery: { address: 'agent_hostname', min_interval_ms: 10_000 } });
  const runs2 = runsFromState(stateWith({ HERALD_SCRAPE: 'tcp_health', HERALD_SCRAPE_PORT: '2181', HERALD_SCRAPE_INTERVAL: '1s' }, 31915));
  const tcp = discoverTargets(runs2, { ...input, cfg: agentCfg }).targets[0]!;
  t.equal(tcp.url, 'tcp://agent-1.test:2181');
  t.equal(tcp.intervalMs, 10_000, 'labels cannot go below min_interval_ms');
});

void t.test('unusable labels are reported per task, other tasks unaffected; tasks without the label ignored', async (t) => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ HERALD_SCRAPE: 'graphite' }, /HERALD_SCRAPE is not one of prometheus\|openmetrics\|json/],
    [{ HERALD_SCRAPE: 'json', HERALD_SCRAPE_PORT_INDEX: '3' }, /no host port at index 3 \(the task has 1\)/],
    [{ HERALD_SCRAPE: 'json', HERALD_SCRAPE_PORT_NAME: 'metrics' }, /no port named "metrics"/],
    [{ HERALD_SCRAPE: 'json', HERALD_SCRAPE_PATH: 'metrics' }, /HERALD_SCRAPE_PATH must start with "\/"/],
    [{ HERALD_SCRAPE: 'json', HERALD_SCRAPE_INTERVAL: 'soon' }, /HERALD_SCRAPE_INTERVAL is not a duration/],
  ];
  for (const [labels, re] of bad) {
    const r = discoverTargets(runsFromState(stateWith(labels, 31915)), input);
    t.equal(r.targets.length, 0);
    t.match(r.problems[0], re);
    t.match(r.problems[0], /^task hello\.dc130e23-df88-11e4-b9ec-080027fc1312 \(\/hello\): /);
  }
  // The dcos-metrics payload: a task with labels that do not ask for scraping.
  const dcos = discoverTargets(runsFromState(loadState('dcos-metrics.agent-state.json')), input);
  t.same(dcos, { targets: [], problems: [] });
});

void t.test('discovered from a fake metadata: scraped, tagged with the app, rediscovered on onChange', async (t) => {
  const a = await localServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE jobs_total counter\njobs_total{queue="q1"} 7\n'));
  const b = await localServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"workers":{"busy":3}}'));
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const md = new FakeMetadata(stateWith({ HERALD_SCRAPE: 'prometheus', HERALD_SCRAPE_INTERVAL: '50ms' }, a.port));
  const { logger, lines } = capturingLogger('info');
  const source = new ScrapeSource({
    name: 'scrape',
    context: testContext('/tmp', { clock: systemClock, logger }),
    config: scrapeConfig({ discovery: { min_interval_ms: 50 } }),
    metadata: md,
  });
  const records: HeraldRecord[] = [];
  const d = drain(source, records);
  t.teardown(() => source.close());
  const jobs = () => records.filter((r): r is MetricPoint => r.kind === 'metric' && r.measurement === 'jobs_total');
  await until(() => jobs().length >= 2, 5000, 'task scraped');
  t.same(jobs()[0]?.tags, { host: 'node-1.test', scrape_target: '/hello', app: '/hello', framework: 'marathon', instance: `127.0.0.1:${a.port}`, queue: 'q1' });
  t.equal(jobs()[0]?.app, '/hello');
  t.equal(md.listeners, 1, 'subscribed to onChange');

  // The task is redeployed on another port with a JSON endpoint: onChange moves the scrape.
  md.setState(stateWith({ HERALD_SCRAPE: 'json', HERALD_SCRAPE_INTERVAL: '50ms', HERALD_SCRAPE_PATH: '/stats' }, b.port));
  t.equal(source.targets().length, 1);
  t.equal(source.targets()[0]?.url, `http://127.0.0.1:${b.port}/stats`);
  const json = () => records.filter((r): r is MetricPoint => r.kind === 'metric' && r.measurement === 'hello');
  await until(() => json().length >= 1, 5000, 'json endpoint scraped');
  t.same(json()[0]?.fields, { 'workers.busy': 3 });
  const hitsA = a.hits;
  await new Promise((r) => setTimeout(r, 200));
  t.ok(a.hits <= hitsA + 1, 'the old endpoint is no longer scraped');

  // Labels removed: no target left. A broken label is logged once.
  md.setState(stateWith({ HERALD_SCRAPE: 'prometheus', HERALD_SCRAPE_PORT_INDEX: '9' }, b.port));
  md.setState(stateWith({ HERALD_SCRAPE: 'prometheus', HERALD_SCRAPE_PORT_INDEX: '9' }, b.port));
  t.equal(source.targets().length, 0);
  t.equal(lines.filter((l) => l.includes('labels cannot be used')).length, 1);
  await source.close();
  await d.stop();
  t.equal(md.listeners, 0, 'unsubscribed on close');
});
