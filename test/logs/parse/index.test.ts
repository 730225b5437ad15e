import t from 'tap';
import { createParser, type LogFormat } from '../../../src/logs/parse';
import { HeraldError } from '../../../src/errors';
import { checkContract, garbage, NOW, run } from './fixtures/parse-helpers';

const FORMATS: LogFormat[] = ['syslog', 'haproxy', 'json', 'plain', 'glog'];

void t.test('createParser gives a parser per format', (t) => {
  for (const f of FORMATS) t.equal(createParser(f).format, f);
  t.not(createParser('syslog'), createParser('syslog'), 'a new instance per call: no shared caches');
  t.throws(() => createParser('xml' as LogFormat), HeraldError);
  t.end();
});

void t.test('plain never fails and changes nothing', (t) => {
  const p = createParser('plain');
  for (const line of ['', 'hello', garbage(7, 300), '{"msg":"x"}']) {
    const { reason, event } = run(p, line);
    t.equal(reason, undefined);
    t.equal(event.message, line);
    t.equal(event.timestampMs, NOW);
    t.equal(event.level, undefined);
    t.equal(event.fields, undefined);
  }
  t.end();
});

void t.test('every parser honours the contract on hostile input', (t) => {
  const hostile = [
    '', '\u0000', '\ufeff', '\r', ' '.repeat(10_000), '<'.repeat(10_000), '['.repeat(10_000), '{'.repeat(10_000),
    '\ud800', 'Jan', 'Jan  1', 'Jan  1 00:00:00', '<13>', '<13>1', '2026-', 'haproxy[', 'Connect from ',
    'I0101', '{"a":', garbage(99, 5000),
  ];
  for (const f of FORMATS) {
    const p = createParser(f);
    for (const line of hostile) checkContract(p, line);
  }
  t.pass('no throw, reasons given, failed events untouched');
  t.end();
});

void t.test('fields of an earlier stage are kept', (t) => {
  const p = createParser('glog');
  const { event } = run(p, 'I1121 11:00:00.000000 7 a.cpp:1] x');
  t.ok(event.fields);
  const e2 = { ...event, message: 'I1121 11:00:00.000000 8 b.cpp:2] y', fields: { labels: { a: 'b' } } as Record<string, unknown> };
  t.equal(p.parse(e2, NOW), undefined);
  t.strictSame(e2.fields, { labels: { a: 'b' }, log: { origin: { file: { name: 'b.cpp', line: 2 } } }, process: { thread: { id: 8 } } });
  t.end();
});
