/**
 * Proves the services started by `scripts/services.sh start` are real: HAProxy
 * answers on its frontends and logs through the private rsyslog, and rsyslog
 * files what util-linux `logger` sends it in every output format.
 */
import { execFile } from 'node:child_process';
import t from 'tap';
import {
  FILES,
  PORTS,
  URLS,
  fileOffset,
  httpGet,
  requireService,
  tcpExchange,
  uniqueToken,
  waitForFileLines,
} from '../helpers/services';

function logger(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('logger', args, { timeout: 5000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`logger ${args.join(' ')} failed: ${err.message} ${stderr}`));
      else resolve();
    });
  });
}

void t.test('haproxy answers on every frontend and logs each kind of line', async (t) => {
  await requireService(t, 'rsyslog');
  await requireService(t, 'haproxy');
  const since = await fileOffset(FILES.haproxyLog);
  const ua = uniqueToken('herald-ua');

  const ok = await httpGet(`${URLS.haproxy}/`, { headers: { 'User-Agent': ua } });
  t.equal(ok.status, 200, 'fe_http / answers 200');
  t.equal(ok.body, 'ok\n');

  const missing = await httpGet(`${URLS.haproxy}/missing`, { headers: { 'User-Agent': ua } });
  t.equal(missing.status, 404, 'fe_http /missing answers 404');

  const down = await httpGet(`${URLS.haproxy}/down/${ua}`, { headers: { 'User-Agent': ua } });
  t.equal(down.status, 503, 'fe_http /down answers 503 (no server up)');

  const viaTcp = await tcpExchange(PORTS.haproxyTcp, `GET /tcp HTTP/1.0\r\nUser-Agent: ${ua}\r\n\r\n`);
  t.match(viaTcp, /^HTTP\/1\.1 200 OK\r\n/, 'fe_tcp forwards to the backend');

  const viaPlain = await tcpExchange(PORTS.haproxyPlain, `GET /plain HTTP/1.0\r\nUser-Agent: ${ua}\r\n\r\n`);
  t.match(viaPlain, /^HTTP\/1\.1 200 OK\r\n/, 'fe_plain forwards to the backend');

  const mine = (l: string) => l.includes(ua);
  const http = await waitForFileLines(FILES.haproxyLog, mine, 10_000, { since, count: 3 });
  t.ok(
    http.some((l) => / haproxy\[\d+\]: 127\.0\.0\.1:\d+ \[.+\] fe_http be_app\/app1 \S+ 200 \d+ .*"GET \/ HTTP\/1\.1"$/.test(l)),
    'httplog line for the 200',
    { lines: http },
  );
  t.ok(http.some((l) => / fe_http be_app\/app1 \S+ 404 .*"GET \/missing HTTP\/1\.1"$/.test(l)), 'httplog line for the 404', {
    lines: http,
  });
  t.ok(http.some((l) => / fe_http be_down\/<NOSRV> \S+ 503 /.test(l)), 'httplog line for the 503 <NOSRV>', { lines: http });
  t.ok(
    http.some((l) => l.includes(`{127.0.0.1:${PORTS.haproxyHttp}|${ua}} {text/plain; charset=utf-8}`)),
    'captured request headers (Host|User-Agent) and response header (Content-Type)',
    { lines: http },
  );

  const tcp = await waitForFileLines(FILES.haproxyLog, (l) => / fe_tcp be_tcp\/tcp1 \d+\/\d+\/\d+ \d+ /.test(l), 10_000, {
    since,
  });
  t.ok(tcp.length >= 1, 'tcplog line for fe_tcp');
  const plain = await waitForFileLines(
    FILES.haproxyLog,
    (l) => new RegExp(`: Connect from 127\\.0\\.0\\.1:\\d+ to 127\\.0\\.0\\.1:${PORTS.haproxyPlain} \\(fe_plain/TCP\\)$`).test(l),
    10_000,
    { since },
  );
  t.ok(plain.length >= 1, '"Connect from" line for fe_plain');
});

void t.test('haproxy stats CSV and prometheus exporter answer', async (t) => {
  await requireService(t, 'haproxy');
  const csv = await httpGet(URLS.haproxyStatsCsv);
  t.equal(csv.status, 200);
  t.match(csv.body, /^# pxname,svname,/, 'CSV header');
  t.match(csv.body, /^be_down,down1,.*,DOWN,/m, 'be_down server is DOWN');
  const metrics = await httpGet(URLS.haproxyMetrics);
  t.equal(metrics.status, 200);
  t.match(metrics.body, /^haproxy_frontend_http_requests_total\{proxy="fe_http"\} \d+/m, 'promex metrics');
});

void t.test('rsyslog files logger messages in every format', async (t) => {
  await requireService(t, 'rsyslog');
  const token = uniqueToken('herald-logger');
  const since = {
    messages: await fileOffset(FILES.messagesLog),
    rfc5424: await fileOffset(FILES.messagesRfc5424Log),
    precise: await fileOffset(FILES.messagesPreciseLog),
    haproxy: await fileOffset(FILES.haproxyLog),
  };
  await logger(['-n', '127.0.0.1', '-P', String(PORTS.rsyslog), '-d', '-t', 'herald-test', '-p', 'local3.warning', `udp ${token}`]);
  await logger(['-n', '127.0.0.1', '-P', String(PORTS.rsyslog), '-T', '-t', 'herald-test', `tcp ${token}`]);

  const mine = (l: string) => l.includes(token);
  const traditional = await waitForFileLines(FILES.messagesLog, mine, 10_000, { since: since.messages, count: 2 });
  t.match(traditional[0], /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ herald-test udp herald-logger-/, 'traditional format');

  const rfc5424 = await waitForFileLines(FILES.messagesRfc5424Log, mine, 10_000, { since: since.rfc5424, count: 2 });
  t.match(
    rfc5424[0],
    /^<156>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z) \S+ herald-test - - \[timeQuality [^\]]*\] udp herald-logger-/,
    'RFC 5424 (RSYSLOG_SyslogProtocol23Format), local3.warning = <156>',
  );

  const precise = await waitForFileLines(FILES.messagesPreciseLog, mine, 10_000, { since: since.precise, count: 2 });
  t.match(precise[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+([+-]\d\d:\d\d|Z) \S+ herald-test udp herald-logger-/, 'RSYSLOG_FileFormat');

  const haproxyLines = (await waitForFileLines(FILES.haproxyLog, () => true, 0, { since: since.haproxy, count: 0 })).filter(mine);
  t.same(haproxyLines, [], 'non-haproxy messages stay out of haproxy.log');
});
