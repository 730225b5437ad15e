/**
 * One lifecycle test per registered component: create, start, stop, stop twice, and stop without start.
 * A new component must add its minimal config here (the first test fails until it does).
 */
import t from 'tap';
import { join } from 'node:path';
import { registry } from '../../src/components';
import { loadConfigText } from '../../src/config/load';
import type { ComponentContext } from '../../src/pipeline/context';
import { testContext } from '../helpers/context';
import { elasticsearchOutputSchema } from '../../src/sinks/elasticsearch/config';
import { influxdbOutputSchema } from '../../src/sinks/influxdb/config';
import { createMesosMetadata } from '../../src/mesos';
import { mesosSchema } from '../../src/mesos/config';
import { createRegistry } from '../../src/observability/metrics';
import pino from 'pino';

// An agent nobody listens on: the Mesos-backed components must start and stop cleanly without it.
const unreachableMesos = () =>
  createMesosMetadata(mesosSchema.parse({ agent_url: 'http://127.0.0.1:1', timeout_ms: 200, retries: 0 }), {
    logger: pino({ level: 'silent' }),
    metrics: createRegistry(false),
    clock: { now: () => Date.now(), monotonic: () => performance.now() },
  });

const config = (dir: string) =>
  loadConfigText(`state_dir: ${dir}\nlogs: { files: [ { path: "${dir}/*.log" } ] }\n`, 'lifecycle', {}).config;

const configs: Record<string, (dir: string) => unknown> = {
  tail: (dir) => ({ name: 'lifecycle', logs: config(dir).logs, pipeline: config(dir).pipeline }),
  file: (dir) => ({ config: config(dir).outputs.file, logs: true, metrics: true }),
  mesos_sandboxes: (dir) => ({ name: 'lifecycle', sandboxes: { ...config(dir).logs.sandboxes, work_dir: dir }, logs: config(dir).logs, pipeline: config(dir).pipeline, metadata: unreachableMesos().metadata }),
  mesos_metrics: (dir) => ({ name: 'lifecycle', metrics: config(dir).metrics, mesos: unreachableMesos() }),
  host_metrics: (dir) => ({ name: 'lifecycle', metrics: config(dir).metrics }),
  scrape: (dir) => ({ config: { ...config(dir).scrape, self: false } }),
  throttle: (dir) => ({ config: config(dir).qos }),
  redact: (dir) => ({ config: config(dir).redact }),
  // Nothing listens on port 1: the sinks must start (retrying in the background) and close within the deadline.
  elasticsearch: () => ({ config: elasticsearchOutputSchema.parse({ url: 'http://127.0.0.1:1', request_timeout_ms: 500 }) }),
  influxdb: (dir) => ({ config: influxdbOutputSchema.parse({ url: 'http://127.0.0.1:1', org: 'o', bucket: 'b', token: 't', request_timeout_ms: 500, buffer: { dir: `${dir}/influx-buffer` } }) }),
};

void t.test('every registered component has a lifecycle config here', async (t) => {
  t.same(registry.all().map((d) => d.type).filter((type) => !(type in configs)), []);
});

for (const d of registry.all()) {
  void t.test(`${d.kind} ${d.type}: create, start, stop, stop twice, stop unstarted`, async (t) => {
    const make = configs[d.type];
    if (!make) return;
    const dir = t.testdir({ 'a.log': 'x\n' });
    const ctx: ComponentContext = testContext(join(dir));
    const create = (cfg: unknown, c: ComponentContext): unknown => (d.create as (cfg: unknown, c: ComponentContext) => unknown)(cfg, c);
    const stopOf = async (c: unknown) => {
      const comp = c as { close?: (deadline?: number) => Promise<void> };
      await comp.close?.(500);
    };
    const unstarted = create(make(dir), ctx);
    await stopOf(unstarted);
    await stopOf(unstarted);
    const started = create(make(dir), ctx);
    if (d.kind === 'sink') await (started as { start?: () => Promise<void> }).start?.();
    if (d.kind === 'source') {
      const ac = new AbortController();
      const it = (started as { batches(s: AbortSignal): AsyncIterable<unknown> }).batches(ac.signal)[Symbol.asyncIterator]();
      const first = it.next();
      await new Promise((r) => setTimeout(r, 50));
      ac.abort();
      await first;
    }
    await stopOf(started);
    await stopOf(started);
    t.pass('lifecycle completed');
  });
}
