/**
 * Mesos sandboxes → Elasticsearch, measured on the real agent process (dist/main.js): the foundation corpus
 * laid out as the stdout of one sandbox per corpus file (apps of a replayed Mesos agent), shipped either to
 * a loopback bulk receiver that only counts (the agent's own ceiling: test/helpers/counting-receiver.ts, plain
 * sockets, so that it takes as little as it can of the cores the agent runs on) or to the real Elasticsearch.
 * Reports lines/s, MiB/s, CPU seconds per GiB (agent utime+stime) and peak RSS (VmHWM); median of runs.
 *   npm run build && npx tsc -p tsconfig.json --outDir /tmp/hb && ln -sfn $PWD/node_modules /tmp/hb/node_modules
 *   node /tmp/hb/bench/sandbox-es.bench.js [MiB] [runs] [receiver|elasticsearch] [extra config line]
 */
import { copyFileSync, linkSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from './corpus';
import { REPO, measureRuns, type MeasuredRun, metric, runAgentUntilDrained, stopAgent } from './agent-process';
import { startMesosReplay } from '../test/helpers/mesos-replay/replay-server';
import { CountingReceiver } from '../test/helpers/counting-receiver';

const ES = 'http://127.0.0.1:9200';

interface Run extends MeasuredRun { docs: number }

async function runOnce(corpus: ReturnType<typeof generateCorpus>, target: 'receiver' | 'elasticsearch', n: number, extraConfig: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-sbx-'));
  const workDir = join(dir, 'mesos');
  const agent = await startMesosReplay({ workDir });
  corpus.files.forEach((f, i) => {
    const name = f.path.split('/').pop()!.replace(/[^a-z0-9]+/gi, '-').replace(/-log$/, '');
    const ex = agent.addExecutor({ taskId: `bench_${name}.instance-0000000${i}-7714-11e7-a55c-5ecf1c4671f6._app.1`, containerId: `bench-${n}-${i}`, createDirectory: true });
    const sandbox = ex.directory;
    if (sandbox === undefined) throw new Error('the replayed executor has no sandbox directory');
    try {
      linkSync(f.path, join(sandbox, 'stdout'));
    } catch {
      copyFileSync(f.path, join(sandbox, 'stdout'));
    }
  });
  const receiver = target === 'receiver' ? await CountingReceiver.start() : undefined;
  const index = `herald-bench-${process.pid}-${n}`;
  const url = receiver ? receiver.url : ES;
  const config = join(dir, 'herald.yaml');
  writeFileSync(config, [
    `state_dir: ${dir}/state`, 'server: { port: 0 }', 'log_level: warn', extraConfig,
    `mesos: { agent_url: "${agent.url}" }`,
    'metrics: { agent: { enabled: false }, containers: { enabled: false }, host: { enabled: false } }',
    'scrape: { enabled: false }',
    'qos: { enabled: false }',
    'logs:', '  files: []', '  sandboxes: { start_at: beginning }',
    `outputs: { elasticsearch: { url: "${url}", index: "${index}-%Y.%m.%d", dead_letter_index: "${index}-dl-%Y.%m.%d", template: { name: "${index}" } } }`,
  ].join('\n'));
  const run = await runAgentUntilDrained(config, 'sandboxes', corpus.bytes, 1_200_000);
  const docs = await metric(run.port, /herald_elasticsearch_documents_total\{outcome="delivered"\} (\d+)/);
  // What the agent counts as delivered, the receiver must have received (re-sends count there twice).
  if (receiver && receiver.documentCount < docs) throw new Error(`the receiver counted ${receiver.documentCount} documents, the agent delivered ${docs}`);
  await stopAgent(run);
  await receiver?.close();
  await agent.close();
  if (!receiver) {
    await fetch(`${ES}/${index}-*`, { method: 'DELETE' });
    for (const t of [index, `${index}-dead-letter`]) await fetch(`${ES}/_index_template/${t}`, { method: 'DELETE' });
  }
  rmSync(dir, { recursive: true, force: true });
  return { seconds: run.seconds, cpuSec: run.cpuSec, hwmBytes: run.hwmBytes, lines: run.lines, bytes: corpus.bytes, fullGcs: run.fullGcs, docs };
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 300);
  const runs = Number(process.argv[3] ?? 3);
  const target = process.argv[4] === 'elasticsearch' ? 'elasticsearch' : 'receiver';
  const extra = process.argv[5] ?? '';
  const corpus = generateCorpus(join(REPO, 'bench', '.corpus'), mib * 1024 * 1024);
  process.stdout.write(`corpus: ${corpus.lines} lines, ${(corpus.bytes / 1048576).toFixed(0)} MiB, ${corpus.files.length} sandboxes → ${target}\n`);
  await measureRuns(runs, (i) => runOnce(corpus, target, i, extra), (r) => `, ${r.docs} documents delivered`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
