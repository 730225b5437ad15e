// Reads tap's TAP output on stdin, passes it through, and counts named tests (the t.test() points at
// depth 1 of every file). A file that failed without a failing named test (it crashed, or did not
// compile) counts as one failure. Appends "N passed, N failed[, N skipped]" to the file given as
// argv[2], and one line "file › test" per failure to the file given as argv[3], if any, so that the
// test command can name them again at the very end of a long output. argv[4], if given, prefixes those
// lines (a second run of the same files in another mode, e.g. "native: ").
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';

let passed = 0, failed = 0, skipped = 0;
let fileFailures = [];
let assertions = []; // the failed assertions below depth 1 since the last named test
const failures = [];
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  process.stdout.write(`${line}\n`);
  let m = /^ {8,}not ok \d+ - (.*)$/.exec(line);
  if (m) {
    assertions.push(m[1].replace(/ # time=.*$/, ''));
    continue;
  }
  m = /^    (not )?ok \d+ - (.*)$/.exec(line);
  if (m) {
    if (/# SKIP|# TODO/i.test(m[2])) skipped++;
    else if (m[1]) {
      failed++;
      const name = m[2].replace(/ # time=.*$/, '');
      // the innermost failures first: the outer ones only say that a subtest failed
      fileFailures.push(assertions.length ? `${name}: ${assertions.slice(0, 3).join('; ')}` : name);
    } else passed++;
    assertions = [];
    continue;
  }
  m = /^(not )?ok \d+ - (.*?)(?: # .*)?$/.exec(line);
  if (m) {
    if (m[1] && fileFailures.length === 0) {
      failed++;
      fileFailures.push('(the file itself failed: no named test did)');
    }
    for (const name of fileFailures) failures.push(`${m[2]} › ${name}`);
    fileFailures = [];
    assertions = [];
  }
}
const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
if (process.argv[2]) writeFileSync(process.argv[2], `${summary}\n`, { flag: 'a' });
if (process.argv[3] && failures.length > 0) {
  const label = process.argv[4] ?? '';
  writeFileSync(process.argv[3], failures.map((f) => `${label}${f}\n`).join(''), { flag: 'a' });
}
