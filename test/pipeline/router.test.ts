import t from 'tap';
import { Router } from '../../src/pipeline/router';
import { makeMetricPoint } from '../../src/pipeline/records';
import { MemorySink, logRecords, testOrigin } from '../helpers/fakes';
import { makeBlock } from '../helpers/blocks';

void t.test('log events and native blocks go to the logs sink, metric points to the metrics sink', async (t) => {
  const logs = new MemorySink();
  const metrics = new MemorySink();
  const router = new Router(logs, metrics);
  const block = makeBlock(testOrigin, ['{"message":"m"}']);
  const point = makeMetricPoint('cpu', {}, { v: 1 }, 0);
  const [event] = logRecords(1);
  await router.write({ records: [point, block, event!] });
  t.same(logs.records, [block, event]);
  t.same(metrics.records, [point]);
  t.same(router.sinks, [logs, metrics]);
  await router.close(100);
  t.equal(logs.closed + metrics.closed, 2);
});
