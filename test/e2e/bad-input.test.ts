/**
 * Bad input never stops Herald and every line is accounted for: binary garbage, invalid UTF-8, a 10 MB
 * line, broken JSON, truncated syslog and HAProxy lines all arrive as documents, flagged, none dropped.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOutputDocs, startHerald, stopHerald, writeFilesConfig } from '../helpers/herald-process';
import { until } from '../helpers/fakes';

void t.test('a corpus of bad input: Herald keeps running and ships one flagged document per line', async (t) => {
  const dir = t.testdir();
  const garbage = Buffer.alloc(4096);
  let x = 12345;
  for (let i = 0; i < garbage.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    garbage[i] = x >>> 24 === 0x0a ? 0x0b : x >>> 24;
  }
  const files: Record<string, { format: string; content: Buffer; lines: number; shipped?: number }> = {
    'binary.log': { format: 'plain', content: Buffer.concat([garbage, Buffer.from('\nafter garbage\n')]), lines: 2 },
    'utf8.log': { format: 'plain', content: Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x0a, 0xe2, 0x82, 0x0a, 0xf0, 0x9f, 0x98, 0x80, 0x0a]), lines: 4 },
    'huge.log': { format: 'plain', content: Buffer.concat([Buffer.from('before\n'), Buffer.alloc(10 * 1024 * 1024, 0x61), Buffer.from('\nafter\n')]), lines: 3 },
    'broken.json': { format: 'json', content: Buffer.from('{"msg":"fine","level":"warn"}\n{"msg": "unterminated\n[1,2,3]\nnot json at all\n{}\n'), lines: 5 },
    'syslog.log': { format: 'syslog', content: Buffer.from('<34>Oct 11 22:14:15 mymachine su: ok\n<34>Oct 11 22:1\n<999>Oct 11 22:14:15 host x: y\n\n<13>1 2003-10-11T22:14:15.003Z host app - - -\n'), lines: 5, shipped: 4 },
    'haproxy.log': {
      format: 'haproxy',
      content: Buffer.from(
        'Nov 21 12:00:00 node-1 haproxy[1]: 10.0.0.1:5000 [21/Nov/2026:12:00:00.123] fe be/s1 0/0/1/2/3 200 512 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"\n' +
          'Nov 21 12:00:00 node-1 haproxy[1]: 10.0.0.1:5000 [21/Nov/2026:12:00:00.123] fe be/s1 0/0/1/2/3 200 51\n' +
          'haproxy[1]: garbage\n',
      ),
      lines: 3,
    },
  };
  const inputs = join(dir, 'in');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(inputs);
  for (const [name, f] of Object.entries(files)) writeFileSync(join(inputs, name), f.content);
  const config = writeFilesConfig(
    dir,
    Object.entries(files).map(([name, f]) => `{ path: ${join(inputs, name)}, format: ${f.format}, start_at: beginning, max_line_bytes: 64KiB }`),
  );
  const herald = await startHerald(config);
  t.teardown(() => stopHerald(herald, 'SIGKILL'));
  // Every physical line is counted; empty lines carry nothing and are counted but not shipped.
  const physical = Object.values(files).reduce((a, f) => a + f.lines, 0);
  const expected = Object.values(files).reduce((a, f) => a + (f.shipped ?? f.lines), 0);
  const out = join(dir, 'state', 'output');
  await until(() => readOutputDocs(out).length >= expected, 30_000, `${expected} documents`).catch(() => undefined);
  const docs = readOutputDocs(out);
  t.equal(docs.length, expected, 'one document per line, none dropped, none extra');
  const byFile = (name: string) => docs.filter((d) => (d['log'] as { file: { path: string } }).file.path === join(inputs, name));
  const flags = (d: Record<string, unknown>) => ((d['log'] as { flags?: string[] }).flags ?? []);

  const bin = byFile('binary.log');
  t.ok(flags(bin[0]!).includes('binary'), 'garbage is flagged binary');
  t.equal(bin[1]?.['message'], 'after garbage', 'and the next line is intact');

  const utf = byFile('utf8.log');
  t.same(utf.map((d) => flags(d).includes('invalid_utf8')), [true, true, true, false]);
  t.equal(utf[3]?.['message'], '\u{1F600}', 'valid 4-byte UTF-8 is untouched');

  const huge = byFile('huge.log');
  t.same(huge.map((d) => d['message'] as string).filter((m) => m.length < 100), ['before', 'after']);
  const cut = huge[1]!;
  t.ok(flags(cut).includes('truncated'));
  t.equal(String(cut['message']).length, 65536, 'cut at max_line_bytes');

  const json = byFile('broken.json');
  t.equal(json[0]?.['message'], 'fine');
  t.equal((json[0]?.['log'] as { level?: string }).level, 'warn');
  t.same(json.slice(1).map((d) => flags(d).includes('parse_failure')), [true, true, true, false], 'broken, non-object and non-JSON lines are shipped as text, flagged');
  t.equal(json[1]?.['message'], '{"msg": "unterminated');

  const sys = byFile('syslog.log');
  t.equal(sys.length, 4, 'the empty line is not shipped');
  t.equal(sys[0]?.['message'], 'ok');
  t.equal(sys[1]?.['message'], 'Oct 11 22:1', 'a truncated header keeps its PRI, the rest is the message (as rsyslog does)');
  t.ok(flags(sys[2]!).includes('parse_failure'), 'an invalid PRI is a parse failure, shipped as text');
  t.equal(sys[2]?.['message'], '<999>Oct 11 22:14:15 host x: y');
  t.equal((sys[3]?.['log'] as { syslog?: { appname?: string } }).syslog?.appname, 'app', 'RFC 5424 without MSG parses');
  t.ok(sys.every((d) => typeof d['@timestamp'] === 'string'));

  const ha = byFile('haproxy.log');
  t.equal((ha[0]?.['http'] as { response: { status_code: number } }).response.status_code, 200);
  t.ok(flags(ha[1]!).includes('parse_failure') && flags(ha[2]!).includes('parse_failure'));

  const metrics = await (await fetch(`http://127.0.0.1:${herald.port}/metrics`)).text();
  t.match(metrics, /herald_tail_lines_truncated_total\{source="files"\} 1/);
  t.match(metrics, new RegExp(`herald_tail_lines_total\\{source="files"\\} ${physical}\\b`), 'every physical line counted');
  t.equal(herald.child.exitCode, null, 'still running');
  t.equal(await stopHerald(herald), 0);
});
