/**
 * The agent as a measured process, shared by the end-to-end benchmarks: start dist/main.js on a config,
 * read its own /metrics, wait until a source has read everything and nothing is in flight, and read its
 * CPU time (utime+stime) and peak RSS (VmHWM) from /proc.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { NODE_FLAGS as RUNTIME_FLAGS } from '../src/agent/runtime';

export const REPO = process.env['HERALD_REPO'] ?? process.cwd();
/**
 * Node.js/V8 flags for the agent process under test: those every entry point starts it with, then any in
 * HERALD_BENCH_NODE_FLAGS (space-separated; a later flag wins, e.g. `--max-semi-space-size=8`).
 */
const NODE_FLAGS = [...RUNTIME_FLAGS, ...(process.env['HERALD_BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '')];
const MAIN = join(REPO, 'dist', 'main.js');

export function procStat(pid: number): { cpuSec: number; hwmBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { cpuSec: (Number(fields[11]) + Number(fields[12])) / 100, hwmBytes: Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024 };
}

export async function metric(port: number, re: RegExp): Promise<number> {
  return metricIn(await metricsText(port), re);
}

async function metricsText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

function metricIn(text: string, re: RegExp): number {
  return Number(re.exec(text)?.[1] ?? NaN);
}

export interface AgentRun {
  seconds: number;
  cpuSec: number;
  hwmBytes: number;
  lines: number;
  /** Full (mark-compact) collections during the run: 2-3 in a healthy run, dozens when V8 thrashes. */
  fullGcs: number;
  port: number;
  child: ChildProcessByStdio<null, Readable, null>;
}

/**
 * Runs the agent on `configFile` until source `source` has read `bytes` bytes and has no batch in flight
 * (bounded by `limitMs`). The agent is left running: read more metrics, then `stopAgent`.
 */
export async function runAgentUntilDrained(configFile: string, source: string, bytes: number, limitMs: number): Promise<AgentRun> {
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN, 'run', '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, HERALD_LOG_LEVEL: 'info' } });
  let out = '';
  const port = await new Promise<number>((res, rej) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)\},"msg":"herald started"/.exec(out);
      if (m) res(Number(m[1]));
    });
    child.once('exit', () => rej(new Error(`herald exited: ${out}`)));
  });
  child.stdout.resume();
  const pid = child.pid as number; // set once the process started (it answered on stdout)
  const started = performance.now();
  const cpu0 = procStat(pid).cpuSec;
  const readRe = new RegExp(`herald_tail_bytes_total\\{source="${source}"\\} (\\d+)`);
  const inflightRe = new RegExp(`herald_pipeline_batches_in_flight\\{source="${source}"\\} (\\d+)`);
  for (;;) {
    // One scrape per poll: each one renders every metric on the agent's main thread (1% of it at 10 a second).
    await new Promise((r) => setTimeout(r, 100));
    const text = await metricsText(port);
    if (metricIn(text, readRe) >= bytes && metricIn(text, inflightRe) === 0) break;
    if (performance.now() - started > limitMs) throw new Error(`benchmark run exceeded ${limitMs / 60_000} minutes`);
  }
  const seconds = (performance.now() - started) / 1000;
  const { cpuSec, hwmBytes } = procStat(pid);
  const lines = await metric(port, new RegExp(`herald_tail_lines_total\\{source="${source}"\\} (\\d+)`));
  const fullGcs = await metric(port, /herald_nodejs_gc_duration_seconds_count\{kind="major"\} (\d+)/);
  return { seconds, cpuSec: cpuSec - cpu0, hwmBytes, lines, fullGcs, port, child };
}

export async function stopAgent(run: AgentRun): Promise<void> {
  run.child.kill('SIGTERM');
  await new Promise((r) => run.child.once('exit', r));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** What a run measured, over a corpus of `bytes`. */
export interface MeasuredRun { seconds: number; cpuSec: number; hwmBytes: number; lines: number; bytes: number; fullGcs: number }

const figures = (lps: number, mibps: number, cpuPerGiB: number, rssMiB: number) =>
  `${lps.toFixed(0)} lines/s, ${mibps.toFixed(1)} MiB/s, ${cpuPerGiB.toFixed(1)} CPU s/GiB, peak RSS ${rssMiB.toFixed(0)} MiB`;

/** Runs `once` `runs` times, printing each run (with `extra(run)` appended) and then the medians. */
export async function measureRuns<R extends MeasuredRun>(runs: number, once: (i: number) => Promise<R>, extra: (r: R) => string = () => ''): Promise<void> {
  const results: R[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await once(i);
    results.push(r);
    process.stdout.write(`run ${i + 1}: ${figures(r.lines / r.seconds, r.bytes / 1048576 / r.seconds, r.cpuSec / (r.bytes / 2 ** 30), r.hwmBytes / 1048576)}, ${r.fullGcs} full GCs${extra(r)}\n`);
  }
  const m = (f: (r: R) => number) => median(results.map(f));
  process.stdout.write(`median of ${runs}: ${figures(m((r) => r.lines / r.seconds), m((r) => r.bytes / 1048576 / r.seconds), m((r) => r.cpuSec / (r.bytes / 2 ** 30)), m((r) => r.hwmBytes / 1048576))}\n`);
}
