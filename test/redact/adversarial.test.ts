/**
 * No input makes redaction superlinear. Every built-in detector is a hand-written scan that counts the
 * characters it visits (Redaction.steps); these 1 MB lines are built to defeat naive scanners (a regex
 * with nested or overlapping quantifiers, or a scan that restarts after each failed candidate), and the
 * work must stay under a constant times the length, and grow linearly from 100 KB to 1 MB.
 * The bound is on work done, not on wall time, so a loaded machine cannot make it flaky.
 */
import t from 'tap';
import { redactSchema } from '../../src/redact/config';
import { Redaction } from '../../src/redact/compile';

const MB = 1 << 20;
const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

const ADVERSARIAL: Record<string, string> = {
  'digits': '4',
  'digit groups': '4111 ',
  'digit groups dashed': '4111-',
  'mixed separators': '4111 1111-',
  'at signs': 'a@',
  'long domain': 'a@a.a.',
  'local parts': 'a.a.a.a+',
  'eyJ runs': 'eyJ',
  'jwt-like dots': 'eyJhbGciOiJIUzI1NiJ9.',
  'AKIA': 'AKIA',
  'AKIA almost': 'AKIAAAAAAAAAAAAAAAA ',
  'BEGIN': '-----BEGIN ',
  'BEGIN no END': '-----BEGIN RSA PRIVATE KEY-----x',
  'pairs': 'password=',
  'pairs colon': 'token: ',
  'json keys': '"password":',
  'json open brackets': '"token":[',
  'escaped json keys': '\\"secret\\":\\"',
  'separators': '=:=:%3D',
  'key then underscores': 'd__________=',
  'schemes': '://',
  'url authority': 'a://a:a',
  'url ats': 'a://a:a@',
  'bearer': 'bearer ',
  'bearer case': 'BeArEr+',
  'flags': '--password ',
  'dashes': '--',
  'brackets': 'user[password]=',
  'quotes': 'secret="',
};

function work(r: Redaction, s: string): number {
  const before = r.steps;
  r.base.redactString(s);
  return r.steps - before;
}

void t.test('work stays linear on 1 MB adversarial lines', async (t) => {
  const r = new Redaction(redactSchema.parse({}));
  for (const [name, unit] of Object.entries(ADVERSARIAL)) {
    const small = work(r, fill(unit, MB / 10));
    const big = work(r, fill(unit, MB));
    t.ok(big <= 40 * MB, `${name}: ${(big / MB).toFixed(1)} steps per character`);
    t.ok(big <= 12 * Math.max(small, MB / 10), `${name}: 10x the input, ${(big / Math.max(small, 1)).toFixed(1)}x the work`);
  }
});

void t.test('secrets inside adversarial padding are still found', async (t) => {
  const r = new Redaction(redactSchema.parse({}));
  const pad = fill('a@a@4111 eyJ--', 200_000);
  const out = r.base.redactString(`${pad} password=hunter22 ${pad} 4111111111111111 ${pad}`);
  t.notOk(out.includes('hunter22'));
  t.notOk(out.includes('4111111111111111'));
  t.equal(out.length > 400_000, true);
});
