import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as path from 'node:path';
import pino from 'pino';
import t from 'tap';
import { OffsetStore, offsetsFileName, type OffsetStoreOptions, type StoredPosition } from '../../../src/logs/tail/offsets';
import { StoredPositions } from '../../../src/logs/tail/stored-positions';

const logger = pino({ level: 'silent' });
/** A store of source `files`; what is not given writes no positions, counts no errors and stamps time 0. */
const storeOf = (opts: Partial<OffsetStoreOptions> & { stateDir: string }) => new OffsetStore({
  sourceName: 'files', snapshot: () => [], logger, onWriteError: () => undefined, nowMs: () => 0, ...opts,
});
const pos = (offset: number): StoredPosition => ({
  dev: '2049', ino: '18446744073709551557', fpLen: 4, fpHash: 'abcd', offset, path: '/var/log/x', group: 'files[0]', missingSinceMs: undefined,
});

void t.test('missing file loads as empty; writes are atomic and versioned', async (t) => {
  const dir = t.testdir({});
  let state = [pos(10)];
  const store = storeOf({ stateDir: dir, snapshot: () => state, nowMs: () => 42 });
  t.same(await store.load(), []);
  await store.request();
  const doc = JSON.parse(readFileSync(path.join(dir, 'offsets/files.json'), 'utf8'));
  t.same(doc, {
    version: 1, source: 'files', written_ms: 42,
    files: [{ dev: '2049', ino: '18446744073709551557', fp_bytes: 4, fp_sha1: 'abcd', offset: 10, path: '/var/log/x', group: 'files[0]' }],
  });
  t.same(readdirSync(path.join(dir, 'offsets')), ['files.json'], 'no temp file left');
  state = [pos(20)];
  await store.request();
  t.same(await store.load(), [pos(20)], 'round trip (inode beyond 2^53 kept exactly)');
  t.equal(offsetsFileName('a/b c'), 'a_b_c.json');
});

void t.test('coalescing: one write in flight, one more with the latest state', async (t) => {
  const dir = t.testdir({});
  let snapshots = 0;
  let offset = 0;
  const store = storeOf({ stateDir: dir, snapshot: () => (snapshots++, [pos(offset)]) });
  const all: Promise<void>[] = [];
  for (let i = 1; i <= 50; i++) {
    offset = i;
    all.push(store.request());
  }
  await Promise.all(all);
  t.ok(snapshots <= 2, `50 requests made ${snapshots} writes`);
  t.equal((await store.load())[0]?.offset, 50, 'the last state is written');
});

void t.test('writes start at least the interval apart; writeNow and flush do not wait for it', async (t) => {
  const dir = t.testdir({});
  const starts: number[] = [];
  let offset = 0;
  const store = storeOf({ stateDir: dir, snapshot: () => (starts.push(performance.now()), [pos(offset)]), minIntervalMs: 300 });
  offset = 1;
  await store.request();
  t.equal(starts.length, 1, 'the first write starts at once');
  // Requests during the interval: one more write, with the latest state, once the interval is over.
  const all: Promise<void>[] = [];
  for (let i = 2; i <= 20; i++) {
    offset = i;
    all.push(store.request());
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(all);
  t.equal(starts.length, 2, '19 requests in the interval made one more write');
  t.ok((starts[1] as number) - (starts[0] as number) >= 299, `the second write started ${((starts[1] as number) - (starts[0] as number)).toFixed(0)} ms after the first`);
  t.equal((await store.load())[0]?.offset, 20, 'with the latest state');

  offset = 21;
  void store.request(); // would wait for the interval...
  const before = performance.now();
  await store.flush(); // ...but a flush writes now
  t.equal(starts.length, 3);
  t.ok((starts[2] as number) - (starts[1] as number) < 300 && (starts[2] as number) >= before - 1, 'the flush did not wait for the interval');
  t.equal((await store.load())[0]?.offset, 21);
  offset = 22;
  await store.writeNow();
  t.equal(starts.length, 4, 'writeNow writes even with nothing pending');
  t.equal((await store.load())[0]?.offset, 22);
});

void t.test('the directory is made once, and again if it goes away', async (t) => {
  const dir = t.testdir({});
  let errors = 0;
  const store = storeOf({ stateDir: path.join(dir, 'state'), snapshot: () => [pos(5)], onWriteError: () => errors++ });
  await store.writeNow();
  rmSync(path.join(dir, 'state'), { recursive: true });
  await store.writeNow();
  t.equal(errors, 0);
  t.same(await store.load(), [pos(5)]);
});

void t.test('a corrupt file is moved aside; an unknown version stops the source', async (t) => {
  const dir = t.testdir({ offsets: { 'files.json': '{"version":1,"files":[{"dev":' } });
  const store = storeOf({ stateDir: dir, nowMs: () => 7 });
  t.same(await store.load(), []);
  t.ok(existsSync(path.join(dir, 'offsets/files.json.corrupt-7')));
  writeFileSync(path.join(dir, 'offsets/files.json'), '{"version":2,"files":[]}');
  await t.rejects(store.load(), { code: 'HERALD_E_STATE' });
  writeFileSync(path.join(dir, 'offsets/files.json'), JSON.stringify({ version: 1, files: [{ dev: 1 }, { dev: '1', ino: '2', fp_bytes: 0, fp_sha1: 'x', offset: 3 }] }));
  t.equal((await store.load()).length, 1, 'malformed entries are skipped');
});

void t.test('write errors are counted, not thrown', async (t) => {
  const dir = t.testdir({ state: 'not a directory' });
  let errors = 0;
  const store = storeOf({ stateDir: path.join(dir, 'state'), onWriteError: () => errors++ });
  await store.request();
  t.equal(errors, 1);
  mkdirSync(path.join(dir, 'ok'));
});

void t.test('truncated contents round-trip; the key is omitted when there are none', async (t) => {
  const dir = t.testdir({});
  let truncated = [{ group: 'files[0]', fpHash: 'f'.repeat(40), offset: 123, expiresMs: 99 }];
  const store = storeOf({ stateDir: dir, snapshot: () => [pos(10)], nowMs: () => 42, truncations: () => truncated });
  await store.request();
  const doc = JSON.parse(readFileSync(path.join(dir, 'offsets/files.json'), 'utf8'));
  t.same(doc.truncated, [{ group: 'files[0]', fp_bytes: 1024, fp_sha1: 'f'.repeat(40), offset: 123, expires_ms: 99 }]);
  t.same(await store.loadState(), { files: [pos(10)], truncated });
  truncated = [];
  await store.request();
  t.notOk('truncated' in JSON.parse(readFileSync(path.join(dir, 'offsets/files.json'), 'utf8')));
  writeFileSync(path.join(dir, 'offsets/files.json'), JSON.stringify({
    version: 1, files: [], truncated: [{ group: 'g', fp_bytes: 10, fp_sha1: 'x', offset: 1, expires_ms: 1 }, { group: 'g' }],
  }));
  t.same((await store.loadState()).truncated, [], 'malformed (or partial-fingerprint) entries are skipped');
});

void t.test('a kept position expires after its own time, not after retain_missing', async (t) => {
  const stored = new StoredPositions();
  const p = { dev: '1', ino: '2', fpLen: 3, fpHash: 'h', offset: 40, path: '/l/a.log.1', group: 'g' };
  stored.keep(p, 1_000_000, 60_000, 86_400_000);
  t.notOk(stored.expireMissing(1_000_000 + 60_000, 86_400_000), 'kept for its 60 s');
  t.same([...stored.values()].map((s) => s.offset), [40], 'and written with the offsets meanwhile');
  t.ok(stored.expireMissing(1_000_000 + 60_001, 86_400_000), 'then dropped');
  t.same([...stored.values()], []);
  stored.keep(p, 5, 120_000, 60_000);
  t.notOk(stored.expireMissing(5 + 60_000, 60_000), 'never kept longer than retain_missing');
  t.ok(stored.expireMissing(5 + 60_001, 60_000));
  stored.keep(p, 0, 1, 10);
  t.equal(stored.take('1:2')?.offset, 40, 'found again: taken like a stored position');
});
