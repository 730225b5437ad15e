/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call -- recorded JSON of varying shape, read field by field */
/**
 * The Mesos side for metrics tests, built only from recorded payloads: a local HTTP server replaying
 * fixture files (`FixtureAgent`), a minimal MesosAgentClient over it, and a MesosMetadata built from a
 * recorded `/state` (the real one is another component; this fake follows src/mesos/model.ts).
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ErrorCode, HeraldError } from '../../src/errors';
import type { AgentInfo, ExecutorRun, MesosAgentClient, MesosMetadata, MesosTask } from '../../src/mesos/model';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'metrics');
export const fixturePath = (rel: string) => join(FIXTURES, rel);
export const fixtureText = (rel: string) => readFileSync(fixturePath(rel), 'utf8');
export const fixtureJson = (rel: string): any => JSON.parse(fixtureText(rel));

/** Serves `routes[path without query]` (a body string); 404 otherwise. Counts requests per path. */
export class FixtureAgent {
  readonly routes = new Map<string, string>();
  readonly hits = new Map<string, number>();
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] as string;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      const body = this.routes.get(path);
      if (body === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.#server) return;
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server!.close(r));
  }
}

/** GET + JSON.parse; non-2xx → HeraldError naming the path and the status, as the contract describes. */
export function httpClient(baseUrl: string): MesosAgentClient & { paths: string[] } {
  const paths: string[] = [];
  return {
    baseUrl,
    paths,
    async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
      paths.push(path);
      let res: Response;
      try {
        res = await fetch(baseUrl + path, signal ? { signal } : {});
      } catch (err) {
        throw new HeraldError(ErrorCode.mesosAgent, `GET ${path.split('?')[0]}: ${(err as Error).message}`, { cause: err });
      }
      if (!res.ok) throw new HeraldError(ErrorCode.mesosAgent, `GET ${path.split('?')[0]}: HTTP ${res.status}`);
      return res.json();
    },
    close() {},
  };
}

function labelsOf(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(list)) for (const l of list) out[l.key] = l.value;
  return out;
}

/** Marathon app id from a Marathon task id (`group_app.uuid` → `/group/app`), as FORMATS.md §2.3 describes. */
function marathonApp(taskId: string): string {
  return '/' + (taskId.split('.')[0] as string).split('_').join('/');
}

/** A MesosMetadata over one recorded /state; byContainerId knows executor.container and task status ids. */
export function stateMetadata(state: any): MesosMetadata & { refreshSoonCalls: number } {
  const runs: ExecutorRun[] = [];
  const byContainer = new Map<string, ExecutorRun>();
  for (const fw of state.frameworks ?? []) {
    for (const ex of fw.executors ?? []) {
      const tasks: MesosTask[] = (ex.tasks ?? []).map((t: any) => ({
        id: t.id, name: t.name, state: t.state ?? t.statuses?.at(-1)?.state ?? '', labels: labelsOf(t.labels),
        hostPorts: [], portNames: {}, ipAddresses: [],
      }));
      const run: ExecutorRun = {
        agentId: state.id ?? '', frameworkId: fw.id, frameworkName: fw.name ?? '', executorId: ex.id, executorName: ex.name ?? '',
        containerId: ex.container, directory: ex.directory ?? '', completed: false, tasks,
        app: /marathon/.test(fw.name ?? '') ? marathonApp(ex.id) : `${fw.name}/${ex.id}`,
        appSource: /marathon/.test(fw.name ?? '') ? 'marathon_task_id' : 'framework_executor', labels: labelsOf(ex.labels),
      };
      runs.push(run);
      byContainer.set(ex.container, run);
      for (const t of ex.tasks ?? []) {
        for (const s of t.statuses ?? []) {
          const cid = s.container_status?.container_id?.value;
          if (cid) byContainer.set(cid, run);
        }
      }
    }
  }
  const md = {
    refreshSoonCalls: 0,
    reachable: true,
    async refresh() {
      return true;
    },
    refreshSoon() {
      md.refreshSoonCalls++;
    },
    agent(): AgentInfo {
      return { agentId: state.id, hostname: state.hostname, workDir: state.flags?.work_dir, version: state.version };
    },
    runs: () => runs,
    bySandbox: () => undefined,
    byContainerId: (id: string) => byContainer.get(id),
    onChange: () => () => {},
    close() {},
  };
  return md;
}
