/**
 * The no-loss proof: a writer appends numbered lines while rotating by rename and by copytruncate, and
 * Herald is SIGKILLed at random (seeded) moments and restarted. In the end every line is in the output;
 * duplicates may only come from batches that were not acknowledged when Herald died, and are counted.
 */
import t from 'tap';
import { appendFileSync, copyFileSync, renameSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { readOutputDocs, startHerald, stopHerald, writeConfig, type HeraldProcess } from '../helpers/herald-process';
import { until } from '../helpers/fakes';

const LINES = 60_000;
const KILLS = 6;
const BATCH = 500;
const IN_FLIGHT = 4;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

void t.test('SIGKILL at random moments during rename and copytruncate rotation loses no line', async (t) => {
  const dir = t.testdir();
  const logs = join(dir, 'logs');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(logs);
  const log = join(logs, 'app.log');
  appendFileSync(log, '');
  const config = writeConfig(
    dir,
    [
      `state_dir: ${dir}/state`,
      'server: { port: 0 }',
      `pipeline: { batch_max_records: ${BATCH}, batch_max_wait_ms: 20, max_in_flight_batches: ${IN_FLIGHT} }`,
      'logs:',
      '  rescan_interval_ms: 200',
      // Rotated files match the glob: a copy left by copytruncate is recognised by its fingerprint and read
      // from the stored offset on, so lines written before a truncation Herald had not read yet are not lost.
      `  files: [ { path: "${logs}/app.log*", start_at: beginning } ]`,
    ].join('\n'),
  );
  const random = prng(20261121);
  let herald: HeraldProcess = await startHerald(config);
  t.teardown(() => stopHerald(herald, 'SIGKILL'));
  let written = 0;
  let rotations = 0;
  let kills = 0;
  const killAt = Array.from({ length: KILLS }, () => Math.floor(random() * LINES)).sort((a, b) => a - b);
  while (written < LINES) {
    const n = Math.min(LINES - written, 200 + Math.floor(random() * 800));
    let chunk = '';
    for (let i = 0; i < n; i++) chunk += `seq=${String(written + i).padStart(6, '0')} payload ${'x'.repeat(Math.floor(random() * 80))}\n`;
    appendFileSync(log, chunk);
    written += n;
    const r = random();
    if (r < 0.08) {
      renameSync(log, join(logs, `app.log.${++rotations}`));
      appendFileSync(log, '');
    } else if (r < 0.16) {
      copyFileSync(log, join(logs, `app.log.${++rotations}`));
      truncateSync(log, 0);
    }
    if (kills < killAt.length && written >= (killAt[kills] as number)) {
      kills++;
      await new Promise((r) => setTimeout(r, Math.floor(random() * 150)));
      herald.child.kill('SIGKILL');
      await herald.exited;
      herald = await startHerald(config);
    } else {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const out = join(dir, 'state', 'output');
  const seen = new Map<number, number>();
  await until(
    () => {
      seen.clear();
      let docs: Record<string, unknown>[];
      try {
        docs = readOutputDocs(out);
      } catch {
        return false; // read while a file was being rotated: read again
      }
      for (const d of docs) {
        const m = /^seq=(\d{6}) /.exec(String(d['message']));
        if (m) seen.set(Number(m[1]), (seen.get(Number(m[1])) ?? 0) + 1);
      }
      return seen.size === LINES;
    },
    120_000,
    'every line in the output',
  ).catch(() => undefined);
  const missing: number[] = [];
  for (let i = 0; i < LINES; i++) if (!seen.has(i)) missing.push(i);
  t.same(missing.slice(0, 20), [], `no line lost (${missing.length} missing)`);
  let duplicates = 0;
  for (const c of seen.values()) duplicates += c - 1;
  t.comment(`${LINES} lines, ${rotations} rotations, ${kills} SIGKILLs, ${duplicates} duplicates`);
  t.ok(duplicates <= kills * BATCH * (IN_FLIGHT + 1), `duplicates (${duplicates}) within what unacknowledged batches can hold`);
  t.equal(await stopHerald(herald, 'SIGTERM'), 0, 'a clean stop at the end');
});
