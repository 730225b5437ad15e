import t from 'tap';
import { NodeCeiling } from '../../src/qos/node-ceiling';

const WEIGHTS = { critical: 60, normal: 30, low: 10 };

/**
 * Runs `steps` steps of 100 ms; in each, the classes try `offer[c]` lines of `size` bytes, lowest
 * priority first (the worst order for critical). Returns the lines passed per class.
 */
function run(node: NodeCeiling, startUs: number, steps: number, offer: number[], size = 10): { passed: number[]; endUs: number } {
  const passed = offer.map(() => 0);
  let now = startUs;
  for (let s = 0; s < steps; s++) {
    now += 100_000;
    node.refill(now);
    for (let c = offer.length - 1; c >= 0; c--) {
      for (let i = 0; i < (offer[c] as number); i++) {
        if (!node.affords(c, size)) break;
        node.consume(size);
        passed[c] = (passed[c] as number) + 1;
      }
    }
  }
  return { passed, endUs: now };
}

void t.test('under pressure from every class, each keeps exactly its weighted share', async (t) => {
  const node = new NodeCeiling({ linesPerSec: 100, bytesPerSec: 0 }, WEIGHTS, 0);
  t.same(node.classes, ['critical', 'normal', 'low']);
  const warm = run(node, 0, 20, [100, 100, 100]); // spend the initial bursts
  const { passed } = run(node, warm.endUs, 100, [100, 100, 100]); // 10 s
  t.same(passed, [600, 300, 100], '60/30/10 lines per second of a 100 lines/s ceiling');
});

void t.test('a critical app below its share loses nothing; what it leaves is shared, the total holds', async (t) => {
  const node = new NodeCeiling({ linesPerSec: 100, bytesPerSec: 0 }, WEIGHTS, 0);
  const warm = run(node, 0, 50, [2, 100, 100]);
  const { passed } = run(node, warm.endUs, 100, [2, 100, 100]);
  t.equal(passed[0], 200, 'critical: all of its 20 lines/s');
  t.ok((passed[1] as number) >= 300, `normal keeps at least its share (${passed[1]})`);
  t.ok((passed[2] as number) >= 100, `low keeps at least its share (${passed[2]})`);
  t.equal((passed[0] as number) + (passed[1] as number) + (passed[2] as number), 1000, 'work-conserving: exactly 100 lines/s in all');
});

void t.test('a burst of critical after a quiet period gets its reserved second at once, even as low floods', async (t) => {
  const node = new NodeCeiling({ linesPerSec: 100, bytesPerSec: 0 }, WEIGHTS, 0);
  const warm = run(node, 0, 50, [0, 0, 1000]); // low alone: it uses its share plus everything spilled
  const now = warm.endUs + 100_000;
  node.refill(now);
  let low = 0;
  while (node.affords(2, 10)) {
    node.consume(10);
    low++;
  }
  let critical = 0;
  while (node.affords(0, 10)) {
    node.consume(10);
    critical++;
  }
  t.equal(critical, 60, 'the critical reservoir (one second of its share) was kept full for it');
  t.ok(low <= 50, `low got only what was refilled since (${low})`);
});

void t.test('bytes ceiling: shares by bytes too, lines and bytes checked together', async (t) => {
  const node = new NodeCeiling({ linesPerSec: 0, bytesPerSec: 10_000 }, { critical: 3, normal: 1 }, 0);
  const warm = run(node, 0, 30, [1000, 1000], 100);
  const { passed } = run(node, warm.endUs, 100, [1000, 1000], 100);
  t.same(passed, [750, 250], '7500 B/s and 2500 B/s in lines of 100 B over 10 s');
  const snap = node.snapshot();
  t.equal(snap.pool.lines, Infinity, 'lines are unlimited');
});

void t.test('rounding: integer class rates, the remainder feeds the pool, so the total is the ceiling', async (t) => {
  const node = new NodeCeiling({ linesPerSec: 10, bytesPerSec: 0 }, { a: 1, b: 1, c: 1 }, 0);
  // 10/3: each class gets 3 lines/s, the pool 1 line/s.
  const warm = run(node, 0, 30, [100, 100, 100]);
  const { passed } = run(node, warm.endUs, 100, [100, 100, 100]);
  t.equal(passed.reduce((a, b) => a + b, 0), 100, '10 lines/s in all');
  t.ok(passed.every((p) => p >= 30), `each at least 3/s: ${passed.join(', ')}`);
});
