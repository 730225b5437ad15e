import { appendFileSync, copyFileSync, existsSync, mkdirSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import { systemClock } from '../../../src/pipeline/context';
import { testContext } from '../../helpers/context';
import { Puller, group, lines, makeSource, metricValue, range, readOffsets, sleep } from './helpers';

/** Lines long enough that 1 KiB of fingerprint is reached after a few of them. */
const long = (from: number, to: number, p = 'line') => lines(from, to, `${p} ${'x'.repeat(100)}`);
const longRange = (from: number, to: number, p = 'line') => range(from, to, `${p} ${'x'.repeat(100)}`);

function setup(t: Test, files: Record<string, string>, include = 'logs/*.log') {
  const dir = t.testdir({ logs: files });
  const state = path.join(dir, 'state');
  const ctx = testContext(state, { clock: systemClock });
  const log = (name: string) => path.join(dir, 'logs', name);
  return { dir, state, ctx, log, include: path.join(dir, include) };
}

void t.test('rename rotation: the old file is drained, then the new one is read from 0', async (t) => {
  const s = setup(t, { 'app.log': lines(0, 10) });
  const p = new Puller(makeSource(s.state, [group(s.include)], { context: s.ctx }));
  await p.pullCount(10);
  appendFileSync(s.log('app.log'), lines(10, 12));
  renameSync(s.log('app.log'), s.log('app.log.1'));
  writeFileSync(s.log('app.log'), lines(0, 3, 'new'));
  appendFileSync(s.log('app.log.1'), lines(12, 14) + 'last partial'); // the writer has not reopened yet
  await p.pullCount(18);
  await p.drainFor(300);
  await p.stop();
  t.same(p.messages, [...range(0, 14), 'last partial', ...range(0, 3, 'new')], 'in order, nothing twice');
  t.equal(await metricValue(s.ctx.metrics, 'herald_tail_rotations_total', { kind: 'rename' }), 1);
  const files = readOffsets(s.state).files;
  t.same(files.filter((f) => f.missing_since_ms === undefined).map((f) => path.basename(f.path)), ['app.log'], 'the new file is tailed');
  t.equal(files.filter((f) => f.missing_since_ms !== undefined).length, 1, 'the drained one is kept as missing, for a few rescans only');
});

void t.test('copytruncate: truncation detected, reading restarts at 0', async (t) => {
  const s = setup(t, { 'app.log': lines(0, 10) });
  const p = new Puller(makeSource(s.state, [group(s.include)], { context: s.ctx }));
  await p.pullCount(10);
  copyFileSync(s.log('app.log'), s.log('app.log.1')); // not matched by *.log
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), lines(0, 2, 'after'));
  await p.pullCount(12);
  await p.drainFor(300);
  await p.stop();
  t.same(p.messages, [...range(0, 10), 'after 0', 'after 1']);
  t.equal(await metricValue(s.ctx.metrics, 'herald_tail_truncations_total'), 1);
  t.equal(await metricValue(s.ctx.metrics, 'herald_tail_rotations_total', { kind: 'truncate' }), 1);
});

void t.test('copytruncate while behind, with more new bytes than were read: restarts at 0, nothing from the middle', async (t) => {
  // Batches of 10: after the first one the file is not caught up, so its next read starts before its stat
  // is known (read-ahead). The new content is longer than what was read, so only its first bytes tell that
  // it is new; what was read ahead at the old offset (the middle of a new line) must not be used.
  const s = setup(t, { 'app.log': long(0, 100) });
  const p = new Puller(makeSource(s.state, [group(s.include)], { context: s.ctx, batchMaxRecords: 10 }));
  await p.pullCount(10);
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), long(0, 150, 'after'));
  await p.pullCount(160);
  await p.drainFor(300);
  await p.stop();
  t.same(p.messages, [...longRange(0, 10), ...longRange(0, 150, 'after')]);
  t.equal(await metricValue(s.ctx.metrics, 'herald_tail_truncations_total'), 1);
});

void t.test('copytruncate with the copy matched by the glob: no duplicates, nothing lost', async (t) => {
  const s = setup(t, { 'app.log': long(0, 20) }, 'logs/app.log*');
  const p = new Puller(makeSource(s.state, [group(s.include)], { context: s.ctx }));
  await p.pullCount(20);
  appendFileSync(s.log('app.log'), long(20, 23)); // written, not read yet: only the copy will have them
  copyFileSync(s.log('app.log'), s.log('app.log.1'));
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), lines(0, 2, 'after'));
  await p.pullCount(25);
  await p.drainFor(500);
  await p.stop();
  t.same([...p.messages].sort(), [...longRange(0, 23), 'after 0', 'after 1'].sort(), 'every line exactly once');
  t.equal(await metricValue(s.ctx.metrics, 'herald_tail_rotations_total', { kind: 'copy' }), 1);
});

void t.test('Mesos logrotate: stdout renamed to stdout.1 (also matched) continues from our offset', async (t) => {
  const s = setup(t, { stdout: long(0, 5), 'stdout.logrotate.state': 'x\n' }, 'logs/stdout{,.[0-9]}');
  const p = new Puller(makeSource(s.state, [group(s.include)], { context: s.ctx }));
  await p.pullCount(5);
  for (let round = 0; round < 2; round++) {
    appendFileSync(s.log('stdout'), lines(0, 2, `tail${round}`));
    if (round === 1) renameSync(s.log('stdout.1'), s.log('stdout.2'));
    renameSync(s.log('stdout'), s.log('stdout.1'));
    writeFileSync(s.log('stdout'), lines(0, 2, `fresh${round}`));
    await p.pullCount(5 + 4 * (round + 1));
  }
  await p.drainFor(600);
  await p.stop();
  t.same([...p.messages].sort(), [
    ...longRange(0, 5), 'tail0 0', 'tail0 1', 'fresh0 0', 'fresh0 1', 'tail1 0', 'tail1 1', 'fresh1 0', 'fresh1 1',
  ].sort());
  const stored = readOffsets(s.state).files.map((f) => path.basename(f.path)).sort();
  t.same(stored, ['stdout', 'stdout.1', 'stdout.2'], 'rotated files keep their offsets while they match');
});

void t.test('deleted while open: drained to EOF (partial line included), then dropped from the offsets', async (t) => {
  const s = setup(t, { 'a.log': lines(0, 3), 'b.log': lines(0, 1, 'b') });
  const p = new Puller(makeSource(s.state, [group(s.include)], { context: s.ctx }));
  await p.pullCount(4);
  appendFileSync(s.log('a.log'), lines(3, 5) + 'no newline');
  unlinkSync(s.log('a.log'));
  await p.pullCount(7);
  await p.drainFor(400);
  t.same(p.messages.filter((m) => !m.startsWith('b')), [...range(0, 5), 'no newline']);
  t.equal(await metricValue(s.ctx.metrics, 'herald_tail_rotations_total', { kind: 'delete' }), 1);
  t.equal(await metricValue(s.ctx.metrics, 'herald_tail_files_open'), 1, 'the handle is released');
  await p.stop();
  t.same(readOffsets(s.state).files.map((f) => path.basename(f.path)), ['b.log']);
});

void t.test('restart: resumes exactly at the committed offset (stored offset beats start_at)', async (t) => {
  const s = setup(t, { 'a.log': lines(0, 10) });
  const first = makeSource(s.state, [group(s.include, { startAt: 'end' })], { batchMaxRecords: 4 });
  const next = first.batches(new AbortController().signal)[Symbol.asyncIterator]().next();
  await sleep(300);
  await first.close(); // nothing read: only the start position is stored
  t.equal((await next).done, true, 'close ends the iteration');
  t.same(readOffsets(s.state).files.map((f) => f.offset), [lines(0, 10).length]);
  writeFileSync(path.join(s.state, 'offsets/files.json'), '{"version":1,"files":[]}');

  const a = new Puller(makeSource(s.state, [group(s.include, { startAt: 'beginning' })], { batchMaxRecords: 4 }), false);
  await a.pullCount(8); // two batches read, only the first is committed
  await a.source.commit(a.batches[0]?.checkpoint);
  await a.stop();
  appendFileSync(s.log('a.log'), lines(10, 12));
  const b = new Puller(makeSource(s.state, [group(s.include, { startAt: 'end' })]));
  await b.pullCount(8);
  await b.drainFor(300);
  await b.stop();
  t.same(b.messages, range(4, 12));
  t.equal(b.events[0]?.offset, lines(0, 4).length);
});

void t.test('restart after a copytruncate while down: the copy continues at the stored offset', async (t) => {
  const s = setup(t, { 'app.log': long(0, 20) }, 'logs/app.log*');
  const a = new Puller(makeSource(s.state, [group(s.include)]));
  await a.pullCount(20);
  await a.stop();
  appendFileSync(s.log('app.log'), long(20, 22));
  copyFileSync(s.log('app.log'), s.log('app.log.1'));
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), lines(0, 1, 'after'));
  const b = new Puller(makeSource(s.state, [group(s.include, { startAt: 'end' })]));
  await b.pullCount(3);
  await b.drainFor(300);
  await b.stop();
  t.same([...b.messages].sort(), [...longRange(20, 22), 'after 0'].sort());
});

void t.test('restart after a rename rotation while down: the renamed file is drained, the new one read', async (t) => {
  const s = setup(t, { 'app.log': lines(0, 5) });
  const a = new Puller(makeSource(s.state, [group(s.include)]));
  await a.pullCount(5);
  await a.stop();
  appendFileSync(s.log('app.log'), lines(5, 7));
  renameSync(s.log('app.log'), s.log('app.log.1')); // not matched by *.log
  writeFileSync(s.log('app.log'), lines(0, 2, 'new'));
  const ctx = testContext(s.state, { clock: systemClock });
  const b = new Puller(makeSource(s.state, [group(s.include, { startAt: 'end' })], { context: ctx }));
  await b.pullCount(4);
  await b.drainFor(300);
  await b.stop();
  t.same(b.messages, ['line 5', 'line 6', 'new 0', 'new 1'], 'old lines first, then the new file from 0');
  t.ok(existsSync(s.log('app.log.1')));
  t.same(readOffsets(s.state).files.map((f) => path.basename(f.path)), ['app.log']);
  t.equal(await metricValue(ctx.metrics, 'herald_tail_rotations_total', { kind: 'rename' }), 1);
});

void t.test('the offsets file is rewritten on commit, coalesced', async (t) => {
  const s = setup(t, { 'a.log': lines(0, 2000) });
  const p = new Puller(makeSource(s.state, [group(s.include)], { batchMaxRecords: 10 }));
  await p.pullCount(2000);
  await p.source.flush();
  t.equal(readOffsets(s.state).files[0]?.offset, lines(0, 2000).length);
  await p.stop();
});

void t.test('a stored entry whose inode now holds other bytes (reused inode, rewritten file) is read from 0', async (t) => {
  const s = setup(t, { 'a.log': lines(0, 3, 'fresh') });
  const st = statSync(s.log('a.log'), { bigint: true });
  mkdirSync(path.join(s.state, 'offsets'), { recursive: true });
  writeFileSync(path.join(s.state, 'offsets/files.json'), JSON.stringify({
    version: 1,
    files: [{ dev: String(st.dev), ino: String(st.ino), fp_bytes: 6, fp_sha1: '0'.repeat(40), offset: 10, path: s.log('a.log'), group: 'files[0]' }],
  }));
  const ctx = testContext(s.state, { clock: systemClock });
  const p = new Puller(makeSource(s.state, [group(s.include, { startAt: 'end' })], { context: ctx }));
  await p.pullCount(3);
  await p.stop();
  t.same(p.messages, range(0, 3, 'fresh'));
  t.equal(await metricValue(ctx.metrics, 'herald_tail_truncations_total'), 1);
});

void t.test('stored offsets survive until their group comes back (sandboxes after a restart)', async (t) => {
  const s = setup(t, { 'stdout': lines(0, 4) }, 'logs/stdout');
  const sandbox = group(s.include, { id: '/sandbox/1' });
  const a = new Puller(makeSource(s.state, [sandbox]));
  await a.pullCount(4);
  await a.stop();
  appendFileSync(s.log('stdout'), lines(4, 6));
  const src = makeSource(s.state, []);
  const b = new Puller(src);
  await b.drainFor(400); // scans run without the group: the entry is kept
  t.same(readOffsets(s.state).files.map((f) => f.group), ['/sandbox/1']);
  src.setGroups([{ ...sandbox, startAt: 'beginning' }]);
  await b.pullCount(2);
  await b.drainFor(200);
  await b.stop();
  t.same(b.messages, range(4, 6), 'resumed at the stored offset, not from 0');
});
