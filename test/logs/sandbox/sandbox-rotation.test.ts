/**
 * The LogrotateContainerLogger's rotation (FORMATS.md §2.5): `stdout` → `stdout.1` → `stdout.2` ... by
 * rename, a new `stdout`, and `stdout.logrotate.state` beside them. No line may be lost or read twice,
 * whether Herald is running or stopped at the time.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { FakeMetadata, loadState, runFromState } from './fake-metadata';
import { Consumer, append, config, counts, lines, makeSandbox, makeSandboxSource, metricValue, sleep } from './harness';

const DATADOG = loadState('datadog.agent-state.marathon-task.json');

/** What mesos-logrotate-logger's logrotate does with `rotate <keep>`: shift the numbered files, rename the live one. */
function rotate(dir: string, keep: number): void {
  for (let i = keep - 1; i >= 1; i--) {
    const from = path.join(dir, `stdout.${i}`);
    if (existsSync(from)) renameSync(from, path.join(dir, `stdout.${i + 1}`));
  }
  renameSync(path.join(dir, 'stdout'), path.join(dir, 'stdout.1'));
  writeFileSync(path.join(dir, 'stdout'), '');
  writeFileSync(path.join(dir, 'stdout.logrotate.state'), `logrotate state -- version 2\n"${dir}/stdout" 2026-11-21-12:0:0\n`);
}

void t.test('rotation while writing: stdout → stdout.1 → stdout.2, no loss, no duplicate', async (t) => {
  const root = t.testdir({});
  const work = path.join(root, 'work');
  const run = runFromState(DATADOG, { workDir: work });
  const meta = new FakeMetadata(work, [run]);
  const dir = makeSandbox(run, { stdout: '', stderr: '' });
  const { source, context } = makeSandboxSource(path.join(root, 'state'), meta, config());
  const c = new Consumer(source, t);
  await c.waitFor(async () => (await metricValue(context.metrics, 'herald_tail_files_open')) === 2, 'the first scan');
  let n = 0;
  for (let round = 0; round < 4; round++) {
    for (let burst = 0; burst < 5; burst++) {
      append(path.join(dir, 'stdout'), lines(40, 'r', n));
      n += 40;
      await sleep(3);
    }
    rotate(dir, 4); // rounds 0..3: stdout.1..stdout.4 exist at the end, nothing is deleted
  }
  append(path.join(dir, 'stdout'), lines(40, 'r', n));
  n += 40;
  await c.waitFor(() => c.events.length >= n, `${n} lines`, 15_000);
  await c.settle(500);
  const seen = counts(c.messages());
  t.equal(c.events.length, n, 'exact count');
  t.equal(seen.size, n, 'every line once');
  for (let i = 0; i < n; i++) if (seen.get(`r ${i}`) !== 1) t.fail(`r ${i} seen ${seen.get(`r ${i}`) ?? 0} times`);
  t.ok(c.events.every((e) => !e.origin.path.endsWith('.logrotate.state')), 'logrotate state never tailed');
  await c.stop();
});

void t.test('rotation while Herald is stopped: the rotated file is finished, the new one read from 0', async (t) => {
  const root = t.testdir({});
  const work = path.join(root, 'work');
  const state = path.join(root, 'state');
  const run = runFromState(DATADOG, { workDir: work });
  const meta = new FakeMetadata(work, [run]);
  const dir = makeSandbox(run, { stdout: lines(10, 'a'), stderr: '' });
  const first = makeSandboxSource(state, meta, config({ start_at: 'end' }));
  const c1 = new Consumer(first.source, t);
  await c1.waitFor(async () => (await metricValue(first.context.metrics, 'herald_tail_files_open')) === 2, 'the first scan');
  append(path.join(dir, 'stdout'), lines(5, 'b'));
  await c1.waitFor(() => c1.events.length >= 5, 'b lines');
  await c1.stop();
  t.same(c1.messages(), ['b 0', 'b 1', 'b 2', 'b 3', 'b 4'], 'start_at end at the first start');

  // Down: more lines, two rotations, more lines in the new file.
  append(path.join(dir, 'stdout'), lines(3, 'c'));
  rotate(dir, 4);
  append(path.join(dir, 'stdout'), lines(4, 'd'));
  rotate(dir, 4);
  append(path.join(dir, 'stdout'), lines(2, 'e'));

  const second = makeSandboxSource(state, meta, config({ start_at: 'end' }));
  const c2 = new Consumer(second.source, t);
  await c2.waitFor(() => c2.events.length >= 9, 'lines written while down');
  await c2.settle(500);
  t.same(c2.messages().sort(), ['c 0', 'c 1', 'c 2', 'd 0', 'd 1', 'd 2', 'd 3', 'e 0', 'e 1'].sort(), 'each line once');
  t.same(c2.messages().filter((m) => m.startsWith('c')), ['c 0', 'c 1', 'c 2'], 'the rotated file continues at its stored offset');
  await c2.stop();
});
