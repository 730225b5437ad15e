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

void t.test('an all-created answer is counted exactly at every length, and any other item is counted one by one', async (t) => {
  const s = new BulkAwareSerializer();
  const answer = (items: string[]) => `{"errors":false,"items":[${items.join(',')}]}`;
  const created = '{"create":{"status":201}}';
  for (const n of [1, 2, 1023, 1024, 1025, 2047, 2048, 2049, 5000]) {
    const items = Array<string>(n).fill(created);
    t.equal(s.deserialize<{ items: unknown[] }>(answer(items)).items.length, n, `${n} created`);
    // Another item anywhere (first, last, at a 1,024-item boundary) is still one item.
    for (const at of new Set([0, n - 1, Math.min(1023, n - 1), Math.min(1024, n - 1)])) {
      for (const other of ['{"create":{"status":200}}', '{"index":{"status":201}}', '{"create":{"status":2010}}']) {
        const mixed = [...items];
        mixed[at] = other;
        t.equal(s.deserialize<{ items: unknown[] }>(answer(mixed)).items.length, n, `${n} items, ${other} at ${at}`);
      }
    }
  }
  // Items of another length that add up to a multiple of the created item's: counted, not divided.
  const odd = answer([...Array<string>(25).fill('{"index":{"status":201}}'), ...Array<string>(1).fill(created)]);
  t.equal(s.deserialize<{ items: unknown[] }>(odd).items.length, 26);
  t.equal(s.deserialize<{ items: unknown[] }>(answer(Array<string>(26).fill('{"index":{"status":201}}'))).items.length, 26);
});
