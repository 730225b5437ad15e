/**
 * tail → parse → embedded file output, measured on the real agent process (dist/main.js):
 * lines/s, MB/s, CPU seconds per GiB (user+sys of the agent from /proc), peak RSS (VmHWM); median of runs.
 *   npm run build && npx tsc -p tsconfig.json --outDir /tmp/hb && node /tmp/hb/bench/pipeline.bench.js [MiB] [runs]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from './corpus';

const REPO = process.env['HERALD_REPO'] ?? process.cwd();
const MAIN = join(REPO, 'dist', 'main.js');

function procStat(pid: number): { cpuSec: number; hwmBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  return { cpuSec: ticks / 100, hwmBytes: hwm };
}

async function metric(port: number, re: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(re.exec(text)?.[1] ?? NaN);
}

interface Run { seconds: number; cpuSec: number; hwmBytes: number; lines: number; bytes: number }

async function runOnce(corpus: ReturnType<typeof generateCorpus>, extraConfig: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const files = corpus.files.map((f) => `    - { path: ${f.path}, format: ${f.format}, start_at: beginning${f.format === 'plain' ? `, multiline: { start_pattern: '^\\d{4}-' }` : ''} }`);
  const config = join(dir, 'herald.yaml');
  writeFileSync(config, [`state_dir: ${dir}/state`, 'server: { port: 0 }', 'log_level: warn', extraConfig, 'logs:', '  files:', ...files].join('\n'));
  const child = spawn(process.execPath, [MAIN, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, HERALD_LOG_LEVEL: 'info' } });
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
  const started = performance.now();
  const cpu0 = procStat(child.pid as number).cpuSec;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const bytes = await metric(port, /herald_tail_bytes_total\{source="files"\} (\d+)/);
    const inflight = await metric(port, /herald_pipeline_batches_in_flight\{source="files"\} (\d+)/);
    if (bytes >= corpus.bytes && inflight === 0) break;
    if (performance.now() - started > 600_000) throw new Error('benchmark run exceeded 10 minutes');
  }
  const seconds = (performance.now() - started) / 1000;
  const { cpuSec, hwmBytes } = procStat(child.pid as number);
  const lines = await metric(port, /herald_tail_lines_total\{source="files"\} (\d+)/);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { seconds, cpuSec: cpuSec - cpu0, hwmBytes, lines, bytes: corpus.bytes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 300);
  const runs = Number(process.argv[3] ?? 3);
  const extra = process.argv[4] ?? '';
  const corpus = generateCorpus(join(REPO, 'bench', '.corpus'), mib * 1024 * 1024);
  process.stdout.write(`corpus: ${corpus.lines} lines, ${(corpus.bytes / 1048576).toFixed(0)} MiB, ${corpus.files.length} files\n`);
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runOnce(corpus, extra);
    results.push(r);
    process.stdout.write(`run ${i + 1}: ${(r.lines / r.seconds).toFixed(0)} lines/s, ${(r.bytes / 1048576 / r.seconds).toFixed(1)} MiB/s, ${(r.cpuSec / (r.bytes / 2 ** 30)).toFixed(1)} CPU s/GiB, peak RSS ${(r.hwmBytes / 1048576).toFixed(0)} MiB\n`);
  }
  const m = (f: (r: Run) => number) => median(results.map(f));
  process.stdout.write(
    `median of ${runs}: ${m((r) => r.lines / r.seconds).toFixed(0)} lines/s, ${m((r) => r.bytes / 1048576 / r.seconds).toFixed(1)} MiB/s, ` +
      `${m((r) => r.cpuSec / (r.bytes / 2 ** 30)).toFixed(1)} CPU s/GiB, peak RSS ${m((r) => r.hwmBytes / 1048576).toFixed(0)} MiB\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
