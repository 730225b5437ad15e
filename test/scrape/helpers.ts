/**
 * Test helpers of the scrape tests: a local HTTP server whose behaviour the test switches, a Mesos metadata
 * fake fed with recorded agent /state payloads (test/fixtures/scrape/mesos), and target construction through
 * the real config schema.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentInfo, ExecutorRun, MesosMetadata, MesosTask } from '../../src/mesos/model';
import { scrapeSchema, type ScrapeConfig } from '../../src/scrape/config';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'scrape');

export interface LocalServer {
  port: number;
  url(path?: string): string;
  hits: number;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

export async function localServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const s: LocalServer = {
    port: 0,
    hits: 0,
    handler,
    url: (path = '/metrics') => `http://127.0.0.1:${s.port}${path}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    s.hits++;
    s.handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  s.port = (server.address() as AddressInfo).port;
  return s;
}

export function scrapeConfig(raw: Record<string, unknown>): ScrapeConfig {
  return scrapeSchema.parse({ self: false, ...raw });
}

interface RawTask {
  id: string; name: string; state: string; labels?: { key: string; value: string }[];
  resources?: { ports?: string }; statuses?: { container_status?: { network_infos?: { ip_addresses?: { ip_address: string }[] }[] } }[];
}
interface RawExecutor { id: string; name: string; container: string; directory?: string; labels?: { key: string; value: string }[]; tasks: RawTask[] }
interface RawFramework { id: string; name: string; executors: RawExecutor[] }
export interface RawState { id?: string; hostname?: string; frameworks: RawFramework[] }

/** "[31000-31002, 31915-31915]" → [31000, 31001, 31002, 31915] */
function expandPorts(ranges: string | undefined): number[] {
  if (ranges === undefined) return [];
  const out: number[] = [];
  for (const part of ranges.replace(/[[\]\s]/g, '').split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) continue;
    for (let p = a; p <= (b ?? a); p++) out.push(p);
  }
  return out;
}

function labelsOf(list: { key: string; value: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list ?? []) out[l.key] = l.value;
  return out;
}

/** Minimal normalisation of a recorded /state into the shared contract (the real one lives in src/mesos/). */
export function runsFromState(state: RawState): ExecutorRun[] {
  const runs: ExecutorRun[] = [];
  for (const fw of state.frameworks) {
    for (const ex of fw.executors) {
      const tasks: MesosTask[] = ex.tasks.map((t) => ({
        id: t.id,
        name: t.name,
        state: t.state,
        labels: labelsOf(t.labels),
        hostPorts: expandPorts(t.resources?.ports),
        portNames: {},
        ipAddresses: (t.statuses ?? []).flatMap((s) => s.container_status?.network_infos ?? []).flatMap((n) => n.ip_addresses ?? []).map((i) => i.ip_address),
      }));
      // Marathon task ids are "<app path with dots>.<uuid>": app "/" + first part (FORMATS.md §2.3).
      const first = ex.tasks[0]?.id ?? ex.id;
      const app = fw.name === 'marathon' ? `/${first.slice(0, first.lastIndexOf('.')).split('_').join('/')}` : `${fw.name}/${ex.id}`;
      runs.push({
        agentId: state.id ?? '', frameworkId: fw.id, frameworkName: fw.name, executorId: ex.id, executorName: ex.name,
        containerId: ex.container, directory: ex.directory ?? '', completed: false, tasks,
        app, appSource: fw.name === 'marathon' ? 'marathon_task_id' : 'framework_executor', labels: tasks[0]?.labels ?? labelsOf(ex.labels),
      });
    }
  }
  return runs;
}

export function loadState(file: string): RawState {
  return JSON.parse(readFileSync(join(FIXTURES, 'mesos', file), 'utf8')) as RawState;
}

/** MesosMetadata served from a recorded /state; the test swaps the payload and fires onChange. */
export class FakeMetadata implements MesosMetadata {
  reachable = true;
  #state: RawState;
  #runs: ExecutorRun[];
  readonly #listeners = new Set<() => void>();
  constructor(state: RawState) {
    this.#state = state;
    this.#runs = runsFromState(state);
  }
  setState(state: RawState): void {
    this.#state = state;
    this.#runs = runsFromState(state);
    for (const l of this.#listeners) l();
  }
  async refresh(): Promise<boolean> {
    return true;
  }
  refreshSoon(): void {}
  agent(): AgentInfo {
    return { agentId: this.#state.id, hostname: this.#state.hostname, workDir: undefined, version: undefined };
  }
  runs(): readonly ExecutorRun[] {
    return this.#runs;
  }
  bySandbox(): ExecutorRun | undefined {
    return undefined;
  }
  byContainerId(): ExecutorRun | undefined {
    return undefined;
  }
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  get listeners(): number {
    return this.#listeners.size;
  }
  close(): void {}
}

/** Drain a source's batches into `records` until the returned stop() is called. */
export function drain<R>(source: { batches(signal: AbortSignal): AsyncIterable<{ records: R[] }> }, records: R[]): { stop(): Promise<void> } {
  const ac = new AbortController();
  const done = (async () => {
    for await (const b of source.batches(ac.signal)) records.push(...b.records);
  })();
  return {
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}
