#!/usr/bin/env node
// Expected documents for the native parsers' differential tests, from the JavaScript reference (dist/).
//   node native/tools/expect.mjs FORMAT LINES_FILE OUT_JSONL [NOW_MS] [TASK_IDS]
// FORMAT: syslog | haproxy | json | glog | plain | sandbox:MODE:RULE (MODE auto|json|glog|plain, RULE stdout|stderr|none).
// Each output line: {"line": …, "nowMs": …, "doc": the document JSON.stringify'd by DocumentEncoder.encode, or null
// when the JavaScript parser failed (the native parser must then decline)}. The origin is fixed (path
// /var/log/x.log, dataset test.ds, host testhost, no identity), as in native/src/testkit.rs. Empty lines are skipped.
// Run `npm run build` first (or point HERALD_DIST at another build of src/). Time zone: the process's (set TZ to test others).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dist = process.env.HERALD_DIST ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const { createParser } = require(join(dist, 'logs/parse/index.js'));
const { SandboxLineParser } = require(join(dist, 'logs/sandbox/sandbox-parser.js'));
const { makeLogEvent } = require(join(dist, 'pipeline/records.js'));
const { DocumentEncoder } = require(join(dist, 'sinks/elasticsearch/encode.js'));

const [format, input, output, nowArg, taskArg] = process.argv.slice(2);
if (!format || !input || !output) {
  process.stderr.write('usage: expect.mjs FORMAT LINES_FILE OUT_JSONL [NOW_MS] [TASK_IDS comma-separated]\n');
  process.exit(2);
}
const nowMs = nowArg ? Number(nowArg) : Date.UTC(2026, 10, 21, 12, 0, 0, 0);
let parser;
if (format.startsWith('sandbox:')) {
  const [, mode, rule] = format.split(':');
  parser = new SandboxLineParser({ format: mode, executorRule: rule, taskIds: new Set((taskArg ?? '').split(',').filter(Boolean)) });
} else parser = createParser(format);
const origin = { path: '/var/log/x.log', dataset: 'test.ds', identity: { app: '', docFragment: '', labels: {} } };
const encoder = new DocumentEncoder('testhost');
const out = [];
for (const line of readFileSync(input, 'utf8').split('\n')) {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text === '') continue;
  const ev = makeLogEvent(origin, text, 0, Buffer.byteLength(text), 0, nowMs);
  const reason = parser.parse(ev, nowMs);
  out.push(JSON.stringify({ line: text, nowMs, doc: reason === undefined ? encoder.encode(ev) : null }));
}
writeFileSync(output, out.join('\n') + '\n');
process.stderr.write(`${out.length} lines → ${output}\n`);
