/**
 * A small MesosMetadata for the sandbox tests, built from the recorded agent /state payloads in
 * test/fixtures/sandbox (only ids and directories are changed, to point into the test's work_dir). It
 * normalises an executor the way model.ts describes (app from the Marathon task id, in Marathon's order;
 * labels of the first task, else the executor's), and answers bySandbox() with a path-derived run for
 * sandboxes it does not know, as the real implementation does.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AgentInfo, ExecutorRun, MesosMetadata, MesosTask } from '../../../src/mesos/model';

const FIXTURES = path.join(__dirname, '../../fixtures/sandbox');

interface StateLabel { key: string; value?: string }
interface StateStatus { state?: string; container_status?: { container_id?: { value?: string } } }
interface StateTask { id: string; name: string; state?: string; slave_id?: string; labels?: StateLabel[]; statuses?: StateStatus[] }
interface StateExecutor { id: string; name: string; container: string; directory?: string; labels?: StateLabel[]; tasks: StateTask[] }
interface StateFramework { id: string; name: string; executors: StateExecutor[] }
export interface AgentState { id?: string; flags?: { work_dir?: string }; frameworks: StateFramework[] }

export function loadState(file: 'datadog.agent-state.marathon-task.json' | 'dcos-metrics.agent-state.json'): AgentState {
  return JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as AgentState;
}

/** Marathon's task-id regexes (fixtures/mesos/path-templates.json), in Marathon's parse order. */
const MARATHON_TASK_ID = [
  /^(.+)\.(instance-|marathon-)([^_.]+)[._]([^.]+)\.(\d+)$/,
  /^(.+)\.(instance-|marathon-)([^_.]+)[._]([^.]+)$/,
  /^(.+)([._])([^_.]+)(\.)(\d+)$/,
  /^(.+)([._])([^_.]+)$/,
];

export function marathonAppId(taskId: string): string | undefined {
  for (const re of MARATHON_TASK_ID) {
    const m = re.exec(taskId);
    if (m?.[1]) return '/' + m[1].split('_').join('/');
  }
  return undefined;
}

function labelsOf(list: StateLabel[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list ?? []) out[l.key] = l.value ?? '';
  return out;
}

export interface RunOverrides {
  workDir: string;
  agentId?: string;
  /** Replaces the executor id and the id of its (single) task: the command executor's ids are equal. */
  taskId?: string;
  containerId?: string;
  completed?: boolean;
  labels?: Record<string, string>;
}

/** One executor of a recorded /state as an ExecutorRun whose sandbox lies under `o.workDir`. */
export function runFromState(state: AgentState, o: RunOverrides, frameworkIndex = 0, executorIndex = 0): ExecutorRun {
  const fw = state.frameworks[frameworkIndex];
  const ex = fw?.executors[executorIndex];
  if (!fw || !ex) throw new Error('no such executor in the fixture');
  const agentId = o.agentId ?? state.id ?? ex.tasks[0]?.slave_id ?? 'S0';
  const executorId = o.taskId ?? ex.id;
  const containerId = o.containerId ?? ex.container;
  const tasks: MesosTask[] = ex.tasks.map((t) => ({
    id: o.taskId ?? t.id, name: t.name, state: t.state ?? 'TASK_RUNNING', labels: labelsOf(t.labels),
    hostPorts: [], portNames: {}, ipAddresses: [],
    containerId: t.statuses?.at(-1)?.container_status?.container_id?.value,
  }));
  const first = ex.tasks[0];
  const labels = o.labels ?? (first?.labels && first.labels.length > 0 ? labelsOf(first.labels) : labelsOf(ex.labels));
  const app = fw.name.startsWith('marathon') && tasks[0] ? marathonAppId(tasks[0].id) : undefined;
  return {
    agentId,
    frameworkId: fw.id,
    frameworkName: fw.name,
    executorId,
    executorName: ex.name,
    containerId,
    directory: path.join(o.workDir, 'slaves', agentId, 'frameworks', fw.id, 'executors', executorId, 'runs', containerId),
    completed: o.completed ?? false,
    tasks,
    app: app ?? `${fw.name}/${executorId}`,
    appSource: app ? 'marathon_task_id' : 'framework_executor',
    labels,
  };
}

const LAYOUT = /^(.*)\/slaves\/([^/]+)\/frameworks\/([^/]+)\/executors\/([^/]+)\/runs\/([^/]+)(?:\/.*)?$/;

export class FakeMetadata implements MesosMetadata {
  reachable = true;
  refreshSoonCalls = 0;
  workDir: string | undefined;
  private list: ExecutorRun[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(workDir: string | undefined, runs: ExecutorRun[] = []) {
    this.workDir = workDir;
    this.list = runs;
  }

  /** Replace the runs (a refresh that changed them) and notify. */
  setRuns(runs: ExecutorRun[]): void {
    this.list = runs;
    for (const l of this.listeners) l();
  }

  refresh(): Promise<boolean> {
    return Promise.resolve(this.reachable);
  }

  refreshSoon(): void {
    this.refreshSoonCalls++;
  }

  agent(): AgentInfo {
    return { agentId: undefined, hostname: undefined, workDir: this.workDir, version: undefined };
  }

  runs(): readonly ExecutorRun[] {
    return this.list;
  }

  bySandbox(p: string): ExecutorRun | undefined {
    const known = this.list.find((r) => p === r.directory || p.startsWith(`${r.directory}/`));
    if (known) return known;
    const m = LAYOUT.exec(p);
    if (!m) return undefined;
    const [, , agentId = '', frameworkId = '', executorId = '', containerId = ''] = m;
    return {
      agentId, frameworkId, frameworkName: '', executorId, executorName: '', containerId,
      directory: p.slice(0, p.indexOf(`/runs/${containerId}`) + 6 + containerId.length),
      completed: false, tasks: [], app: `${frameworkId}/${executorId}`, appSource: 'sandbox_path', labels: {},
    };
  }

  byContainerId(containerId: string): ExecutorRun | undefined {
    return this.list.find((r) => r.containerId === containerId);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
  }
}
