process.env.TZ = 'UTC'; // glog writes local time without a year or zone

import t from 'tap';
import { createParser } from '../../../src/logs/parse';
import { checkContract, fixtureLines, garbage, iso, run } from './fixtures/parse-helpers';

const parser = createParser('glog');

void t.test('Mesos glog lines (DataDog fixture)', (t) => {
  const lines = fixtureLines('glog', 'datadog.mesos-glog-lines.txt');
  t.equal(lines.length, 3);
  const want = [
    ['2026-03-01T14:47:46.959Z', 'group.cpp', 831, 89194, 'Syncing group operations: queue size (joins, cancels, datas) = (0, 0, 0)'],
    ['2026-03-01T09:51:43.015Z', 'detector.cpp', 152, 16, "Detected a new leader: (id='0')"],
    ['2026-03-01T09:55:21.503Z', 'http.cpp', 391, 15, "HTTP GET for /master/roles.json from 172.28.0.1:59406 with User-Agent='Datadog Agent/7.27.0'"],
  ] as const;
  lines.forEach((line, i) => {
    const w = want[i];
    if (w === undefined) throw new Error('fixture grew');
    const { reason, event } = run(parser, line);
    t.equal(reason, undefined, line);
    t.equal(event.level, 'info');
    t.equal(iso(event.timestampMs), w[0], 'µs truncated to ms, year of NOW');
    t.equal(event.message, w[4]);
    t.strictSame(event.fields, { log: { origin: { file: { name: w[1], line: w[2] } } }, process: { thread: { id: w[3] } } });
  });
  t.end();
});

void t.test('levels W/E/F, year rollback, local zone', (t) => {
  t.equal(run(parser, 'W1121 11:00:00.000001  7 a.cpp:1] w').event.level, 'warning');
  t.equal(run(parser, 'E1121 11:00:00.000001  7 a.cpp:1] e').event.level, 'error');
  t.equal(run(parser, 'F1121 11:00:00.000001  7 a.cpp:1] f').event.level, 'critical');
  const jan = Date.UTC(2027, 0, 1, 1);
  t.equal(iso(run(parser, 'I1231 23:59:59.999999 7 a.cpp:1] x', jan).event.timestampMs), '2026-12-31T23:59:59.999Z');
  // 29 February in the year the line is taken for: 2028 read in March 2028, and in January 2029 (last year's).
  t.equal(iso(run(parser, 'I0229 10:00:00 7 a.cpp:1] x', Date.UTC(2028, 2, 1, 12)).event.timestampMs), '2028-02-29T10:00:00.000Z');
  t.equal(iso(run(parser, 'I0229 10:00:00 7 a.cpp:1] x', Date.UTC(2029, 0, 10, 12)).event.timestampMs), '2028-02-29T10:00:00.000Z');
  t.equal(iso(run(parser, 'I1130 10:00:00 7 a.cpp:1] x').event.timestampMs), '2025-11-30T10:00:00.000Z', 'more than a day ahead: last year');
  const r = run(parser, 'I1121 11:00:00.000000 7 src/slave/slave.cpp:1234]');
  t.equal(r.event.message, '', 'empty message');
  t.equal((r.event.fields as { log: { origin: { file: { name: string } } } }).log.origin.file.name, 'src/slave/slave.cpp');
  process.env.TZ = 'Asia/Kolkata';
  try {
    t.equal(iso(run(createParser('glog'), 'I0301 05:30:00.000000 1 a.cc:1] x').event.timestampMs), '2026-03-01T00:00:00.000Z', 'IST = UTC+5:30');
  } finally {
    process.env.TZ = 'UTC';
  }
  t.end();
});

void t.test('non-glog lines fail and leave the event untouched', (t) => {
  const bad: [string, RegExp][] = [
    ['Log file created at: 2026/11/21 12:00:00', /^glog: no level letter$/],
    ['Running on machine: node7', /^glog: no level letter$/],
    ['I1321 11:00:00.000000 7 a.cpp:1] x', /^glog: invalid timestamp$/],
    // No such day in that year (2026): not rolled over into the next month as `Date` would.
    ['I1131 11:00:00.000000 7 a.cpp:1] x', /^glog: invalid timestamp$/],
    ['I0229 11:00:00.000000 7 a.cpp:1] x', /^glog: invalid timestamp$/],
    ['I0230 11:00:00.000000 7 a.cpp:1] x', /^glog: invalid timestamp$/],
    ['I1121 11:00:00.000000 a.cpp:1] x', /^glog: no thread id$/],
    ['I1121 11:00:00.000000 7 a.cpp] x', /^glog: no file:line$/],
    ['I1121 11:00:00.000000 7 a.cpp:x] x', /^glog: no file:line$/],
    ['    continuation of a multi-line message', /^glog: /],
    ['', /^glog: /],
  ];
  for (const [line, reason] of bad) t.match(checkContract(parser, line).reason, reason, line);
  t.end();
});

void t.test('robustness: truncation, garbage, 1 MB line', (t) => {
  for (const line of fixtureLines('glog', 'datadog.mesos-glog-lines.txt')) {
    for (let k = 0; k <= line.length; k++) checkContract(parser, line.slice(0, k));
  }
  for (let seed = 1; seed <= 300; seed++) checkContract(parser, `I1121 ${garbage(seed, 1 + (seed * 31) % 200)}`);
  const big = checkContract(parser, `I1121 11:00:00.000000 7 a.cpp:1] ${'m'.repeat(1 << 20)}`);
  t.ok(big.ok);
  t.equal(big.event.message.length, 1 << 20);
  t.notOk(checkContract(parser, `I1121 11:00:00.000000 7 ${'f'.repeat(1 << 20)}:1] x`).ok, 'absurd file name');
  t.notOk(checkContract(parser, `I1121 11:00:00.000000 ${'9'.repeat(1 << 20)} a.cpp:1] x`).ok, 'absurd thread id');
  t.end();
});
