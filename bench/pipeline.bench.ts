/**
 * tail → parse → embedded file output, measured on the real agent process (dist/main.js):
 * lines/s, MB/s, CPU seconds per GiB (user+sys of the agent from /proc), peak RSS (VmHWM); median of runs.
 *   npm run build && npx tsc -p tsconfig.json --outDir /tmp/hb && node /tmp/hb/bench/pipeline.bench.js [MiB] [runs] [extra config] [agents]
 * With agents = 2, two agent processes run at once over disjoint halves of the corpus (split by the measured
 * cost of each format), and the figures are their sum: what sharding the work over both cores gives, the
 * ceiling of any multi-threaded design on this machine (peak RSS is the sum of both peaks).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from './corpus';
import { REPO, measureRuns, type MeasuredRun, runAgentUntilDrained, stopAgent } from './agent-process';

type Corpus = ReturnType<typeof generateCorpus>;
type CorpusFile = Corpus['files'][number];

async function runOnce(files: readonly CorpusFile[], extraConfig: string): Promise<MeasuredRun> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const entries = files.map((f) => `    - { path: ${f.path}, format: ${f.format}, start_at: beginning${f.format === 'plain' ? `, multiline: { start_pattern: '^\\d{4}-' }` : ''} }`);
  const config = join(dir, 'herald.yaml');
  writeFileSync(config, [`state_dir: ${dir}/state`, 'server: { port: 0 }', 'log_level: warn', extraConfig, 'logs:', '  files:', ...entries].join('\n'));
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  const run = await runAgentUntilDrained(config, 'files', bytes, 600_000);
  await stopAgent(run);
  rmSync(dir, { recursive: true, force: true });
  return { seconds: run.seconds, cpuSec: run.cpuSec, hwmBytes: run.hwmBytes, lines: run.lines, bytes, fullGcs: run.fullGcs };
}

/** One core's cost per line by format (stages.bench.ts), to split the corpus into halves of equal work. */
const NS_PER_LINE: Record<string, number> = { haproxy: 11_000, json: 3_400, syslog: 3_000, plain: 1_200 };

/** The corpus files dealt to `n` agents, heaviest first to the least loaded. */
function shards(files: readonly CorpusFile[], n: number): CorpusFile[][] {
  const out: CorpusFile[][] = Array.from({ length: n }, () => []);
  const load = new Array<number>(n).fill(0);
  const cost = (f: CorpusFile) => f.lines * (NS_PER_LINE[f.format] ?? 3_000);
  for (const f of [...files].sort((a, b) => cost(b) - cost(a))) {
    const i = load.indexOf(Math.min(...load));
    (out[i] as CorpusFile[]).push(f);
    load[i] = (load[i] as number) + cost(f);
  }
  return out.filter((s) => s.length > 0);
}

/** Agents at once over disjoint shards: their sum, timed by the last to finish. */
async function runSharded(corpus: Corpus, agents: number, extraConfig: string): Promise<MeasuredRun> {
  const runs = await Promise.all(shards(corpus.files, agents).map((files) => runOnce(files, extraConfig)));
  return {
    seconds: Math.max(...runs.map((r) => r.seconds)),
    cpuSec: runs.reduce((n, r) => n + r.cpuSec, 0),
    hwmBytes: runs.reduce((n, r) => n + r.hwmBytes, 0),
    lines: runs.reduce((n, r) => n + r.lines, 0),
    bytes: corpus.bytes,
    fullGcs: runs.reduce((n, r) => n + r.fullGcs, 0),
  };
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 300);
  const runs = Number(process.argv[3] ?? 3);
  const extra = process.argv[4] ?? '';
  const agents = Number(process.argv[5] ?? 1);
  const corpus = generateCorpus(join(REPO, 'bench', '.corpus'), mib * 1024 * 1024);
  process.stdout.write(`corpus: ${corpus.lines} lines, ${(corpus.bytes / 1048576).toFixed(0)} MiB, ${corpus.files.length} files\n`);
  if (agents > 1) process.stdout.write(`${agents} agent processes at once over disjoint shards of the corpus; figures are their sum\n`);
  await measureRuns(runs, () => (agents > 1 ? runSharded(corpus, agents, extra) : runOnce(corpus.files, extra)));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
