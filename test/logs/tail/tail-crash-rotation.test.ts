/**
 * Copytruncate and rename rotations that happen faster than the tailer looks, combined with restarts
 * (a stop without committing what was read stands for a SIGKILL). Every line must be shipped, and shipped
 * once when every batch was committed.
 */
import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import t, { type Test } from 'tap';
import type { TailSourceOptions } from '../../../src/logs/tail/tail-source';
import { Puller, group, lines, makeSource, range, readOffsets } from './helpers';

/** Lines long enough that the 1 KiB fingerprint is reached after a few of them. */
const long = (from: number, to: number, p = 'line') => lines(from, to, `${p} ${'x'.repeat(100)}`);
const longRange = (from: number, to: number, p = 'line') => range(from, to, `${p} ${'x'.repeat(100)}`);

function setup(t: Test, files: Record<string, string>, include = 'logs/app.log*') {
  const dir = t.testdir({ logs: files, elsewhere: {} });
  const state = path.join(dir, 'state');
  const log = (name: string) => path.join(dir, 'logs', name);
  const outside = (name: string) => path.join(dir, 'elsewhere', name);
  const start = (over: Partial<TailSourceOptions> = {}, commit = true) =>
    new Puller(makeSource(state, [group(path.join(dir, include))], over), commit);
  return { dir, state, log, outside, start };
}

/** Each expected line exactly once, nothing else (order across files is not asserted). */
function exactlyOnce(t: Test, got: readonly string[], want: readonly string[], msg: string): void {
  const counts = new Map<string, number>();
  for (const m of got) counts.set(m, (counts.get(m) ?? 0) + 1);
  const missing = want.filter((w) => !counts.has(w));
  const short = (m: string) => m.replace(/ x+ /, ' … ');
  const twice = [...counts].filter(([, n]) => n > 1).map(([m]) => short(m));
  const unexpected = [...counts.keys()].filter((m) => !want.includes(m)).map((m) => short(m).slice(0, 40));
  t.same({ missing: missing.map(short), twice, unexpected }, { missing: [], twice: [], unexpected: [] }, msg);
}

const hasAll = (p: Puller, want: readonly string[]) => () => {
  const got = new Set(p.messages);
  return want.every((w) => got.has(w));
};

void t.test('truncated and refilled beyond our offset between two reads: detected by the fingerprint', async (t) => {
  const s = setup(t, { 'app.log': long(0, 20) }, 'logs/*.log');
  const p = s.start({ batchMaxRecords: 8 });
  await p.pullCount(8);
  copyFileSync(s.log('app.log'), s.outside('app.log.1')); // the glob does not match the copy
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), long(0, 40, 'gen1')); // more bytes than we had read
  const want = [...longRange(0, 8), ...longRange(0, 40, 'gen1')];
  await p.pullUntil(hasAll(p, want), 'the new content');
  await p.drainFor(300);
  await p.stop();
  exactlyOnce(t, p.messages, want, 'the new content is read from 0, not from the old offset');
});

void t.test('copytruncate with a matched copy, refilled beyond our offset before we looked again', async (t) => {
  const s = setup(t, { 'app.log': long(0, 20) });
  const p = s.start({ batchMaxRecords: 8 });
  await p.pullCount(8);
  copyFileSync(s.log('app.log'), s.log('app.log.1'));
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), long(0, 40, 'gen1'));
  const want = [...longRange(0, 20), ...longRange(0, 40, 'gen1')];
  await p.pullUntil(hasAll(p, want), 'every line');
  await p.drainFor(300);
  await p.stop();
  exactlyOnce(t, p.messages, want, 'the copy continues at our offset, the new content is read from 0');
});

void t.test('restart: a file rewritten between its discovery and its first read, its copy found later', async (t) => {
  // a.log is read first (round-robin in path order); app.log is discovered in the same scan but read later.
  const s = setup(t, { 'a.log': long(0, 10, 'a'), 'app.log': long(0, 20) }, 'logs/a*');
  const a = s.start();
  await a.pullUntil(hasAll(a, [...longRange(0, 10, 'a'), ...longRange(0, 20)]), 'the first run');
  await a.stop();
  // While Herald is down: copytruncate, new lines.
  appendFileSync(s.log('app.log'), long(20, 25));
  copyFileSync(s.log('app.log'), s.log('app.log.5'));
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), long(0, 20, 'gen1'));
  appendFileSync(s.log('a.log'), long(10, 30, 'a'));

  const b = s.start({ batchMaxRecords: 5 });
  await b.pullCount(5); // the first scan discovered app.log (fingerprint of gen1) and app.log.5; a.log was read
  t.same(b.messages, longRange(10, 15, 'a'));
  // Before app.log is read: another copytruncate, its copy put in place only later.
  copyFileSync(s.log('app.log'), s.outside('app.log.6'));
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), long(0, 30, 'gen2'));
  await b.pullUntil(hasAll(b, longRange(0, 30, 'gen2')), 'gen2');
  renameSync(s.outside('app.log.6'), s.log('app.log.6'));
  const want = [...longRange(10, 30, 'a'), ...longRange(20, 25), ...longRange(0, 20, 'gen1'), ...longRange(0, 30, 'gen2')];
  await b.pullUntil(hasAll(b, want), 'every line');
  await b.drainFor(300);
  await b.stop();
  exactlyOnce(t, b.messages, want, 'gen1 is read from its copy, from 0');
});

void t.test('killed after a copy was found but before the original\'s batches were committed: nothing lost', async (t) => {
  const s = setup(t, { 'app.log': long(0, 20) });
  const a = s.start({ batchMaxRecords: 5 }, false);
  await a.pullCount(20);
  await a.source.commit(a.batches[0]?.checkpoint); // 5 lines committed, 15 in flight
  copyFileSync(s.log('app.log'), s.log('app.log.1'));
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), long(0, 3, 'gen1'));
  await a.pullUntil(hasAll(a, longRange(0, 3, 'gen1')), 'gen1');
  await a.drainFor(400); // the copy is found (and holds nothing we did not read)
  t.ok(readOffsets(s.state).files.some((f) => f.path === s.log('app.log.1')), 'the copy is known');
  await a.stop(); // = SIGKILL: only the first batch was committed
  const stored = readOffsets(s.state).files.find((f) => f.path === s.log('app.log.1'));
  t.equal(stored?.offset, long(0, 5).length, 'the copy is stored at the committed position of the original, not ahead of it');

  const b = s.start();
  const want = [...longRange(5, 20), ...longRange(0, 3, 'gen1')];
  await b.pullUntil(hasAll(b, want), 'what was not committed');
  await b.drainFor(300);
  await b.stop();
  exactlyOnce(t, b.messages, want, 'the uncommitted lines are read again from the copy');
});

void t.test('the original\'s commits that arrive after its copy was found also cover the copy', async (t) => {
  const s = setup(t, { 'app.log': long(0, 20) });
  const a = s.start({ batchMaxRecords: 5 }, false);
  await a.pullCount(20);
  copyFileSync(s.log('app.log'), s.log('app.log.1'));
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), long(0, 3, 'gen1'));
  await a.pullUntil(hasAll(a, longRange(0, 3, 'gen1')), 'gen1');
  await a.drainFor(400);
  for (const b of a.batches) await a.source.commit(b.checkpoint); // the sinks acknowledge everything, in order
  await a.stop();
  t.equal(readOffsets(s.state).files.find((f) => f.path === s.log('app.log.1'))?.offset, long(0, 20).length);
  const b = s.start();
  await b.drainFor(500);
  await b.stop();
  t.same(b.messages, [], 'nothing is read twice');
  exactlyOnce(t, a.messages, [...longRange(0, 20), ...longRange(0, 3, 'gen1')], 'the first run read everything once');
});

void t.test('killed after Herald saw the truncation and committed new lines, before it found the copy', async (t) => {
  const s = setup(t, { 'app.log': long(0, 20) });
  const a = s.start();
  await a.pullCount(20);
  copyFileSync(s.log('app.log'), s.outside('app.log.1')); // put in place only after the restart
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), long(0, 15, 'gen1'));
  await a.pullUntil(hasAll(a, longRange(0, 15, 'gen1')), 'gen1');
  await a.stop();
  const doc = readOffsets(s.state) as ReturnType<typeof readOffsets> & { truncated?: { offset: number }[] };
  t.same(doc.truncated?.map((tr) => tr.offset), [long(0, 20).length], 'the truncated content is remembered');
  renameSync(s.outside('app.log.1'), s.log('app.log.1'));
  appendFileSync(s.log('app.log'), long(15, 17, 'gen1'));
  const b = s.start();
  await b.pullUntil(hasAll(b, longRange(15, 17, 'gen1')), 'the new lines');
  await b.drainFor(400);
  await b.stop();
  exactlyOnce(t, b.messages, longRange(15, 17, 'gen1'), 'the copy is not read again from 0');
});

void t.test('copytruncate while down, after or before Herald saw the truncation, and rename while down', async (t) => {
  const s = setup(t, { 'app.log': long(0, 20) });
  const all: string[] = [];
  const want: string[] = [...longRange(0, 20)];
  const run = async (extra: () => void = () => undefined) => {
    const p = s.start({ batchMaxRecords: 7 });
    await p.pullUntil(hasAll(p, want.filter((w) => !all.includes(w))), 'the lines not read yet');
    extra();
    await p.drainFor(300);
    await p.stop();
    all.push(...p.messages);
  };
  await run();
  // 1. copytruncate + new lines while down.
  appendFileSync(s.log('app.log'), long(20, 24));
  copyFileSync(s.log('app.log'), s.log('app.log.1'));
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), long(0, 15, 'c1'));
  want.push(...longRange(20, 24), ...longRange(0, 15, 'c1'));
  // 2. copytruncate seen by Herald (the truncation, not the copy, then stopped right after).
  await run(() => {
    copyFileSync(s.log('app.log'), s.outside('app.log.2'));
    truncateSync(s.log('app.log'), 0);
  });
  renameSync(s.outside('app.log.2'), s.log('app.log.2'));
  appendFileSync(s.log('app.log'), long(0, 12, 'c2'));
  want.push(...longRange(0, 12, 'c2'));
  // 3. rename rotation while down, the new file already written.
  appendFileSync(s.log('app.log'), long(12, 14, 'c2'));
  renameSync(s.log('app.log'), s.log('app.log.3'));
  writeFileSync(s.log('app.log'), long(0, 9, 'r3'));
  want.push(...longRange(12, 14, 'c2'), ...longRange(0, 9, 'r3'));
  // 4. copytruncate, then refilled beyond the stored offset, all while down.
  copyFileSync(s.log('app.log'), s.log('app.log.4'));
  truncateSync(s.log('app.log'), 0);
  appendFileSync(s.log('app.log'), long(0, 40, 'c4'));
  want.push(...longRange(0, 40, 'c4'));
  await run();
  await run(); // nothing left
  exactlyOnce(t, all, want, 'every line exactly once over all runs');
});

void t.test('several fast rotation cycles with restarts, every batch committed: each line exactly once', async (t) => {
  const s = setup(t, { 'app.log': '' });
  const want: string[] = [];
  const all: string[] = [];
  let seq = 0;
  const write = (n: number) => {
    appendFileSync(s.log('app.log'), long(seq, seq + n, 'seq'));
    want.push(...longRange(seq, seq + n, 'seq'));
    seq += n;
  };
  let p = s.start({ batchMaxRecords: 6 });
  for (let cycle = 1; cycle <= 8; cycle++) {
    write(10 + 3 * cycle);
    await p.pullCount(Math.min(all.length + p.events.length + 4, want.length) - all.length); // read part of it
    write(5);
    if (cycle % 2 === 1) { // copytruncate, refilled beyond our offset before we look
      copyFileSync(s.log('app.log'), s.log(`app.log.${cycle}`));
      truncateSync(s.log('app.log'), 0);
      write(30);
    } else { // rename rotation
      renameSync(s.log('app.log'), s.log(`app.log.${cycle}`));
      writeFileSync(s.log('app.log'), '');
      write(8);
    }
    if (cycle % 3 === 0) { // restart (everything received was committed)
      await p.stop();
      all.push(...p.messages);
      p = s.start({ batchMaxRecords: 6 });
    }
  }
  await p.pullUntil(() => new Set([...all, ...p.messages]).size >= want.length, 'every line', 15_000).catch(() => undefined);
  await p.drainFor(400);
  await p.stop();
  all.push(...p.messages);
  exactlyOnce(t, all, want, 'each line exactly once');
});
