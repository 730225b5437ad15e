/**
 * Real HAProxy and a private rsyslog (scripts/services.sh): requests driven through HAProxy's HTTP, TCP and
 * plain frontends, and syslog messages sent to rsyslog, end up as the documents Herald writes.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { heraldMetric, readOutputDocs, startHerald, stopHerald, writeFilesConfig } from '../helpers/herald-process';
import { FILES, PORTS, URLS, httpGet, requireService, sendSyslogTcp, sendSyslogUdp, tcpConnect, tcpExchange, uniqueToken } from '../helpers/services';
import { until } from '../helpers/fakes';
import { waitFor } from './e2e-services';

// Documents are checked field by field; their shape is what the test asserts, so it is typed loosely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

void t.test('HAProxy logs via rsyslog: HTTP 200/404/503, TCP, default format; syslog 3164 and 5424', async (t) => {
  await requireService(t, 'rsyslog');
  await requireService(t, 'haproxy');
  const dir = t.testdir();
  const config = writeFilesConfig(dir, [
    `{ path: ${FILES.haproxyLog}, format: haproxy }`,
    `{ path: ${FILES.messagesLog}, format: syslog }`,
    `{ path: ${FILES.messagesRfc5424Log}, format: syslog, dataset: system.syslog5424 }`,
  ]);
  const herald = await startHerald(config);
  t.teardown(() => stopHerald(herald, 'SIGKILL'));
  // start_at: end: only what happens from now on. Lines written before the tailer has opened a file at its
  // end would not be read, so wait until the files that exist are open (a fixed pause is too short on a busy
  // machine). A file rsyslog has not created yet is new when it appears, and read from its start.
  const present = [FILES.haproxyLog, FILES.messagesLog, FILES.messagesRfc5424Log].filter((f) => existsSync(f)).length;
  await waitFor(async () => ((await heraldMetric(herald, 'herald_tail_files_open', { source: 'files' })) ?? 0) >= present, 20_000, 'the log files open', 50);

  const token = uniqueToken('req');
  t.equal((await httpGet(`${URLS.haproxy}/?t=${token}`)).status, 200);
  t.equal((await httpGet(`${URLS.haproxy}/missing?t=${token}`)).status, 404);
  t.equal((await httpGet(`${URLS.haproxy}/down?t=${token}`)).status, 503);
  await tcpExchange(PORTS.haproxyTcp, `GET /?t=${token} HTTP/1.0\r\n\r\n`);
  await tcpConnect(PORTS.haproxyPlain);
  const app = uniqueToken('app');
  await sendSyslogUdp(`<34>Nov 21 12:00:00 somehost ${app}[4242]: rfc3164 message ${app}`);
  await sendSyslogTcp([`<165>1 2026-11-21T12:00:00.123456Z somehost ${app} 77 ID47 [exampleSDID@32473 iut="3" eventSource="Application"] rfc5424 message ${app}`]);

  const out = join(dir, 'state', 'output');
  const docs = (): Doc[] => readOutputDocs(out);
  const haproxy = () => docs().filter((d) => d.event.dataset === 'haproxy.log');
  await until(() => haproxy().filter((d) => String(d.url?.original ?? '').includes(token)).length >= 3, 15_000, 'three HTTP log lines').catch(() => undefined);
  // HAProxy writes a TCP log line when the session ends, which can be after the client has seen the close:
  // wait for it (and the plain frontend's line) rather than assume it came with the HTTP lines.
  const frontendLine = (name: string) => haproxy().some((d) => d.haproxy?.frontend_name === name);
  await until(() => frontendLine('fe_tcp') && frontendLine('fe_plain'), 15_000, 'the TCP and plain frontend lines').catch(() => undefined);
  // Each message reaches both files, at its own pace: wait for the two documents asserted below.
  const syslogDoc = (dataset: string, kind: string) => docs().find((d) => d.event.dataset === dataset && String(d.message).includes(app) && String(d.message).includes(kind));
  await until(() => syslogDoc('system.syslog', 'rfc3164') !== undefined && syslogDoc('system.syslog5424', 'rfc5424') !== undefined, 15_000, 'syslog lines').catch(() => undefined);

  const http = haproxy().filter((d) => String(d.url?.original ?? '').includes(token));
  const byStatus = (s: number) => http.find((d) => d.http?.response?.status_code === s);
  const ok = byStatus(200);
  t.ok(ok, 'the 200 line');
  t.equal(ok?.haproxy?.frontend_name, 'fe_http');
  t.equal(ok?.haproxy?.backend_name, 'be_app');
  t.equal(ok?.source?.ip, '127.0.0.1');
  t.equal(ok?.http?.request?.method, 'GET');
  t.equal(ok?.log?.flags, undefined, 'parsed cleanly');
  t.ok(byStatus(404), 'the 404 line');
  const down = byStatus(503);
  t.equal(down?.haproxy?.server_name, '<NOSRV>', 'the 503 has no server');
  t.equal(down?.haproxy?.termination_state, 'SC--');

  // The tcplog line: `ip:port [date] fe_tcp be_tcp/srv Tw/Tc/Tt bytes ts ac/fc/bc/sc/rc sq/bq`.
  const tcp = haproxy().filter((d) => d.haproxy?.frontend_name === 'fe_tcp');
  t.ok(tcp.length >= 1, 'the TCP log line');
  const tl = tcp[0];
  t.equal(tl?.log?.flags, undefined, 'the TCP line parsed cleanly');
  t.equal(tl?.source?.ip, '127.0.0.1');
  t.equal(tl?.haproxy?.backend_name, 'be_tcp');
  t.equal(typeof tl?.haproxy?.server_name, 'string');
  t.ok(tl?.haproxy?.server_name !== '<NOSRV>', 'served by a server');
  t.ok(typeof tl?.haproxy?.total_time_ms === 'number' && tl.haproxy.total_time_ms >= 0, 'total time (Tt)');
  t.ok(typeof tl?.haproxy?.connection_wait_time_ms === 'number', 'connect time (Tc)');
  t.ok(typeof tl?.haproxy?.bytes_read === 'number' && tl.haproxy.bytes_read > 0, 'the response bytes (the backend answered)');
  t.match(tl?.haproxy?.termination_state, /^[-A-Za-z]{2}$/, 'two-character TCP termination state');
  t.match(tl?.haproxy?.connections, { active: Number, frontend: Number, backend: Number, server: Number, retries: 0 });
  t.equal(tl?.http, undefined, 'no HTTP fields on a TCP line');
  // The default format of a frontend with neither httplog nor tcplog: `Connect from ip:port to ip:port (fe/TCP)`.
  const plain = haproxy().filter((d) => d.haproxy?.frontend_name === 'fe_plain');
  t.ok(plain.length >= 1, 'the "Connect from" line of the frontend with neither httplog nor tcplog');
  t.equal(plain[0]?.source?.ip, '127.0.0.1');
  t.equal(plain[0]?.destination?.ip, '127.0.0.1');
  t.equal(plain[0]?.destination?.port, PORTS.haproxyPlain);
  t.equal(plain[0]?.haproxy?.mode, 'TCP');
  t.ok(haproxy().every((d) => !((d.log?.flags ?? []) as string[]).includes('parse_failure') || /is DOWN|no server available|Proxy .* started|Server .* is UP/.test(d.message)), 'every request line parses');

  const trad = syslogDoc('system.syslog', 'rfc3164');
  t.equal(trad?.message, `rfc3164 message ${app}`, 'message is the MSG part');
  t.equal(trad?.process?.name, app);
  t.equal(trad?.process?.pid, 4242);
  const proto = syslogDoc('system.syslog5424', 'rfc5424');
  t.equal(proto?.log?.syslog?.appname, app);
  t.equal(proto?.log?.syslog?.msgid, 'ID47');
  t.equal(proto?.log?.syslog?.priority, 165);
  t.equal(proto?.log?.level, 'notice');
  t.equal(await stopHerald(herald), 0);
});
