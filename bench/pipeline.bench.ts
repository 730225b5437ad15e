/**
 * tail → parse → embedded file output, measured on the real agent process (dist/main.js):
 * lines/s, MB/s, CPU seconds per GiB (user+sys of the agent from /proc), peak RSS (VmHWM); median of runs.
 *   npm run build && npx tsc -p tsconfig.json --outDir /tmp/hb && node /tmp/hb/bench/pipeline.bench.js [MiB] [runs]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from './corpus';
import { REPO, measureRuns, type MeasuredRun, runAgentUntilDrained, stopAgent } from './agent-process';

async function runOnce(corpus: ReturnType<typeof generateCorpus>, extraConfig: string): Promise<MeasuredRun> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const files = corpus.files.map((f) => `    - { path: ${f.path}, format: ${f.format}, start_at: beginning${f.format === 'plain' ? `, multiline: { start_pattern: '^\\d{4}-' }` : ''} }`);
  const config = join(dir, 'herald.yaml');
  writeFileSync(config, [`state_dir: ${dir}/state`, 'server: { port: 0 }', 'log_level: warn', extraConfig, 'logs:', '  files:', ...files].join('\n'));
  const run = await runAgentUntilDrained(config, 'files', corpus.bytes, 600_000);
  await stopAgent(run);
  rmSync(dir, { recursive: true, force: true });
  return { seconds: run.seconds, cpuSec: run.cpuSec, hwmBytes: run.hwmBytes, lines: run.lines, bytes: corpus.bytes };
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 300);
  const runs = Number(process.argv[3] ?? 3);
  const extra = process.argv[4] ?? '';
  const corpus = generateCorpus(join(REPO, 'bench', '.corpus'), mib * 1024 * 1024);
  process.stdout.write(`corpus: ${corpus.lines} lines, ${(corpus.bytes / 1048576).toFixed(0)} MiB, ${corpus.files.length} files\n`);
  await measureRuns(runs, () => runOnce(corpus, extra));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
