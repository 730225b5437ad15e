/**
 * The native line engine gives the documents the JavaScript path gives, byte for byte, for every format,
 * every read shape, and with redaction on (harness.ts). Inputs: the real fixture lines, the benchmark's
 * corpus generator, and edge cases of the splitter and the joiner (CRLF, empty lines, invalid UTF-8, binary
 * bytes, over-long lines in and beyond the read buffer, a last line without a newline, multiline joins).
 */
import t, { type Test } from 'tap';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WatchGroup } from '../../src/logs/tail/groups';
import type { LogFormat } from '../../src/logs/parse/contract';
import { RedactTransform } from '../../src/redact/redact-transform';
import { redactSchema } from '../../src/redact/config';
import { generateCorpus } from '../../bench/corpus';
import { testContext } from '../helpers/context';
import { requireNative, testNativeLines } from '../helpers/native';
import { bothPaths, type ReadShape } from './harness';

const FIXTURES = join(__dirname, '..', 'fixtures');

function group(format: LogFormat, over: Partial<WatchGroup> = {}): WatchGroup {
  return {
    id: 'files[0]', include: ['/var/log/test.log'], exclude: [], format, dataset: `test.${format}`,
    identity: { app: '/shop/web', docFragment: '"service":{"name":"/shop/web"}', labels: {} },
    startAt: 'beginning', maxLineBytes: 4096, ...over,
  };
}

const SHAPES: ReadShape[] = [
  { chunk: 64 * 1024, maxRecords: 1000, maxBytes: 512 * 1024 },
  { chunk: 4097, maxRecords: 7, maxBytes: 300 },
  { chunk: 5000, maxRecords: 1000, maxBytes: 1 << 20 },
];

/** Asserts equal documents; returns the native share. */
function same(tt: Test, name: string, g: WatchGroup, data: Buffer, redact?: RedactTransform): number {
  let share = 1;
  for (const shape of SHAPES) {
    const { js, native } = bothPaths(g, data, shape, testNativeLines(redact && ((app) => (redact.redaction.enabled ? redact.redaction.forApp(app) : undefined))), redact);
    tt.equal(native.lines, js.lines, `${name} (chunk ${shape.chunk}): the same physical lines`);
    tt.equal(native.docs.length, js.docs.length, `${name} (chunk ${shape.chunk}): the same number of documents`);
    const diff = js.docs.findIndex((d, i) => d !== native.docs[i]);
    tt.equal(diff, -1, `${name} (chunk ${shape.chunk}): the same documents${diff < 0 ? '' : `; first difference:\n js:     ${js.docs[diff]}\n native: ${native.docs[diff]}`}`);
    share = Math.min(share, native.docs.length === 0 ? 1 : native.native / native.docs.length);
  }
  return share;
}

function fixtureLines(dir: string, name: string): string[] {
  return readFileSync(join(FIXTURES, dir, name), 'utf8').split('\n').filter((l) => l !== '');
}

function jsonlField(dir: string, name: string, field: string): string[] {
  return fixtureLines(dir, name).flatMap((l) => {
    const v = (JSON.parse(l) as Record<string, unknown>)[field];
    return typeof v === 'string' ? v.split('\n') : [];
  });
}

const bytes = (lines: string[]) => Buffer.from(lines.map((l) => `${l}\n`).join(''));

let corpusDir: string;
t.before(() => {
  corpusDir = mkdtempSync(join(tmpdir(), 'herald-native-corpus-'));
  generateCorpus(corpusDir, 2 * 1024 * 1024, 7);
});
t.teardown(() => rmSync(corpusDir, { recursive: true, force: true }));

void t.test('plain: splitter edge cases', async (tt) => {
  if (!requireNative(tt)) return;
  const parts: (string | Buffer)[] = [
    'first\n', 'crlf line\r\n', '\n', '\r\n', 'tab\there\n', 'é ü 中文 😀 emoji\n',
    Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x20, 0x75, 0x74, 0x66, 0x0a]), // invalid UTF-8
    Buffer.from([0x6e, 0x75, 0x6c, 0x00, 0x01, 0x1b, 0x5b, 0x6d, 0x0a]), // binary
    Buffer.from([0xe4, 0xb8, 0x0a]), // a character cut short
    `${'x'.repeat(4095)}é\n`, // cut at max_line_bytes inside a character
    `${'long '.repeat(3000)}\n`, // over max_line_bytes, within the buffer
    `${'y'.repeat(70_000)}\n`, // beyond a 64 KiB buffer: skipped
    'quote " and backslash \\ and \u2028 separator\n',
    'last line without newline',
  ];
  const data = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  same(tt, 'plain', group('plain'), data);
});

void t.test('plain with multiline: Java stack traces and limits', async (tt) => {
  if (!requireNative(tt)) return;
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    lines.push(`2026-11-21 12:00:${String(i % 60).padStart(2, '0')} INFO event ${i}`);
    if (i % 7 === 0) lines.push('java.lang.IllegalStateException: boom', '\tat a.b.C.d(C.java:1)', '\tat a.b.E.f(E.java:2)');
    if (i % 50 === 0) for (let k = 0; k < 30; k++) lines.push(`\tat deep.Frame${k}(F.java:${k})`);
  }
  const ml = { startPattern: /^\d{4}-/, negate: false, timeoutMs: 5000, maxLines: 20 };
  const share = same(tt, 'multiline', group('plain', { multiline: ml, maxLineBytes: 600 }), bytes(lines));
  tt.ok(share > 0.9, `most events are written natively (${(share * 100).toFixed(1)}%)`);
  same(tt, 'multiline negated', group('plain', { multiline: { ...ml, startPattern: /^\s/, negate: true } }), bytes(lines));
});

void t.test('syslog: real fixture lines', async (tt) => {
  if (!requireNative(tt)) return;
  const lines = [
    ...readdirSync(join(FIXTURES, 'syslog', 'rsyslog-parse1')).flatMap((f) => fixtureLines('syslog/rsyslog-parse1', f).slice(0, 1)),
    ...readdirSync(join(FIXTURES, 'syslog', 'rsyslog-fuzz-corpus')).flatMap((f) => fixtureLines('syslog/rsyslog-fuzz-corpus', f)),
    ...jsonlField('syslog', 'go-syslog.rfc3164.machine_test-cases.jsonl', 'input'),
    ...jsonlField('syslog', 'go-syslog.rfc5424.machine_test-cases.jsonl', 'input'),
  ];
  same(tt, 'syslog fixtures', group('syslog'), bytes(lines));
});

void t.test('haproxy: real fixture lines', async (tt) => {
  if (!requireNative(tt)) return;
  const lines = [
    ...jsonlField('haproxy', 'datadog.haproxy-log-samples.jsonl', 'sample'),
    ...jsonlField('haproxy', 'haproxy-doc-v3.2.0.example-log-lines.jsonl', 'line'),
  ];
  tt.ok(lines.length > 10, `${lines.length} lines`);
  same(tt, 'haproxy fixtures', group('haproxy'), bytes(lines));
});

void t.test('glog: real fixture lines', async (tt) => {
  if (!requireNative(tt)) return;
  same(tt, 'glog fixtures', group('glog'), bytes([...fixtureLines('glog', 'datadog.mesos-glog-lines.txt'), ...fixtureLines('sandbox', 'datadog.mesos-glog-lines.txt')]));
});

void t.test('the benchmark corpus, every format, redaction off and on', async (tt) => {
  if (!requireNative(tt)) return;
  const redact = new RedactTransform(redactSchema.parse({}), testContext(tmpdir()));
  const corpus = generateCorpus(corpusDir, 2 * 1024 * 1024, 7);
  for (const f of corpus.files) {
    const data = readFileSync(f.path).subarray(0, 256 * 1024);
    const cut = data.lastIndexOf(0x0a) + 1;
    const g = group(f.format, f.format === 'plain' ? { multiline: { startPattern: /^\d{4}-/, negate: false, timeoutMs: 5000, maxLines: 500 } } : {});
    const off = same(tt, `${f.format} ${f.path}`, g, data.subarray(0, cut));
    const on = same(tt, `${f.format} ${f.path}, redaction on`, g, data.subarray(0, cut), redact);
    tt.comment(`${f.format}: native share ${(off * 100).toFixed(1)}% (redaction off), ${(on * 100).toFixed(1)}% (on)`);
  }
});

void t.test('redaction: every secret of the redaction corpus is redacted on the native path too', async (tt) => {
  if (!requireNative(tt)) return;
  const corpus = JSON.parse(readFileSync(join(FIXTURES, 'redact', 'corpus.json'), 'utf8')) as { secrets: { message: string }[]; nearMisses: { message: string }[] };
  const messages = [...corpus.secrets, ...corpus.nearMisses].map((s) => s.message.replace(/\n/g, ' '));
  const redact = new RedactTransform(redactSchema.parse({}), testContext(tmpdir()));
  same(tt, 'plain, redaction on', group('plain'), bytes(messages), redact);
  same(tt, 'syslog, redaction on', group('syslog'), bytes(messages.map((m) => `Nov 21 12:00:00 node-1 app[12]: ${m}`)), redact);
  same(tt, 'json, redaction on', group('json'), bytes(messages.map((m) => JSON.stringify({ level: 'info', msg: m, detail: { note: m } }))), redact);
});

void t.test('redaction: keys ending in separators (password_=) are secret keys on both paths', async (tt) => {
  if (!requireNative(tt)) return;
  const V = 'Zq9vX7wK';
  const messages = [`password_=${V}`, `login ok Password__: ${V} done`, `--token- ${V}`, `user[pass_]=${V}`, `db.password-=${V}&x=1`];
  const redact = new RedactTransform(redactSchema.parse({}), testContext(tmpdir()));
  same(tt, 'plain, keys ending in separators', group('plain'), bytes(messages), redact);
  same(tt, 'json, keys ending in separators', group('json'), bytes(messages.map((m) => JSON.stringify({ msg: m, 'api-key.': V }))), redact);
  const { native } = bothPaths(group('plain'), bytes(messages), SHAPES[0] as ReadShape, testNativeLines((app) => redact.redaction.forApp(app)), redact);
  tt.equal(native.docs.length, messages.length);
  tt.notOk(native.docs.some((d) => d.includes(V)), 'no document carries the secret');
});
