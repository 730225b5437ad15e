import t from 'tap';
import { BulkAwareSerializer } from '../../../src/sinks/elasticsearch/es-client';

void t.test('a bulk answer without errors is counted, not parsed; anything else is parsed as JSON', async (t) => {
  const s = new BulkAwareSerializer();
  const ok = `{"errors":false,"items":[${Array(1000).fill('{"create":{"status":201}}').join(',')}]}`;
  const fast = s.deserialize<{ errors: boolean; items: unknown[] }>(ok);
  t.equal(fast.errors, false);
  t.equal(fast.items.length, 1000, 'one item per status');
  const withError = '{"errors":false,"items":[{"create":{"status":201}},{"create":{"status":400,"error":{"type":"x"}}}]}';
  t.same(s.deserialize(withError), JSON.parse(withError), 'an error anywhere: parsed');
  const errors = '{"errors":true,"items":[{"create":{"status":429}}]}';
  t.same(s.deserialize(errors), JSON.parse(errors));
  t.same(s.deserialize('{"acknowledged":true}'), { acknowledged: true });
  t.same(s.deserialize('{"errors":false,"items":[]}'), { errors: false, items: [] });
  t.throws(() => {
    s.deserialize('{"errors":false,"items":[{"create":');
  }, 'a cut answer is not taken for a good one');
});
