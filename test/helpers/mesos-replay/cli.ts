/**
 * Runs a replayed Mesos agent for benchmarks and manual tests:
 *
 *   node -r @isaacs/ts-node-temp-fork-for-pr-2009/register test/helpers/mesos-replay/cli.ts \
 *     --port 5051 --work-dir /tmp/herald-bench/mesos --executors 200 [--apps 20] [--tick-ms 1000] [--create-dirs]
 *
 * Prints one JSON line ({"url", "workDir", "executors"}) once listening; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startMesosReplay } from './replay-server';

/** Deterministic ids: executor i belongs to app /bench/app-<i mod apps>, with an incarnation-era task id. */
export function benchIds(i: number, apps: number): { taskId: string; containerId: string; port: number; team: string } {
  const hex = i.toString(16).padStart(12, '0');
  return {
    taskId: `bench_app-${i % apps}.instance-00000000-0000-4000-8000-${hex}._app.1`,
    containerId: `10000000-0000-4000-8000-${hex}`,
    port: 31000 + (i % 1000),
    team: `team-${i % 5}`,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'work-dir': { type: 'string' },
      executors: { type: 'string', default: '0' },
      apps: { type: 'string', default: '20' },
      'tick-ms': { type: 'string' },
      'create-dirs': { type: 'boolean', default: false },
    },
  });
  const workDir = values['work-dir'];
  const tickMs = values['tick-ms'];
  const agent = await startMesosReplay({
    port: Number(values.port),
    ...(workDir !== undefined ? { workDir } : {}),
    ...(tickMs !== undefined ? { autoTickMs: Number(tickMs) } : {}),
  });
  const n = Number(values.executors);
  const apps = Math.max(1, Number(values.apps));
  for (let i = 0; i < n; i++) {
    const id = benchIds(i, apps);
    agent.addExecutor({ taskId: id.taskId, containerId: id.containerId, ports: [id.port], labels: { team: id.team }, createDirectory: values['create-dirs'] && workDir !== undefined });
  }
  process.stdout.write(`${JSON.stringify({ url: agent.url, workDir: agent.state.workDir, executors: n + 1 })}\n`);
  const stop = (): void => void agent.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
