import { appendFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import * as path from 'node:path';
import t from 'tap';
import {
  FINGERPRINT_MAX_BYTES, EMPTY_FINGERPRINT, computeFingerprint, prefixMatches, refreshFingerprint,
} from '../../../src/logs/tail/fingerprint';

const scratch = Buffer.alloc(FINGERPRINT_MAX_BYTES);

void t.test('a growing file keeps its identity; a rewritten one does not', async (t) => {
  const dir = t.testdir({});
  const p = path.join(dir, 'f.log');
  writeFileSync(p, 'hello\n');
  const fh = await open(p, 'r');
  t.teardown(() => fh.close());
  const fp1 = await computeFingerprint(fh, scratch);
  t.equal(fp1.fpLen, 6);
  appendFileSync(p, 'x'.repeat(2000));
  const r = await refreshFingerprint(fh, fp1, scratch);
  t.ok(r.samePrefix, 'appending keeps the prefix');
  t.equal(r.fingerprint.fpLen, FINGERPRINT_MAX_BYTES, 'covers at most 1 KiB');
  t.ok(await prefixMatches(fh, fp1, scratch), 'the short fingerprint still matches');
  t.ok(await prefixMatches(fh, EMPTY_FINGERPRINT, scratch));
  writeFileSync(p, 'HELLO\nsomething else');
  const r2 = await refreshFingerprint(fh, r.fingerprint, scratch);
  t.notOk(r2.samePrefix, 'shorter than the fingerprint: rewritten');
  writeFileSync(p, 'jello\n' + 'x'.repeat(2000));
  t.notOk((await refreshFingerprint(fh, fp1, scratch)).samePrefix, 'same size, other bytes');
  t.notOk(await prefixMatches(fh, fp1, scratch));
});
