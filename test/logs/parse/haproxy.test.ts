process.env.TZ = 'UTC'; // HAProxy dates are local time; pin the zone so expectations are exact

import t from 'tap';
import { createParser } from '../../../src/logs/parse';
import { at, checkContract, fixtureLines, garbage, iso, NOW, run } from './fixtures/parse-helpers';

const parser = createParser('haproxy');

// DataDog's expected keys -> our field paths (value transform where units differ).
const DATADOG_MAP: Record<string, [string, ((v: unknown) => unknown)?]> = {
  client_ip: ['source.ip'],
  client_port: ['source.port'],
  destination_ip: ['destination.ip'],
  destination_port: ['destination.port'],
  frontend_name: ['haproxy.frontend_name'],
  backend_name: ['haproxy.backend_name'],
  server_name: ['haproxy.server_name'],
  mode: ['haproxy.mode'],
  time_request: ['haproxy.http.request.time_wait_ms'],
  time_queue: ['haproxy.total_waiting_time_ms'],
  time_backend_connect: ['haproxy.connection_wait_time_ms'],
  time_backend_response: ['haproxy.http.request.time_wait_without_data_ms'],
  duration_ns: ['haproxy.total_time_ms', (v) => (v as number) / 1e6],
  status_code: ['http.response.status_code'],
  bytes_written: ['haproxy.bytes_read'],
  termination_state: ['haproxy.termination_state'],
  actconn: ['haproxy.connections.active'],
  feconn: ['haproxy.connections.frontend'],
  beconn: ['haproxy.connections.backend'],
  srvconn: ['haproxy.connections.server'],
  retries: ['haproxy.connections.retries'],
  srv_queue: ['haproxy.server_queue'],
  backend_queue: ['haproxy.backend_queue'],
  captured_request_headers: ['haproxy.http.request.captured_headers', (v) => [v]],
  method: ['http.request.method'],
  url: ['url.original'],
  http_version: ['http.version'],
  pid: ['process.pid'],
  // `-` is the NILVALUE hostname: we omit it rather than ship a literal dash
  syslog_host: ['log.syslog.hostname', (v) => (v === '-' ? undefined : v)],
  // `-` means "cookie capture not configured": omitted
  captured_request_cookie: ['haproxy.http.request.captured_cookie', (v) => (v === '-' ? undefined : v)],
  captured_response_cookie: ['haproxy.http.response.captured_cookie', (v) => (v === '-' ? undefined : v)],
};

void t.test('DataDog samples: every expected value', (t) => {
  for (const raw of fixtureLines('haproxy', 'datadog.haproxy-log-samples.jsonl')) {
    const c = JSON.parse(raw) as { sample: string; datadog_parsed: Record<string, unknown> };
    const { reason, event } = run(parser, c.sample);
    t.equal(reason, undefined, c.sample);
    for (const [key, want] of Object.entries(c.datadog_parsed)) {
      if (key === 'date_access_ms') {
        t.equal(event.timestampMs, want, `${key}: ${c.sample}`);
        continue;
      }
      const m = DATADOG_MAP[key];
      if (m === undefined) throw new Error(`unmapped DataDog key ${key}`);
      const [path, fn] = m;
      t.same(at(event.fields, path), fn ? fn(want) : want, `${key} -> ${path}: ${c.sample}`);
    }
  }
  t.end();
});

void t.test('HAProxy 3.2 manual: every example line parses', (t) => {
  const lines = fixtureLines('haproxy', 'haproxy-doc-v3.2.0.example-log-lines.jsonl');
  t.equal(lines.length, 16);
  for (const raw of lines) {
    const c = JSON.parse(raw) as { format: string; line: string; has_syslog_header: boolean };
    const { reason, event } = run(parser, c.line);
    t.equal(reason, undefined, c.line);
    t.equal(at(event.fields, 'process.name'), 'haproxy', c.line);
    t.equal(at(event.fields, 'log.syslog.hostname'), c.has_syslog_header ? 'localhost' : undefined, c.line);
    t.notOk(event.message.startsWith('haproxy['), 'message is the payload');
    const format = c.format;
    if (format === 'default') t.ok(at(event.fields, 'haproxy.mode'));
    if (format === 'error') t.ok(at(event.fields, 'haproxy.error_message'));
    if (format === 'tcp') t.type(at(event.fields, 'haproxy.total_time_ms'), 'number');
    if (format === 'http' || format === 'https') t.type(at(event.fields, 'http.response.status_code'), 'number');
    if (format === 'https') t.ok(at(event.fields, 'tls'));
  }
  t.end();
});

const docLine = (section: string, n = 0): string => {
  const all = fixtureLines('haproxy', 'haproxy-doc-v3.2.0.example-log-lines.jsonl')
    .map((l) => JSON.parse(l) as { doc_section: string; line: string })
    .filter((c) => c.doc_section.startsWith(section));
  const c = all[n];
  if (c === undefined) throw new Error(`no doc line ${section} #${n}`);
  return c.line;
};

void t.test('HTTP format (8.2.3): the complete document fields', (t) => {
  const { reason, event } = run(parser, docLine('8.2.3'));
  t.equal(reason, undefined);
  t.equal(iso(event.timestampMs), '2009-02-06T12:14:14.655Z', 'accept date, not the syslog time');
  t.equal(event.level, undefined, 'no PRI, no level');
  t.equal(event.dataset, 'test.dataset', 'dataset untouched');
  t.equal(event.message, '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"');
  t.strictSame(event.fields, {
    source: { address: '10.0.1.2', ip: '10.0.1.2', port: 33317 },
    haproxy: {
      frontend_name: 'http-in', backend_name: 'static', server_name: 'srv1',
      total_waiting_time_ms: 0, connection_wait_time_ms: 30, total_time_ms: 109,
      bytes_read: 2750, termination_state: '----',
      connections: { active: 1, frontend: 1, backend: 1, server: 1, retries: 0 },
      server_queue: 0, backend_queue: 0,
      http: {
        request: { time_wait_ms: 10, time_wait_without_data_ms: 69, captured_headers: ['1wt.eu'], raw_request_line: 'GET /index.html HTTP/1.1' },
        response: { captured_headers: [''] },
      },
    },
    http: { request: { method: 'GET' }, response: { status_code: 200, bytes: 2750 }, version: '1.1' },
    url: { original: '/index.html' },
    log: { syslog: { hostname: 'localhost', appname: 'haproxy', procid: '14389' } },
    process: { name: 'haproxy', pid: 14389 },
  });
  t.end();
});

void t.test('TCP format (8.2.2)', (t) => {
  const { reason, event } = run(parser, docLine('8.2.2'));
  t.equal(reason, undefined);
  t.equal(iso(event.timestampMs), '2009-02-06T12:12:51.443Z');
  t.strictSame(event.fields, {
    source: { address: '10.0.1.2', ip: '10.0.1.2', port: 33313 },
    haproxy: {
      frontend_name: 'fnt', backend_name: 'bck', server_name: 'srv1',
      total_waiting_time_ms: 0, connection_wait_time_ms: 0, total_time_ms: 5007,
      bytes_read: 212, termination_state: '--',
      connections: { active: 0, frontend: 0, backend: 0, server: 0, retries: 3 },
      server_queue: 0, backend_queue: 0,
    },
    log: { syslog: { hostname: 'localhost', appname: 'haproxy', procid: '14387' } },
    process: { name: 'haproxy', pid: 14387 },
  });
  t.end();
});

void t.test('default format (8.2.1): syslog time, destination, mode', (t) => {
  const { reason, event } = run(parser, docLine('8.2.1'));
  t.equal(reason, undefined);
  t.equal(iso(event.timestampMs), '2026-02-06T12:12:09.000Z', 'syslog header time, year of NOW');
  t.equal(event.message, 'Connect from 10.0.1.2:33312 to 10.0.3.31:8012 (www/HTTP)');
  t.strictSame(event.fields, {
    source: { address: '10.0.1.2', ip: '10.0.1.2', port: 33312 },
    destination: { address: '10.0.3.31', ip: '10.0.3.31', port: 8012 },
    haproxy: { frontend_name: 'www', mode: 'HTTP' },
    log: { syslog: { hostname: 'localhost', appname: 'haproxy', procid: '14385' } },
    process: { name: 'haproxy', pid: 14385 },
  });
  t.end();
});

void t.test('HTTPS format (8.2.4): ECS tls.* and haproxy.tls error codes', (t) => {
  const { reason, event } = run(parser, docLine('8.2.4'));
  t.equal(reason, undefined);
  t.strictSame(at(event.fields, 'tls'), {
    version: '1.3', version_protocol: 'tls', cipher: 'TLS_AES_256_GCM_SHA384', resumed: false,
    client: { server_name: '1wt.eu' },
  });
  t.strictSame(at(event.fields, 'haproxy.tls'), { fc_err: 0, ssl_fc_err: '0', ssl_c_err: 0, ssl_c_ca_err: 0 });
  t.equal(at(event.fields, 'url.original'), '/index.html');
  t.end();
});

void t.test('error format (8.2.5)', (t) => {
  const { reason, event } = run(parser, docLine('8.2.5'));
  t.equal(reason, undefined);
  t.equal(iso(event.timestampMs), '2012-12-03T17:35:10.380Z');
  t.strictSame(event.fields, {
    source: { address: '127.0.0.1', ip: '127.0.0.1', port: 56059 },
    haproxy: { frontend_name: 'frt', bind_name: 'f1', error_message: 'Connection error during SSL handshake' },
    log: { syslog: { hostname: 'localhost', appname: 'haproxy', procid: '6103' } },
    process: { name: 'haproxy', pid: 6103 },
  });
  t.end();
});

void t.test('logasap (+N), header captures with empty slots, no HTTP version, date without ms', (t) => {
  const { reason, event } = run(parser, docLine('8.8', 0));
  t.equal(reason, undefined);
  t.equal(iso(event.timestampMs), '2004-08-09T20:26:09.000Z', 'accept date without .mmm');
  t.equal(at(event.fields, 'haproxy.total_time_ms'), 162, '+ stripped');
  t.equal(at(event.fields, 'haproxy.bytes_read'), 350, '+ stripped');
  t.equal(at(event.fields, 'haproxy.logasap'), true);
  t.strictSame(at(event.fields, 'haproxy.http.request.captured_headers'), ['fr.adserver.yahoo.co', '', 'http://fr.f416.mail.']);
  t.strictSame(at(event.fields, 'haproxy.http.response.captured_headers'), ['', '864', 'private', '', '']);
  t.equal(at(event.fields, 'http.request.method'), 'GET');
  t.equal(at(event.fields, 'url.original'), 'http://fr.adserver.yahoo.com/');
  t.equal(at(event.fields, 'http.version'), undefined, 'request logged without HTTP version');
  t.equal(at(event.fields, 'haproxy.http.request.raw_request_line'), 'GET http://fr.adserver.yahoo.com/');
  t.end();
});

void t.test('<NOSRV>, timers -1, status -1, empty request ""', (t) => {
  const { reason, event } = run(parser, docLine('8.9', 4));
  t.equal(reason, undefined);
  t.equal(at(event.fields, 'haproxy.server_name'), '<NOSRV>');
  t.strictSame(at(event.fields, 'haproxy.http.request'), { time_wait_ms: -1, time_wait_without_data_ms: -1 }, '-1 kept, no request line');
  t.equal(at(event.fields, 'haproxy.total_waiting_time_ms'), -1);
  t.equal(at(event.fields, 'haproxy.connection_wait_time_ms'), -1);
  t.equal(at(event.fields, 'haproxy.total_time_ms'), 8490);
  t.strictSame(at(event.fields, 'http'), { response: { status_code: -1, bytes: 0 } }, 'no method, no version');
  t.equal(at(event.fields, 'url'), undefined);
  t.equal(at(event.fields, 'haproxy.logasap'), undefined);
  t.strictSame(at(event.fields, 'log'), { syslog: { appname: 'haproxy', procid: '18113' } }, 'the tag alone');
  t.strictSame(at(event.fields, 'process'), { name: 'haproxy', pid: 18113 });
  t.end();
});

void t.test('an accept date the month does not have fails the line, as day 32 does (no roll-over into the next month)', (t) => {
  const line = (date: string) => `<134>Feb  6 12:14:14 lb1 haproxy[1]: 10.0.1.2:33317 [${date}] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET / HTTP/1.1"`;
  t.equal(iso(run(parser, line('29/Feb/2028:12:14:14.655')).event.timestampMs), '2028-02-29T12:14:14.655Z');
  t.equal(iso(run(parser, line('30/Nov/2026:12:14:14.655')).event.timestampMs), '2026-11-30T12:14:14.655Z');
  for (const date of ['29/Feb/2026:12:14:14.655', '31/Nov/2026:12:14:14.655', '31/Apr/2026:00:00:00.000']) {
    const r = run(parser, line(date));
    t.equal(r.reason, 'haproxy: invalid accept date', date);
    t.equal(r.event.timestampMs, NOW, `${date}: the event is left as it was`);
  }
  t.equal(run(parser, line('32/Nov/2026:12:14:14.655')).reason, 'haproxy: invalid accept date');
  t.end();
});

void t.test('hand-written edge cases', (t) => {
  const base = '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0';
  let r = run(parser, `<134>Feb  6 12:14:14 lb1 haproxy[1]: ${base} "GET / HTTP/1.1"`);
  t.equal(r.reason, undefined);
  t.equal(r.event.level, 'informational', 'PRI 134 = local0.info');
  t.strictSame(at(r.event.fields, 'log.syslog.facility'), { code: 16, name: 'local0' });

  r = run(parser, `<134>1 2026-11-21T11:59:59.123Z lb1 haproxy 77 - - ${base} "GET / HTTP/1.1"`);
  t.equal(r.reason, undefined, 'RFC 5424 header');
  t.equal(at(r.event.fields, 'process.pid'), 77);
  t.equal(at(r.event.fields, 'log.syslog.version'), '1');

  r = run(parser, `2026-11-21T12:00:00.123456+00:00 lb1 haproxy[9]: ${base} "GET / HTTP/1.1"`);
  t.equal(r.reason, undefined, 'RSYSLOG_FileFormat header');
  t.equal(at(r.event.fields, 'log.syslog.hostname'), 'lb1');

  r = run(parser, `${base} "GET / HTTP/1.1"`);
  t.equal(r.reason, undefined, 'bare payload (log stdout format raw)');
  t.equal(at(r.event.fields, 'process'), undefined);
  t.equal(r.event.message, `${base} "GET / HTTP/1.1"`);

  r = run(parser, `haproxy[1]: ${base} "POST /upload?x=1 HTTP/1.1`);
  t.equal(r.reason, undefined, 'truncated request: no closing quote');
  t.equal(at(r.event.fields, 'url.original'), '/upload?x=1');
  t.equal(at(r.event.fields, 'http.version'), '1.1');

  r = run(parser, `haproxy[1]: ${base} \\"GET /a HTTP/2.0\\"`);
  t.equal(r.reason, undefined, 'syslog-ng escaped quotes');
  t.equal(at(r.event.fields, 'haproxy.http.request.raw_request_line'), 'GET /a HTTP/2.0');
  t.equal(at(r.event.fields, 'http.version'), '2.0');

  r = run(parser, `haproxy[1]: ${base} "<BADREQ>"`);
  t.equal(r.reason, undefined);
  t.equal(at(r.event.fields, 'http.request'), undefined, 'no method in <BADREQ>');
  t.equal(at(r.event.fields, 'haproxy.http.request.raw_request_line'), '<BADREQ>');

  r = run(parser, `haproxy[1]: ${base}`);
  t.equal(r.reason, undefined, 'no request field at all (cut line)');
  t.equal(at(r.event.fields, 'haproxy.http.request.raw_request_line'), undefined);

  r = run(parser, '10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/srv 10/0/30/69/+109 200 +18446744073709551615 SESSID=1 - ---- 1/1/1/1/+2 0/0 "GET / HTTP/1.1"');
  t.equal(r.reason, undefined);
  t.equal(at(r.event.fields, 'haproxy.bytes_read'), '18446744073709551615', 'beyond 2^53: exact decimal string');
  t.equal(at(r.event.fields, 'http.response.bytes'), '18446744073709551615');
  t.equal(at(r.event.fields, 'haproxy.http.request.captured_cookie'), 'SESSID=1');
  t.equal(at(r.event.fields, 'haproxy.connections.retries'), 2);
  t.equal(at(r.event.fields, 'haproxy.connections.redispatched'), true, '+ on retries = redispatch');
  t.equal(at(r.event.fields, 'haproxy.logasap'), true);

  r = run(parser, '10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/srv 0/0/1 9007199254740993 -- 0/0/0/0/0 0/0');
  t.equal(at(r.event.fields, 'haproxy.bytes_read'), '9007199254740993', '2^53+1 is not safe');

  r = run(parser, '2001:db8::1:40000 [06/Feb/2009:12:14:14.655] fe be/srv 0/0/1 5 -- 0/0/0/0/0 0/0');
  t.strictSame(at(r.event.fields, 'source'), { address: '2001:db8::1', ip: '2001:db8::1', port: 40000 }, 'IPv6 without brackets');

  r = run(parser, 'unix:1 [06/Feb/2009:12:14:14.655] fe be/srv 0/0/1 5 -- 0/0/0/0/0 0/0');
  t.strictSame(at(r.event.fields, 'source'), { address: 'unix', port: 1 }, 'UNIX socket: no source.ip');

  // Shaped like an address but not one: Elasticsearch's ip type would refuse the whole document.
  for (const bad of ['999.999.999.999', '10.0.0', '10.0.0.256', 'fe.ed', 'dead:beef', '1.2.3.4.5', '2001:db8::1::2']) {
    r = run(parser, `${bad}:1 [06/Feb/2009:12:14:14.655] fe be/srv 0/0/1 5 -- 0/0/0/0/0 0/0`);
    t.strictSame(at(r.event.fields, 'source'), { address: bad, port: 1 }, `${bad}: source.address only`);
  }
  for (const good of ['0.0.0.0', '255.255.255.255', '::1', 'fe80::1', '::ffff:10.0.0.1']) {
    r = run(parser, `${good}:1 [06/Feb/2009:12:14:14.655] fe be/srv 0/0/1 5 -- 0/0/0/0/0 0/0`);
    t.strictSame(at(r.event.fields, 'source'), { address: good, ip: good, port: 1 }, `${good}: an ip`);
  }

  r = run(parser, 'Connect from unix:1 to unix:2 (fe/TCP)');
  t.strictSame(at(r.event.fields, 'destination'), { address: 'unix', port: 2 });

  r = run(parser, '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {Mozilla/5.0 (X11; Linux) x|a b} "GET / HTTP/1.1" 0/0x1c/-/-/1 -/TLSv1.2/ECDHE-RSA-AES128-GCM-SHA256');
  t.equal(r.reason, undefined);
  t.strictSame(at(r.event.fields, 'haproxy.http.request.captured_headers'), ['Mozilla/5.0 (X11; Linux) x', 'a b'], 'spaces inside captures');
  t.equal(at(r.event.fields, 'haproxy.http.response'), undefined, 'single block = request captures');
  t.strictSame(at(r.event.fields, 'tls'), { version: '1.2', version_protocol: 'tls', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', resumed: true });
  t.strictSame(at(r.event.fields, 'haproxy.tls'), { fc_err: 0, ssl_fc_err: '0x1c' });
  t.end();
});

void t.test('non-HAProxy lines fail with a reason and leave the event untouched', (t) => {
  const bad = [
    '', ' ', 'hello world', 'Feb  6 12:12:09 localhost haproxy[1]: Proxy www started.',
    'haproxy[1]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655]', '10.0.1.2:33317 [32/Feb/2009:12:14:14.655] fe be/s 0/0/0 0 -- 0/0/0/0/0 0/0',
    '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe be/s x/0/0 0 -- 0/0/0/0/0 0/0',
    '10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe be/s 0/0/0/0 0 -- 0/0/0/0/0 0/0',
    'Connect from 10.0.1.2 to 10.0.3.31:8012 (www/HTTP)',
  ];
  for (const line of bad) {
    const r = checkContract(parser, line);
    t.notOk(r.ok, `rejected: ${JSON.stringify(line)} (${r.reason})`);
    t.match(r.reason, /^haproxy: /);
  }
  t.end();
});

void t.test('robustness: truncation at every length, garbage, huge lines', (t) => {
  const lines = fixtureLines('haproxy', 'haproxy-doc-v3.2.0.example-log-lines.jsonl').map((l) => (JSON.parse(l) as { line: string }).line);
  let checked = 0;
  for (const line of lines) {
    for (let n = 0; n <= line.length; n++) {
      checkContract(parser, line.slice(0, n));
      checked++;
    }
  }
  for (let seed = 1; seed <= 300; seed++) checkContract(parser, garbage(seed, 1 + (seed * 37) % 400));
  const huge = `haproxy[1]: 10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/srv 1/0/0/1/2 200 5 - - ---- 1/1/1/1/0 0/0 "GET /${'a'.repeat(1 << 20)} HTTP/1.1"`;
  const t0 = process.hrtime.bigint();
  const big = checkContract(parser, huge);
  t.ok(big.ok, '1 MB request line parses');
  t.equal((at(big.event.fields, 'url.original') as string).length, (1 << 20) + 1);
  checkContract(parser, 'x'.repeat(1 << 20));
  checkContract(parser, `10.0.1.2:1 [06/Feb/2009:12:14:14.655] ${'{'.repeat(1 << 20)}`);
  checkContract(parser, `Feb  6 12:12:09 ${'h'.repeat(1 << 20)}`);
  checkContract(parser, '\u0000\u0001\ufffd'.repeat(100_000));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  t.ok(ms < 2000, `huge lines are linear (${ms.toFixed(0)} ms)`);
  t.ok(checked > 1000, `${checked} truncations checked`);
  t.end();
});

void t.test('timestamp uses the local zone of the node', (t) => {
  process.env.TZ = 'America/New_York';
  try {
    const p = createParser('haproxy'); // new parser: clean time caches
    const r = run(p, '10.0.1.2:1 [06/Jul/2026:12:14:14.655] fe be/srv 0/0/1 5 -- 0/0/0/0/0 0/0', NOW);
    t.equal(iso(r.event.timestampMs), '2026-07-06T16:14:14.655Z', 'EDT = UTC-4');
    const w = run(p, '10.0.1.2:1 [06/Jan/2026:12:14:14.655] fe be/srv 0/0/1 5 -- 0/0/0/0/0 0/0', NOW);
    t.equal(iso(w.event.timestampMs), '2026-01-06T17:14:14.655Z', 'EST = UTC-5');
  } finally {
    process.env.TZ = 'UTC';
  }
  t.end();
});
