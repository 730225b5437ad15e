/**
 * The JSON written straight into a body must be byte for byte what JSON.stringify gives: on what every parser
 * builds from real and generated lines, and on generated values with every kind of member (escapes, non-ASCII,
 * lone surrogates, -0, NaN, big and fractional numbers, nesting, arrays with holes, undefined, functions,
 * symbols, own `__proto__`, integer-like keys, toJSON, class instances, boxed values).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { generateCorpus } from '../../bench/corpus';
import { createParser, type LogFormat } from '../../src/logs/parse';
import { makeLogEvent, type LogOrigin } from '../../src/pipeline/records';
import { writeJson, writeJsonMembers } from '../../src/sinks/json-bytes';
import { NdjsonWriter } from '../../src/sinks/ndjson-writer';
import { seededRandom } from '../fixtures/redact/generate';
import { fixtureLines } from '../logs/parse/fixtures/parse-helpers';

const ORIGIN: LogOrigin = { path: '/p', dataset: 'd', identity: { app: '', docFragment: '', labels: {} } };

function written(v: unknown): string {
  const w = new NdjsonWriter(8);
  writeJson(w, v);
  return w.result().toString('utf8');
}

/** Fields of every line, parsed with `format`. */
function parsed(format: LogFormat, lines: readonly string[]): unknown[] {
  const parser = createParser(format);
  return lines.flatMap((line, i) => {
    const e = makeLogEvent(ORIGIN, line, i, Buffer.byteLength(line) + 1, 0, Date.UTC(2026, 10, 21));
    parser.parse(e, Date.UTC(2026, 10, 21));
    return e.fields === undefined ? [] : [e.fields];
  });
}

void t.test('what the parsers build from real lines and the benchmark corpus is written as JSON.stringify writes it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-json-bytes-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const corpus = generateCorpus(dir, 4 * 1024 * 1024);
  const sets: [string, unknown[]][] = corpus.files.map((f) => [f.path, parsed(f.format, readFileSync(f.path, 'utf8').split('\n').filter(Boolean))]);
  const field = (l: string, k: string) => (JSON.parse(l) as Record<string, string | undefined>)[k] ?? '';
  sets.push(['haproxy fixtures', parsed('haproxy', [
    ...fixtureLines('haproxy', 'datadog.haproxy-log-samples.jsonl').map((l) => field(l, 'sample')),
    ...fixtureLines('haproxy', 'haproxy-doc-v3.2.0.example-log-lines.jsonl').map((l) => field(l, 'line')),
  ])]);
  sets.push(['syslog fixtures', parsed('syslog', [
    ...fixtureLines('syslog', 'go-syslog.rfc3164.machine_test-cases.jsonl').map((l) => field(l, 'input')),
    ...fixtureLines('syslog', 'go-syslog.rfc5424.machine_test-cases.jsonl').map((l) => field(l, 'input')),
  ])]);
  sets.push(['glog fixtures', parsed('glog', fixtureLines('glog', 'datadog.mesos-glog-lines.txt'))]);
  for (const [name, values] of sets) {
    let same = 0;
    let first: string | undefined;
    for (const v of values) {
      if (written(v) === JSON.stringify(v)) same++;
      else first ??= JSON.stringify(v);
    }
    t.equal(same, values.length, `${name}: ${values.length} parsed values${first === undefined ? '' : `, first different: ${first}`}`);
  }
  t.ok(sets.reduce((n, [, v]) => n + v.length, 0) > 15_000, "over 15,000 parsed values compared");
});

class Point {
  constructor(readonly x: number) {}
}

/** A random value of any JSON-relevant kind, `depth` levels deep at most. */
function randomValue(rnd: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const k = Math.floor(rnd() * (depth > 0 ? 14 : 10));
  switch (k) {
    case 0: return randomString(rnd);
    case 1: return randomString(rnd).repeat(1 + Math.floor(rnd() * 20)); // past the short-string loop
    case 2: return pick([0, -0, 1, -1, 7, 2147483647, -2147483648, 2147483648, 2 ** 53, -(2 ** 53) - 2, 1e21, 1e-7, 0.1, -3.5e300, 5e-324]);
    case 3: return pick([NaN, Infinity, -Infinity, rnd() * 1e6 - 5e5, Math.floor(rnd() * 1e12)]);
    case 4: return rnd() < 0.5;
    case 5: return null;
    case 6: return undefined;
    case 7: return pick([() => 1, Symbol('s')]);
    case 8: return pick([new Date(Date.UTC(2026, 0, 1)), new Point(3), Object.assign(Object(5), {}), Object('boxed'), { toJSON: () => ({ replaced: true }) }]);
    case 9: return randomString(rnd);
    case 10: case 11: {
      const o: Record<string, unknown> = rnd() < 0.1 ? (Object.create(null) as Record<string, unknown>) : {};
      const n = Math.floor(rnd() * 6);
      for (let i = 0; i < n; i++) {
        const key = pick(['a', 'b', '10', '2', '__proto__', 'ü', 'k"q', 'new\nline', 'toJSON', '', randomString(rnd)]);
        Object.defineProperty(o, key, { value: randomValue(rnd, depth - 1), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
    default: {
      const a: unknown[] = [];
      const n = Math.floor(rnd() * 5);
      for (let i = 0; i < n; i++) a.push(randomValue(rnd, depth - 1));
      if (rnd() < 0.2) a.length += 2; // holes
      return a;
    }
  }
}

function randomString(rnd: () => number): string {
  const chars = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', 'é', '€', '\u2028', '😀', '\ud800', '\udfff', '<', '&'];
  let s = '';
  const n = Math.floor(rnd() * 12);
  for (let i = 0; i < n; i++) s += rnd() < 0.7 ? 'abcdefghij'[Math.floor(rnd() * 10)] : chars[Math.floor(rnd() * chars.length)];
  return s;
}

void t.test('generated values of every kind are written as JSON.stringify writes them', async (t) => {
  const seeded = seededRandom(20261121);
  const rnd = () => seeded(1 << 30) / (1 << 30);
  let same = 0;
  const n = 20_000;
  const different: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = { root: randomValue(rnd, 5), [`k${i % 7}`]: randomValue(rnd, 3) };
    const expected = JSON.stringify(v);
    if (written(v) === expected) same++;
    else if (different.length < 3) different.push(expected);
  }
  t.equal(same, n, `all ${n} the same${different.length ? `; e.g. ${different.join(' | ')}` : ''}`);
  t.equal(written([undefined, () => 1, Symbol('x'), , 1]), '[null,null,null,null,1]', 'array members with no JSON are null'); // eslint-disable-line no-sparse-arrays
  t.equal(written({ a: undefined, b: () => 1, c: Symbol('x'), d: 1 }), '{"d":1}', 'object members with no JSON are left out');
  t.throws(() => written({ n: 1n }), TypeError, 'a BigInt throws as in JSON.stringify');
  let deep: unknown = 'x';
  for (let i = 0; i < 200; i++) deep = { d: deep };
  t.equal(written(deep), JSON.stringify(deep), 'nesting beyond the loop depth is handed to JSON.stringify');
});

void t.test('members are written with a leading comma each, skipping the named keys and those with no JSON', async (t) => {
  const w = new NdjsonWriter(4);
  const n = writeJsonMembers(w, { log: { x: 1 }, a: 'é', skip: 1, u: undefined, z: [1] }, (k) => k === 'log' || k === 'skip');
  t.equal(n, 2);
  t.equal(w.result().toString(), ',"a":"é","z":[1]');
});
