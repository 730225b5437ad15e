/**
 * tail → parse → embedded file output, measured on the real agent process (dist/main.js):
 * lines/s, MB/s, CPU seconds per GiB (user+sys of the agent from /proc), peak RSS (VmHWM); median of runs.
 *   npm run build && npx tsc -p tsconfig.json --outDir /tmp/hb && node /tmp/hb/bench/pipeline.bench.js [MiB] [runs]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from './corpus';
import { REPO, median, runAgentUntilDrained, stopAgent } from './agent-process';

interface Run { seconds: number; cpuSec: number; hwmBytes: number; lines: number; bytes: number }

async function runOnce(corpus: ReturnType<typeof generateCorpus>, extraConfig: string): Promise<Run> {
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
