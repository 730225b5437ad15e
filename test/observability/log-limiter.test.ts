import t from 'tap';
import pino from 'pino';
import { Writable } from 'node:stream';
import { LogLimiter, RateLimitedLog } from '../../src/observability/log-limiter';

void t.test('a key is logged, then counted until the interval has passed, then logged with the count', async (t) => {
  let now = 0;
  const l = new LogLimiter(1000, () => now);
  t.equal(l.allow('a'), 0, 'first: logged');
  t.equal(l.allow('a'), -1);
  now = 500;
  t.equal(l.allow('a'), -1);
  t.equal(l.allow('b'), 0, 'another key is independent');
  t.same(l.pending(), [['a', 2]]);
  now = 1000;
  t.equal(l.allow('a'), 2, 'logged again, with the two suppressed');
  t.same(l.pending(), []);
});

void t.test('keys beyond maxKeys stay quiet (paths in keys cannot grow memory without bound)', async (t) => {
  const l = new LogLimiter(1000, () => 0, 3);
  t.same(['p1', 'p2', 'p3', 'p4', 'p5'].map((k) => l.allow(k)), [0, 0, 0, -1, -1]);
  t.equal(l.allow('p1'), -1, 'known keys keep their own schedule');
});

void t.test('RateLimitedLog writes through pino with the suppressed count', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, cb) => { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb(); } });
  let now = 0;
  const log = new RateLimitedLog(pino({}, sink).child({ source: 'files' }), 3_600_000, () => now);
  for (let i = 0; i < 5; i++) log.log('warn', 'scan:/var/log:EACCES', { path: '/var/log' }, 'cannot scan for tailed files');
  now = 3_600_000;
  log.log('warn', 'scan:/var/log:EACCES', { path: '/var/log' }, 'cannot scan for tailed files');
  await new Promise((r) => setImmediate(r));
  t.equal(lines.length, 2, 'once, then once an hour later');
  t.match(lines[0], { source: 'files', path: '/var/log', msg: 'cannot scan for tailed files', level: 40 });
  t.notOk('suppressed' in (lines[0] as object));
  t.equal(lines[1]?.['suppressed'], 4);
});
