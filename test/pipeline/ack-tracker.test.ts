import t from 'tap';
import { AckTracker } from '../../src/pipeline/ack-tracker';

void t.test('commits every checkpoint in yield order, only once all earlier batches settled', async (t) => {
  const committed: unknown[] = [];
  const tracker = new AckTracker(async (cp) => {
    committed.push(cp);
  }, () => t.fail('no error expected'));
  const a = tracker.push('a');
  const b = tracker.push('b');
  const c = tracker.push('c');
  tracker.settle(c);
  tracker.settle(b);
  await tracker.flushed();
  t.same(committed, [], 'nothing before a settles');
  tracker.settle(a);
  await tracker.flushed();
  t.same(committed, ['a', 'b', 'c']);
  t.equal(tracker.pending, 0);
});

void t.test('batches without a checkpoint advance the head but commit nothing', async (t) => {
  const committed: unknown[] = [];
  const tracker = new AckTracker(async (cp) => void committed.push(cp), () => undefined);
  tracker.settle(tracker.push(undefined));
  tracker.settle(tracker.push(7));
  await tracker.flushed();
  t.same(committed, [7]);
});

void t.test('a failed batch blocks every later commit', async (t) => {
  const committed: unknown[] = [];
  const tracker = new AckTracker(async (cp) => void committed.push(cp), () => undefined);
  const a = tracker.push(1);
  const b = tracker.push(2);
  const c = tracker.push(3);
  tracker.settle(a);
  tracker.fail(b);
  tracker.settle(c);
  await tracker.flushed();
  t.same(committed, [1]);
});

void t.test('a commit that throws is reported and does not stop later commits', async (t) => {
  const errors: unknown[] = [];
  const committed: unknown[] = [];
  const tracker = new AckTracker(async (cp) => {
    if (cp === 1) throw new Error('disk full');
    committed.push(cp);
  }, (err) => errors.push(err));
  tracker.settle(tracker.push(1));
  tracker.settle(tracker.push(2));
  await tracker.flushed();
  t.equal(errors.length, 1);
  t.same(committed, [2]);
});
