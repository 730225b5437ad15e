// Reads tap's TAP output on stdin, passes it through, and counts named tests (the t.test() points at
// depth 1 of every file). A file that failed without a failing named test (it crashed, or did not
// compile) counts as one failure. Writes "N passed, N failed[, N skipped]" to the file given as argv[2].
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';

let passed = 0, failed = 0, skipped = 0;
let fileFailures = 0;
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  process.stdout.write(`${line}\n`);
  let m = /^    (not )?ok \d+ - (.*)$/.exec(line);
  if (m) {
    if (/# SKIP|# TODO/i.test(m[2])) skipped++;
    else if (m[1]) { failed++; fileFailures++; }
    else passed++;
    continue;
  }
  m = /^(not )?ok \d+ - /.exec(line);
  if (m) {
    if (m[1] && fileFailures === 0) failed++;
    fileFailures = 0;
  }
}
const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
if (process.argv[2]) writeFileSync(process.argv[2], `${summary}\n`, { flag: 'a' });
