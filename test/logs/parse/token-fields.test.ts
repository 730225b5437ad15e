/**
 * The token-fields promise (src/logs/parse/token-fields.ts) of the syslog and HAProxy parsers, checked on
 * every fixture line and on lines with secrets and near-misses in every token position; and that redaction
 * gives the same records whether it judges such an event by its line or walks every field.
 */
process.env.TZ = 'UTC';

import t, { type Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { createParser } from '../../../src/logs/parse';
import { attachFields } from '../../../src/logs/parse/fields';
import { FACILITY_NAMES, SEVERITY_NAMES } from '../../../src/logs/parse/syslog';
import { TOKEN_FIELD_KEYS, attachTokenFields } from '../../../src/logs/parse/token-fields';
import { isKeyChar } from '../../../src/redact/rules/keywords';
import { Redaction } from '../../../src/redact/compile';
import { redactSchema } from '../../../src/redact/config';
import type { LogEvent } from '../../../src/pipeline/records';
import { SandboxLineParser } from '../../../src/logs/sandbox/sandbox-parser';
import { generateCorpus } from '../../fixtures/redact/generate';
import { event, fixtureLines, fixturePath, NOW } from './fixtures/parse-helpers';

const KEYS = new Set(TOKEN_FIELD_KEYS);
const CONSTANTS = new Set<string>([...FACILITY_NAMES, ...SEVERITY_NAMES]);

/** Fixture lines of both formats. */
function fixtureInputs(): string[] {
  const out: string[] = [];
  for (const l of fixtureLines('haproxy', 'datadog.haproxy-log-samples.jsonl')) out.push((JSON.parse(l) as { sample: string }).sample);
  for (const l of fixtureLines('haproxy', 'haproxy-doc-v3.2.0.example-log-lines.jsonl')) out.push((JSON.parse(l) as { line: string }).line);
  for (const name of ['go-syslog.rfc3164.machine_test-cases.jsonl', 'go-syslog.rfc5424.machine_test-cases.jsonl']) {
    for (const l of fixtureLines('syslog', name)) out.push((JSON.parse(l) as { input?: string }).input ?? '');
  }
  const parse1 = fixturePath('syslog', 'rsyslog-parse1');
  for (const f of readdirSync(parse1)) out.push(readFileSync(`${parse1}/${f}`, 'latin1').split('\n')[0] ?? '');
  return out;
}

/**
 * Lines with a payload in each token position of syslog and HAProxy templates, bare and glued to key
 * characters on either side (where a slice boundary matters).
 */
function adversarialInputs(): string[] {
  const c = generateCorpus();
  const payloads = new Set<string>([
    'pwd=x1', 'xpwd=hunter2', 'pass:secret1', 'token:', 'token:/x', 'auth=', 'user[pass]=abc', '"pwd":"abc12"',
    '--password', '--db-password x', 'x--password', 'token%3Dabc123', 'a%3Dpass%3Dx', 'mail@example.com',
    'u:p@host', 'https://u:p@h.example/x', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'AKIAABCDEFGHIJKLMNOP',
    '4111111111111111', '4111-1111-1111-1111', '4111 1111 1111 1111', 'Bearer abcdefghijkl', 'bearer',
    '-----BEGIN PRIVATE KEY-----', 'pass', 'sig', 'cookie', 'bypass=1', 'xsig:1', 'passwd', '12345', 'a:/b',
  ]);
  for (const s of c.secrets) payloads.add(s.message);
  for (const s of c.nearMisses) payloads.add(s.message);
  const squash = (p: string) => p.replace(/[\s{}|"[\]]/g, '_');
  const templates: ((p: string) => string)[] = [
    (p) => `<134>Nov 21 12:00:00 node-1 haproxy[12]: 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] ${squash(p)} be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {a|b} "GET /x HTTP/1.1"`,
    (p) => `<134>Nov 21 12:00:00 node-1 haproxy[12]: 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] fe ${squash(p)}/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /x HTTP/1.1"`,
    (p) => `<134>Nov 21 12:00:00 node-1 haproxy[12]: 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] fe be/${squash(p)} 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /x HTTP/1.1"`,
    (p) => `<134>Nov 21 12:00:00 node-1 haproxy[12]: 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] fe be/srv 10/0/30/69/109 200 2750 ${squash(p)} ${squash(p)} ---- 1/1/1/1/0 0/0 "GET /x HTTP/1.1"`,
    (p) => `<134>Nov 21 12:00:00 node-1 haproxy[12]: 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {${squash(p)}|x${squash(p)}} {${squash(p)}} "GET /x HTTP/1.1"`,
    (p) => `<134>Nov 21 12:00:00 node-1 haproxy[12]: 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /a?${squash(p)}&b=${squash(p)} HTTP/1.1"`,
    (p) => `<134>Nov 21 12:00:00 node-1 haproxy[12]: 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "${p}"`,
    (p) => `10.0.1.2:33317 [21/Nov/2026:12:00:00.655] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1" 0/${squash(p)}/0/0/1 ${squash(p)}/TLSv1.3/${squash(p)}`,
    (p) => `<134>Nov 21 12:00:00 node-1 haproxy[12]: 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] ${squash(p)} ${squash(p)}/srv 0/0/5007 212 -- 1/1/1/1/0 0/0`,
    (p) => `haproxy[12]: 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] ${squash(p)}/b${squash(p)}: ${p}`,
    (p) => `<134>Nov 21 12:00:00 node-1 haproxy[12]: Connect from 10.0.1.2:33312 to 10.0.3.31:8012 (${squash(p)}/${squash(p)})`,
    (p) => `<34>Nov 21 12:00:00 ${squash(p)} app[99]: ${p}`,
    (p) => `<34>Nov 21 12:00:00 host ${squash(p)}[${squash(p)}]: ${p}`,
    (p) => `<34>Nov 21 12:00:00 host ${squash(p)}: x${p}`,
    (p) => `<165>1 2026-11-21T12:00:00.003Z ${squash(p)} ${squash(p)} ${squash(p)} ${squash(p)} - ${p}`,
    (p) => `Nov 21 12:00:00 host x${squash(p)}[1]:${p}`,
  ];
  const out: string[] = [];
  for (const p of payloads) for (const tpl of templates) out.push(tpl(p));
  return out;
}

/** Parsed events of both parsers that carry a parsed line. */
function tokenEvents(lines: readonly string[]): LogEvent[] {
  const out: LogEvent[] = [];
  for (const format of ['haproxy', 'syslog'] as const) {
    const parser = createParser(format);
    for (const line of lines) {
      const e = event(line);
      if (parser.parse(e, NOW) === undefined && e.parsedLine !== undefined) out.push(e);
    }
  }
  return out;
}

/** Problems with the promise for one event (empty when kept). */
function broken(e: LogEvent): string[] {
  const line = e.parsedLine as string;
  const problems: string[] = [];
  const slice = (v: string): boolean => {
    for (let p = line.indexOf(v); p !== -1; p = line.indexOf(v, p + 1)) {
      if (p === 0 || !isKeyChar(line.charCodeAt(p - 1)) || !/[=:%-]/.test(v)) return true;
    }
    return false;
  };
  const checkString = (path: string, v: string): void => {
    if (v.length < 5 || CONSTANTS.has(v) || slice(v)) return;
    problems.push(`${path}: ${JSON.stringify(v)} is not a slice of ${JSON.stringify(line)} at a key boundary`);
  };
  const walk = (o: Record<string, unknown>, path: string): void => {
    for (const k of Object.keys(o)) {
      if (!KEYS.has(k)) problems.push(`${path}${k}: key not in TOKEN_FIELD_KEYS`);
      const v = o[k];
      if (typeof v === 'string') checkString(path + k, v);
      else if (Array.isArray(v)) v.forEach((x, i) => (typeof x === 'string' ? checkString(`${path}${k}[${i}]`, x) : problems.push(`${path}${k}[${i}]: not a string`)));
      else if (v !== null && typeof v === 'object') walk(v as Record<string, unknown>, `${path}${k}.`);
    }
  };
  checkString('message', e.message);
  if (e.fields !== undefined) walk(e.fields, '');
  return problems;
}

const fixtures = tokenEvents(fixtureInputs());
const adversarial = tokenEvents(adversarialInputs());

void t.test('syslog and HAProxy keep the promise on every fixture line and every adversarial line', async (t) => {
  t.ok(fixtures.length >= 100, `${fixtures.length} fixture events carry their line`);
  t.ok(adversarial.length >= 2000, `${adversarial.length} adversarial events carry their line`);
  const problems = [...fixtures, ...adversarial].flatMap(broken);
  t.same(problems.slice(0, 20), [], `${problems.length} broken promises`);
});

void t.test('RFC 5424 structured data (unescaped values) is never judged by its line', async (t) => {
  for (const format of ['syslog', 'haproxy'] as const) {
    const e = event(`<165>1 2026-11-21T12:00:00Z host haproxy 12 - [x@1 password="a\\"b"] 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] fe/b1: err`);
    t.equal(createParser(format).parse(e, NOW), undefined, format);
    t.ok(e.fields !== undefined, `${format}: parsed`);
    t.equal(e.parsedLine, undefined, `${format}: no line`);
  }
  const json = event('{"msg":"x","password":"y"}');
  t.equal(createParser('json').parse(json, NOW), undefined);
  t.equal(json.parsedLine, undefined, 'JSON strings are unescaped: never token fields');
});

void t.test('fields merged later drop the line', async (t) => {
  const e = event('<34>Nov 21 12:00:00 host app[1]: hello');
  t.equal(createParser('syslog').parse(e, NOW), undefined);
  t.equal(e.message, 'hello');
  t.equal(e.parsedLine, '<34>Nov 21 12:00:00 host app[1]: hello');
  attachFields(e, { extra: { v: 'not from the line' } });
  t.equal(e.parsedLine, undefined, 'attachFields');
  const f = event('x');
  f.fields = { earlier: 'stage' };
  attachTokenFields(f, { log: {} }, 'x');
  t.equal(f.parsedLine, undefined, 'fields from an earlier stage');
  t.same(Object.keys(f.fields), ['earlier', 'log']);
  // A sandbox executor line is tagged with log.logger, a constant not cut from the line.
  const p = new SandboxLineParser({ format: 'plain', executorRule: 'stdout', taskIds: new Set(['t1']) });
  const ex = event('Starting task t1');
  ex.parsedLine = 'stale';
  p.parse(ex, NOW);
  t.equal(ex.parsedLine, undefined, 'tagged executor line');
});

/** Redacts two copies of each event, one judged by its line and one walked field by field. */
function compare(t: Test, events: readonly LogEvent[], config: unknown): { judged: number; changed: number } {
  const withLine = new Redaction(redactSchema.parse(config));
  const walked = new Redaction(redactSchema.parse(config));
  let judged = 0;
  let changed = 0;
  const differ: string[] = [];
  for (const e of events) {
    const a = structuredClone(e);
    const b = structuredClone(e);
    b.parsedLine = undefined;
    const stepsBefore = withLine.base.steps;
    const ca = withLine.base.redactEvent(a);
    const cb = walked.base.redactEvent(b);
    if (withLine.base.steps - stepsBefore === (e.parsedLine as string).length) judged++;
    if (cb) changed++;
    if (ca !== cb || JSON.stringify([a.message, a.fields]) !== JSON.stringify([b.message, b.fields])) differ.push(e.parsedLine as string);
  }
  t.same(differ.slice(0, 10), [], `${differ.length} events redacted differently`);
  t.same([...withLine.counts], [...walked.counts], 'same matches per rule');
  return { judged, changed };
}

void t.test('redaction: the same records whether judged by the line or walked', async (t) => {
  const all = [...fixtures, ...adversarial];
  const defaults = compare(t, all, {});
  t.ok(defaults.judged > fixtures.length / 2, `${defaults.judged} events judged by their line alone`);
  t.ok(defaults.changed >= 500, `${defaults.changed} events had something redacted`);
  t.ok(defaults.judged + defaults.changed <= all.length, 'no event both judged clean and changed');
  compare(t, all, { extra_keys: ['session_id', 'ssn'], rules: { email: { mode: 'hash' } }, hash_key: 'test-hash-key-0123456789' });
  compare(t, all, { rules: { payment_card: false, secret_pair: false } });
});

void t.test('the walk is kept when a token key names a secret or a custom rule exists', async (t) => {
  const line = '<134>Nov 21 12:00:00 node-1 haproxy[12]: 10.0.1.2:33317 [21/Nov/2026:12:00:00.655] marathon_http_in be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /x HTTP/1.1"';
  const parsed = (): LogEvent => {
    const e = event(line);
    t.equal(createParser('haproxy').parse(e, NOW), undefined);
    t.ok(e.parsedLine !== undefined);
    return e;
  };
  const byKey = new Redaction(redactSchema.parse({ extra_keys: ['frontend_name'] }));
  const e1 = parsed();
  t.ok(byKey.base.redactEvent(e1));
  t.equal((e1.fields?.['haproxy'] as Record<string, unknown>)['frontend_name'], '[REDACTED:sensitive_key]', 'a secret-named token key is redacted');
  const custom = new Redaction(redactSchema.parse({ custom: [{ name: 'lb', regex: '^marathon_\\w+$' }] }));
  const e2 = parsed();
  t.ok(custom.base.redactEvent(e2));
  t.equal((e2.fields?.['haproxy'] as Record<string, unknown>)['frontend_name'], '[REDACTED:lb]', 'an anchored custom rule sees each field');
});
