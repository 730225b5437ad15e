/**
 * scripts/tap-summary.mjs: the counts the test command ends with, and the list of what failed that it
 * prints again just before that last line (CI shows only the end of a long output).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

const script = join(__dirname, '..', '..', 'scripts', 'tap-summary.mjs');

function summarise(tap: string[]): { out: string; summary: string; failures: string | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'tap-summary-'));
  const out = execFileSync(process.execPath, [script, join(dir, 'summary'), join(dir, 'failures')],
    { input: `${tap.join('\n')}\n`, encoding: 'utf8' });
  const failures = join(dir, 'failures');
  return {
    out,
    summary: readFileSync(join(dir, 'summary'), 'utf8'),
    failures: existsSync(failures) ? readFileSync(failures, 'utf8') : undefined,
  };
}

void t.test('counts the named tests of each file, and names each failure with its file and failed assertions', async (t) => {
  const tap = [
    'TAP version 14',
    '# Subtest: test/a.test.ts',
    '    # Subtest: first',
    '        ok 1 - fine',
    '        not ok 2 - the count',
    '          ---',
    '          found: 3',
    '        # Subtest: nested',
    '            not ok 1 - deep down',
    '        not ok 3 - nested',
    '        1..3',
    '    not ok 1 - first # time=3ms',
    '    ok 2 - second # time=1ms',
    '    ok 3 - third # SKIP no server',
    '    1..3',
    'not ok 1 - test/a.test.ts # time=10ms',
    '# Subtest: test/b.test.ts',
    'not ok 2 - test/b.test.ts # time=1ms',
    '# Subtest: test/c.test.ts',
    '    ok 1 - only',
    'ok 3 - test/c.test.ts # time=1ms',
  ];
  const r = summarise(tap);
  t.equal(r.out, `${tap.join('\n')}\n`, 'the TAP passes through unchanged');
  t.equal(r.summary, '2 passed, 2 failed, 1 skipped\n');
  t.equal(r.failures, [
    'test/a.test.ts › first: the count; deep down; nested',
    'test/b.test.ts › (the file itself failed: no named test did)',
    '',
  ].join('\n'));
});

void t.test('no failures file when everything passed', async (t) => {
  const r = summarise(['# Subtest: test/c.test.ts', '    ok 1 - only', '    ok 2 - other', 'ok 1 - test/c.test.ts']);
  t.equal(r.summary, '2 passed, 0 failed\n');
  t.equal(r.failures, undefined);
});
