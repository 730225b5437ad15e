process.env.TZ = 'UTC';

import t from 'tap';
import { createParser } from '../../../src/logs/parse';
import { MAX_DEPTH } from '../../../src/logs/parse/json';
import { checkContract, garbage, iso, NOW, run } from './fixtures/parse-helpers';

const parser = createParser('json');

void t.test('pino line: numeric level, epoch ms, msg; the rest under json.*', (t) => {
  const { reason, event } = run(parser, '{"level":30,"time":1763726400123,"pid":7,"hostname":"n1","req":{"id":1},"msg":"request completed"}');
  t.equal(reason, undefined);
  t.equal(event.level, 'info');
  t.equal(iso(event.timestampMs), '2025-11-21T12:00:00.123Z');
  t.equal(event.message, 'request completed');
  t.strictSame(event.fields, { json: { pid: 7, hostname: 'n1', req: { id: 1 } } });
  t.equal(event.dataset, 'test.dataset');
  t.end();
});

void t.test('pino/bunyan levels 10..60', (t) => {
  const names = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  for (let i = 0; i < 6; i++) t.equal(run(parser, `{"level":${(i + 1) * 10},"msg":"x"}`).event.level, names[i]);
  const odd = run(parser, '{"level":35,"msg":"x"}');
  t.equal(odd.event.level, undefined, 'custom numeric level: not guessed');
  t.strictSame(odd.event.fields, { json: { level: 35 } }, 'and kept under json');
  t.end();
});

void t.test('bunyan, zap, logrus, ECS shapes', (t) => {
  let r = run(parser, '{"name":"app","hostname":"h","pid":1,"level":50,"msg":"boom","time":"2026-11-21T11:00:00.250Z","v":0}');
  t.equal(iso(r.event.timestampMs), '2026-11-21T11:00:00.250Z');
  t.equal(r.event.level, 'error');
  r = run(parser, '{"level":"WARN","ts":1763726400.5,"caller":"main.go:1","msg":"slow"}');
  t.equal(r.event.level, 'warn', 'string level lower-cased');
  t.equal(iso(r.event.timestampMs), '2025-11-21T12:00:00.500Z', 'zap epoch seconds with fraction');
  t.strictSame(r.event.fields, { json: { caller: 'main.go:1' } });
  r = run(parser, '{"@timestamp":"2026-11-21T12:00:00.000+01:00","log.level":"info","message":"ecs","ecs":{"version":"8.11"}}');
  t.equal(iso(r.event.timestampMs), '2026-11-21T11:00:00.000Z');
  t.equal(r.event.level, 'info');
  t.equal(r.event.message, 'ecs');
  t.strictSame(r.event.fields, { json: { ecs: { version: '8.11' } } });
  r = run(parser, '{"timestamp":"2026-11-21 12:00:00","severity":"ERROR","lvl":"x","message":"gcp"}');
  t.equal(iso(r.event.timestampMs), '2026-11-21T12:00:00.000Z', 'space-separated ISO via Date.parse (local)');
  t.equal(r.event.level, 'error');
  t.strictSame(r.event.fields, { json: { lvl: 'x' } }, 'second level key kept');
  r = run(parser, '{"log":{"level":"debug","logger":"x"},"message":"nested"}');
  t.equal(r.event.level, 'debug', 'nested log.level read');
  t.strictSame(r.event.fields, { json: { log: { level: 'debug', logger: 'x' } } }, 'nested object left in place');
  t.end();
});

void t.test('epoch units inferred from magnitude', (t) => {
  const want = '2025-11-21T12:00:00.000Z';
  for (const v of ['1763726400', '1763726400000', '1763726400000000', '1763726400000000000']) {
    t.equal(iso(run(parser, `{"time":${v}}`).event.timestampMs), want, v);
  }
  t.end();
});

void t.test('times beyond year 9999 are not timestamps: read time kept, the value stays under json.*', (t) => {
  for (const v of ['3e20', '1e22', '"12345-01-01T00:00:00Z"']) {
    const r = run(parser, `{"ts":${v},"msg":"far"}`);
    t.equal(r.event.timestampMs, NOW, `${v}: read time`);
    t.ok((r.event.fields?.json as Record<string, unknown> | undefined)?.ts !== undefined, `${v}: kept in json.ts`);
  }
  t.equal(iso(run(parser, '{"ts":"9999-12-31T23:59:59.999Z"}').event.timestampMs), '9999-12-31T23:59:59.999Z', 'the last four-digit-year instant is fine');
  t.end();
});

void t.test('unusable recognised keys stay under json.*', (t) => {
  const r = run(parser, '{"time":"12","ts":-5,"timestamp":"not a date","level":{"x":1},"msg":42,"message":null}');
  t.equal(r.reason, undefined);
  t.equal(r.event.timestampMs, NOW, 'read time kept');
  t.equal(r.event.level, undefined);
  t.equal(r.event.message, '', 'no string message: empty (Filebeat drops message then)');
  t.strictSame(r.event.fields, { json: { time: '12', ts: -5, timestamp: 'not a date', level: { x: 1 }, msg: 42, message: null } });
  const first = run(parser, '{"msg":"a","message":"b"}');
  t.equal(first.event.message, 'a', 'first message key wins');
  t.strictSame(first.event.fields, { json: { message: 'b' } });
  const bom = run(parser, '\ufeff{"msg":"first line of a file written with a BOM"}');
  t.equal(bom.reason, undefined);
  t.equal(bom.event.message, 'first line of a file written with a BOM');
  const empty = run(parser, ' \t{}');
  t.equal(empty.reason, undefined);
  t.equal(empty.event.fields, undefined, 'nothing left: no json object');
  t.end();
});

void t.test('__proto__ keys stay data and never change a prototype', (t) => {
  const r = run(parser, '{"__proto__":{"polluted":true},"msg":"x"}');
  const json = (r.event.fields as { json: Record<string, unknown> }).json;
  t.equal(Object.getPrototypeOf(json), Object.prototype);
  t.strictSame(Object.getOwnPropertyDescriptor(json, '__proto__')?.value, { polluted: true });
  t.equal(({} as Record<string, unknown>).polluted, undefined);
  t.equal(JSON.stringify(r.event.fields), '{"json":{"__proto__":{"polluted":true}}}');
  t.end();
});

void t.test('failures: not an object, broken, too deep', (t) => {
  const cases: [string, string][] = [
    ['', 'json: not a JSON object'], ['[1,2]', 'json: not a JSON object'], ['42', 'json: not a JSON object'],
    ['"s"', 'json: not a JSON object'], ['null', 'json: not a JSON object'], ['plain text', 'json: not a JSON object'],
    ['{"a":1', 'json: invalid JSON'], ['{"a":1}}', 'json: invalid JSON'], ["{'a':1}", 'json: invalid JSON'],
    [`{"a":${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}}`, 'json: nested too deeply'],
  ];
  for (const [line, reason] of cases) {
    const r = checkContract(parser, line);
    t.equal(r.reason, reason, JSON.stringify(line).slice(0, 40));
  }
  const okDeep = checkContract(parser, `{"a":${'['.repeat(MAX_DEPTH - 1)}${']'.repeat(MAX_DEPTH - 1)},"s":"${'['.repeat(3000)}"}`);
  t.ok(okDeep.ok, 'brackets inside strings do not count; depth at the limit is fine');
  t.doesNotThrow(() => JSON.stringify(okDeep.event.fields), 'and the encoder can serialise it');
  t.end();
});

void t.test('robustness: truncation, garbage, 10 MB line', (t) => {
  const line = '{"level":"info","time":"2026-11-21T11:00:00Z","msg":"hello \\"world\\"","a":[1,2,{"b":null}],"c":"\\u00e9"}';
  for (let k = 0; k <= line.length; k++) checkContract(parser, line.slice(0, k));
  for (let seed = 1; seed <= 300; seed++) checkContract(parser, `{${garbage(seed, 1 + (seed * 29) % 300)}`);
  const t0 = process.hrtime.bigint();
  const big = `{"msg":"${'x'.repeat(10 << 20)}","n":1}`;
  const r = checkContract(parser, big);
  t.ok(r.ok);
  t.equal(r.event.message.length, 10 << 20);
  t.equal(checkContract(parser, `{"a":"${'x'.repeat(10 << 20)}`).reason, 'json: invalid JSON');
  t.equal(checkContract(parser, `{"a":${'['.repeat(5 << 20)}`).reason, 'json: nested too deeply');
  const wide = `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
  t.equal(Object.keys((checkContract(parser, wide).event.fields as { json: object }).json).length, 100_000);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  t.ok(ms < 3000, `linear on 10 MB lines (${ms.toFixed(0)} ms)`);
  t.end();
});
