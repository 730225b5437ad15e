/**
 * The agent's `/state` JSON (every version in the fixtures: 0.21 to 1.x) → AgentInfo + ExecutorRun[].
 *
 * Invariants: nothing here throws on any JSON value; an object of the wrong shape (a framework, executor
 * or task without a string id, or not an object) is skipped and counted in `skipped`; every other field is
 * optional. `flags` values are strings in every version.
 */
import type { AgentInfo, ExecutorRun, MesosTask } from './model';
import { appKey } from './marathon-task-id';
import { sandboxDirOf } from './sandbox-path';
import { asArray, asObject, asString, parseLabels, parseTask, type Json } from './state-task';

export interface StateOptions {
  /** Framework names whose task ids are Marathon ids (config `marathon_framework_pattern`). */
  readonly marathonFramework: RegExp;
  /** Config `work_dir`: the agent's work dir as Herald sees it (rewrites `directory` prefixes). */
  readonly workDirOverride?: string | undefined;
}

export interface FrameworkInfo {
  readonly name: string;
  readonly marathon: boolean;
}

export interface NormalisedState {
  readonly agent: AgentInfo;
  readonly runs: ExecutorRun[];
  /** Framework id → name, for identities derived from a sandbox path later. */
  readonly frameworks: Map<string, FrameworkInfo>;
  /** Container ids other than a run's own (task status container ids, nested children) → their run. */
  readonly containerAliases: Map<string, ExecutorRun>;
  readonly skipped: { framework: number; executor: number; task: number };
}

export function normaliseState(json: unknown, options: StateOptions): NormalisedState {
  const root = asObject(json) ?? {};
  const flags = asObject(root['flags']);
  const agentWorkDir = asString(flags?.['work_dir']);
  const out: NormalisedState = {
    agent: {
      agentId: asString(root['id']),
      hostname: asString(root['hostname']),
      workDir: options.workDirOverride ?? agentWorkDir,
      version: asString(root['version']),
    },
    runs: [],
    frameworks: new Map(),
    containerAliases: new Map(),
    skipped: { framework: 0, executor: 0, task: 0 },
  };
  const ctx: Ctx = { options, out, agentWorkDir, agentId: out.agent.agentId };
  for (const fw of asArray(root['frameworks'])) addFramework(ctx, fw, false);
  for (const fw of asArray(root['completed_frameworks'])) addFramework(ctx, fw, true);
  // Trimmed payloads (dcos-metrics) have no top-level id: the tasks' slave_id is the same agent.
  if (out.agent.agentId === undefined && ctx.agentId !== undefined) {
    (out as { agent: AgentInfo }).agent = { ...out.agent, agentId: ctx.agentId };
  }
  return out;
}

interface Ctx {
  readonly options: StateOptions;
  readonly out: NormalisedState;
  readonly agentWorkDir: string | undefined;
  agentId: string | undefined;
}

function addFramework(ctx: Ctx, value: unknown, completedFramework: boolean): void {
  const fw = asObject(value);
  const id = asString(fw?.['id']);
  if (fw === undefined || id === undefined || id === '') {
    ctx.out.skipped.framework++;
    return;
  }
  const name = asString(fw['name']) ?? '';
  const info: FrameworkInfo = { name, marathon: ctx.options.marathonFramework.test(name) };
  ctx.out.frameworks.set(id, info);
  for (const ex of asArray(fw['executors'])) addExecutor(ctx, id, info, ex, completedFramework);
  for (const ex of asArray(fw['completed_executors'])) addExecutor(ctx, id, info, ex, true);
}

function addExecutor(ctx: Ctx, frameworkId: string, fw: FrameworkInfo, value: unknown, completed: boolean): void {
  const ex = asObject(value);
  const executorId = asString(ex?.['id']);
  if (ex === undefined || executorId === undefined || executorId === '') {
    ctx.out.skipped.executor++;
    return;
  }
  const tasks: MesosTask[] = [];
  const aliases: string[] = [];
  let commandExecutor = false;
  const lists: [string, string][] = [['tasks', 'TASK_RUNNING'], ['queued_tasks', 'TASK_STAGING'], ['completed_tasks', 'TASK_FINISHED']];
  for (const [key, defaultState] of lists) {
    for (const t of asArray(ex[key])) {
      const parsed = parseTask(t, defaultState);
      if (parsed === undefined) {
        ctx.out.skipped.task++;
        continue;
      }
      tasks.push(parsed.task);
      aliases.push(...parsed.containerIds);
      ctx.agentId ??= parsed.agentId;
      // The command executor: executor.id == task.id and task.executor_id == "" (FORMATS.md §1.2).
      if (parsed.task.id === executorId && parsed.executorId === '') commandExecutor = true;
    }
  }
  const directory = directoryOf(ctx, ex, frameworkId, executorId);
  const containerId = asString(ex['container']) ?? lastSegmentIfRun(directory) ?? '';
  const executorLabels = parseLabels(ex['labels']);
  const labels = commandExecutor || Object.keys(executorLabels).length === 0 ? (tasks[0]?.labels ?? executorLabels) : executorLabels;
  const key = appKey({ id: frameworkId, name: fw.name }, executorId, tasks.map((t) => t.id), fw.marathon ? 'yes' : 'no');
  const run: ExecutorRun = {
    agentId: ctx.out.agent.agentId ?? ctx.agentId ?? '',
    frameworkId,
    frameworkName: fw.name,
    executorId,
    executorName: asString(ex['name']) ?? '',
    containerId,
    directory,
    completed,
    tasks,
    app: key.app,
    appSource: key.marathon ? 'marathon_task_id' : 'framework_executor',
    labels,
  };
  ctx.out.runs.push(run);
  for (const alias of aliases) if (alias !== containerId && !ctx.out.containerAliases.has(alias)) ctx.out.containerAliases.set(alias, run);
}

/**
 * `executor.directory` as Herald sees it (the agent's work dir prefix replaced by the configured one), or
 * the layout path built from the ids when the payload has no directory (trimmed fixtures); '' if unknown.
 */
function directoryOf(ctx: Ctx, ex: Json, frameworkId: string, executorId: string): string {
  const dir = asString(ex['directory']);
  const override = ctx.options.workDirOverride;
  if (dir !== undefined && dir !== '') {
    const agentWd = ctx.agentWorkDir?.replace(/\/+$/, '');
    if (override !== undefined && agentWd !== undefined && agentWd !== '' && dir.startsWith(agentWd + '/')) {
      return override.replace(/\/+$/, '') + dir.slice(agentWd.length);
    }
    return dir;
  }
  const workDir = override ?? ctx.agentWorkDir;
  const container = asString(ex['container']);
  const agentId = ctx.out.agent.agentId ?? ctx.agentId;
  if (workDir === undefined || container === undefined || agentId === undefined) return '';
  return sandboxDirOf(workDir, agentId, frameworkId, executorId, container);
}

function lastSegmentIfRun(directory: string): string | undefined {
  const i = directory.lastIndexOf('/runs/');
  if (i < 0) return undefined;
  const id = directory.slice(i + 6);
  return id !== '' && !id.includes('/') && id !== 'latest' ? id : undefined;
}
