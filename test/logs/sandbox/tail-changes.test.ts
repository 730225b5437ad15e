/** The two small tail-engine additions the sandbox source relies on: WatchGroup.parser (with reuse) and storedGroupIds. */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import type { WatchGroup } from '../../../src/logs/tail/groups';
import { FakeMetadata } from './fake-metadata';
import { Consumer, config, makeSandboxSource, metricValue, sleep } from './harness';

void t.test('a group\'s own parser factory; the same group object keeps its compiled runtime', async (t) => {
  const root = t.testdir({ logs: { 'a.log': 'one\n' } });
  const { tail, source, context } = makeSandboxSource(path.join(root, 'state'), new FakeMetadata(undefined), config({ enabled: false }));
  let created = 0;
  const g: WatchGroup = {
    id: 'g', include: [path.join(root, 'logs/*.log')], exclude: [], format: 'plain', dataset: 'd',
    identity: { app: 'a', docFragment: '', labels: {} }, startAt: 'beginning', maxLineBytes: 1024,
    parser: () => {
      created++;
      return { format: 'plain', parse: (e) => { e.message = `parsed ${e.message}`; return undefined; } };
    },
  };
  tail.setGroups([g]);
  t.equal(created, 1);
  tail.setGroups([g]);
  tail.setGroups([g]);
  t.equal(created, 1, 'the same object is not compiled again');
  const c = new Consumer(source, t);
  await c.waitFor(() => c.events.length >= 1, 'a line');
  t.same(c.messages(), ['parsed one'], 'the group\'s parser is used, not parserFor');
  tail.setGroups([{ ...g }]);
  t.equal(created, 2, 'an equal but new object is compiled (its identity may have changed)');
  await sleep(100);
  tail.setGroups([]);
  await c.waitFor(async () => (await metricValue(context.metrics, 'herald_tail_files_open')) === 0, 'the group removed');
  tail.setGroups([g]); // removed, then the same object again: tailed again, not left "removed"
  writeFileSync(path.join(root, 'logs/a.log'), 'one\ntwo\n');
  await c.waitFor(() => c.events.length >= 2, 'a line after re-adding');
  t.same(c.messages(), ['parsed one', 'parsed two']);
  t.equal(await metricValue(context.metrics, 'herald_tail_files_open'), 1);
  await c.stop();

  const again = makeSandboxSource(path.join(root, 'state'), new FakeMetadata(undefined), config({ enabled: false }));
  t.same([...(await again.tail.storedGroupIds())], ['g'], 'storedGroupIds: the groups of the offsets file');
  await again.tail.close();
});
