import { appendFileSync } from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { systemClock } from '../../../src/pipeline/context';
import { testContext } from '../../helpers/context';
import { Puller, group, lines, makeSource, metricValue, range, readOffsets } from './helpers';

void t.test('setGroups: a removed group is drained and released, an added one starts per start_at', async (t) => {
  const dir = t.testdir({ a: { 'x.log': lines(0, 2, 'a') }, b: { 'y.log': lines(0, 2, 'b') }, c: { 'z.log': lines(0, 2, 'c') } });
  const state = path.join(dir, 'state');
  const ctx = testContext(state, { clock: systemClock });
  const ga = group(path.join(dir, 'a/*.log'), { id: 'a' });
  const gb = group(path.join(dir, 'b/*.log'), { id: 'b' });
  const src = makeSource(state, [ga, gb], { context: ctx });
  const p = new Puller(src);
  await p.pullCount(4);
  t.equal(await metricValue(ctx.metrics, 'herald_tail_files_open'), 2);

  appendFileSync(path.join(dir, 'b/y.log'), lines(2, 4, 'b') + 'b partial'); // still to be drained
  const gc = group(path.join(dir, 'c/*.log'), { id: 'c', startAt: 'end' });
  src.setGroups([{ ...ga, identity: { app: 'renamed', docFragment: '', labels: {} } }, gc]);
  await p.pullCount(7);
  appendFileSync(path.join(dir, 'b/y.log'), lines(4, 6, 'b')); // after the release: not read
  appendFileSync(path.join(dir, 'c/z.log'), lines(2, 3, 'c'));
  appendFileSync(path.join(dir, 'a/x.log'), lines(2, 3, 'a'));
  await p.pullCount(9);
  await p.drainFor(400);
  t.same(p.messages.slice(4).sort(), ['a 2', 'b 2', 'b 3', 'b partial', 'c 2'].sort());
  t.equal(p.events.find((e) => e.message === 'a 2')?.origin.identity.app, 'renamed', 'group updates apply to open files');
  t.equal(await metricValue(ctx.metrics, 'herald_tail_files_open'), 2, 'the removed group released its file');
  await p.stop();
  t.same(readOffsets(state).files.map((f) => f.group).sort(), ['a', 'c'], 'the released file is forgotten');

  t.throws(() => src.setGroups([ga, ga]), { code: 'HERALD_E_CONFIG' });
  t.throws(() => src.setGroups([group('relative/*.log')]), { code: 'HERALD_E_CONFIG' });
});

void t.test('a file matched by two groups belongs to the first', async (t) => {
  const dir = t.testdir({ logs: { 'x.log': lines(0, 2) } });
  const state = path.join(dir, 'state');
  const p = new Puller(makeSource(state, [
    group(path.join(dir, 'logs/x.log'), { id: 'specific', dataset: 'specific' }),
    group(path.join(dir, 'logs/*.log'), { id: 'all', dataset: 'all' }),
  ]));
  await p.pullCount(2);
  await p.drainFor(200);
  await p.stop();
  t.same(p.messages, range(0, 2));
  t.same(p.events.map((e) => e.dataset), ['specific', 'specific']);
});
