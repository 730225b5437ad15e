import t from 'tap';
import { flattenJson, splitPath, type JsonFlattenOptions } from '../../src/scrape/formats/json-flatten';

const NOW = 1_700_000_000_000;
const base: JsonFlattenOptions = {
  measurement: 'app', paths: [], tagsFrom: [], arrayKey: undefined, separator: '.',
  baseTags: { host: 'node-1' }, app: '/shop/web', maxFields: 1000,
};
// The shape of a Dropwizard /metrics document (Marathon, many JVM services): keys contain dots.
const doc = {
  version: '4.0.0',
  cluster: { name: 'prod-eu' },
  gauges: { 'jvm.memory.heap.used': { value: 123456 }, 'jvm.threads.count': { value: 42 }, 'build.version': { value: '1.2.3' } },
  counters: { 'http.requests': { count: 10 } },
  healthy: true,
  workers: [{ name: 'w1', busy: 3 }, { name: 'w2', busy: 5 }],
  samples: [1.5, 2.5],
  nothing: null,
};

void t.test('everything numeric by default, booleans as 1/0, arrays by index, strings ignored', async (t) => {
  const r = flattenJson(doc, base, NOW);
  t.same(r.point?.fields, {
    'gauges.jvm.memory.heap.used.value': 123456,
    'gauges.jvm.threads.count.value': 42,
    'counters.http.requests.count': 10,
    healthy: 1,
    'workers.0.busy': 3,
    'workers.1.busy': 5,
    'samples.0': 1.5,
    'samples.1': 2.5,
  });
  t.same(r.point?.tags, { host: 'node-1' });
  t.equal(r.point?.measurement, 'app');
  t.equal(r.point?.app, '/shop/web');
  t.equal(r.point?.timestampMs, NOW);
});

void t.test('paths select subtrees (with * for one key); tags_from; array_key names elements', async (t) => {
  const r = flattenJson(doc, {
    ...base,
    paths: ['/gauges/*/value', '/workers'].map(splitPath),
    tagsFrom: [{ tag: 'cluster', path: splitPath('/cluster/name') }, { tag: 'version', path: splitPath('/version') }],
    arrayKey: 'name',
    separator: '_',
  }, NOW);
  t.same(r.point?.fields, { 'gauges_jvm.memory.heap.used_value': 123456, 'gauges_jvm.threads.count_value': 42, workers_w1_busy: 3, workers_w2_busy: 5 });
  t.same(r.point?.tags, { host: 'node-1', cluster: 'prod-eu', version: '4.0.0' });
});

void t.test('field limit: the rest dropped and counted; nothing numeric gives no point', async (t) => {
  const r = flattenJson(doc, { ...base, maxFields: 3 }, NOW);
  t.equal(r.fields, 3);
  t.equal(r.fieldsDropped, 5);
  t.equal(flattenJson({ a: 'x', b: [null] }, base, NOW).point, undefined);
  t.same(splitPath('/a~1b/c~0d'), ['a/b', 'c~d']);
});
