/**
 * The replayed agent's `/state` document: a recorded document whose executors are added, completed and
 * removed over time. New executors are deep clones of a recorded executor object (and its task) in which
 * only the VALUES of fields present in the recording change; asking to set a field the template lacks
 * throws, so the server never invents fields.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXECUTOR_TEMPLATES, STATE_FIXTURES, clone, readFixture, type ExecutorTemplate, type Json, type StateFixture } from './recorded';

export interface AddExecutorOptions {
  /** Recorded executor to clone: 'datadog' (directory, container, resources/ports, statuses) or 'dcos' (labels, container_status). */
  readonly template?: ExecutorTemplate;
  /** Framework to add it to (default: the document's first framework); an unknown id clones the first framework. */
  readonly frameworkId?: string;
  /** Executor id; default: taskId (the command executor). */
  readonly executorId?: string;
  /** Task id; default: executorId. One of the two is required. */
  readonly taskId?: string;
  readonly containerId: string;
  /** Sandbox directory (default: the layout path under flags.work_dir). */
  readonly directory?: string;
  /** Create the directory on disk. */
  readonly createDirectory?: boolean;
  /** Task (and, if the template has them, executor) labels, as recorded `{key, value}` entries. */
  readonly labels?: Record<string, string>;
  /** Host ports, written as the Mesos ranges string of task and executor resources. */
  readonly ports?: readonly number[];
  /** Task name (default: Marathon's, the app path reversed and dot-joined). */
  readonly taskName?: string;
}

export interface AddedExecutor {
  readonly frameworkId: string;
  readonly executorId: string;
  readonly taskId: string;
  readonly containerId: string;
  readonly directory: string | undefined;
}

export class ReplayState {
  readonly doc: Json;

  constructor(fixture: StateFixture = 'datadog') {
    this.doc = readFixture<Json>(STATE_FIXTURES[fixture]);
  }

  get agentId(): string {
    return typeof this.doc['id'] === 'string' ? this.doc['id'] : '';
  }

  get workDir(): string | undefined {
    const flags = this.doc['flags'] as Json | undefined;
    return typeof flags?.['work_dir'] === 'string' ? flags['work_dir'] : undefined;
  }

  setWorkDir(dir: string): void {
    const flags = this.doc['flags'] as Json | undefined;
    if (flags === undefined || !('work_dir' in flags)) throw new Error('this recorded /state has no flags.work_dir');
    flags['work_dir'] = dir;
  }

  frameworks(): Json[] {
    return this.doc['frameworks'] as Json[];
  }

  /** Every executor object, with its framework and whether it is completed. */
  *executors(): Generator<{ framework: Json; executor: Json; completed: boolean }> {
    for (const framework of this.frameworks()) {
      for (const executor of (framework['executors'] as Json[] | undefined) ?? []) yield { framework, executor, completed: false };
      for (const executor of (framework['completed_executors'] as Json[] | undefined) ?? []) yield { framework, executor, completed: true };
    }
  }

  addExecutor(o: AddExecutorOptions, nowSecs: number): AddedExecutor {
    const executorId = o.executorId ?? o.taskId;
    const taskId = o.taskId ?? o.executorId;
    if (executorId === undefined || taskId === undefined) throw new Error('addExecutor: give executorId or taskId');
    const framework = this.#framework(o.frameworkId);
    const frameworkId = framework['id'] as string;
    const ex = clone(EXECUTOR_TEMPLATES[o.template ?? 'datadog']());
    const task = (ex['tasks'] as Json[])[0] as Json;
    const recordedTaskId = task['id'] as string;
    set(ex, 'id', executorId);
    if ('name' in ex) ex['name'] = (ex['name'] as string).split(recordedTaskId).join(taskId);
    setIfPresent(ex, 'source', executorId);
    set(ex, 'container', o.containerId);
    let directory: string | undefined;
    if ('directory' in ex) {
      const wd = this.workDir;
      directory = o.directory ?? (wd !== undefined ? join(wd, 'slaves', this.agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs', o.containerId) : undefined);
      if (directory === undefined) throw new Error('addExecutor: no directory given and no flags.work_dir to build it');
      ex['directory'] = directory;
      if (o.createDirectory) mkdirSync(directory, { recursive: true });
    } else if (o.directory !== undefined || o.createDirectory) {
      throw new Error(`executor template ${o.template} has no "directory" field`);
    }
    set(task, 'id', taskId);
    set(task, 'framework_id', frameworkId);
    setIfPresent(task, 'slave_id', this.agentId !== '' ? this.agentId : task['slave_id']);
    set(task, 'name', o.taskName ?? marathonTaskName(taskId));
    setIfPresent(task, 'state', 'TASK_RUNNING');
    for (const status of (task['statuses'] as Json[] | undefined) ?? []) {
      setIfPresent(status, 'timestamp', nowSecs);
      setIfPresent(status, 'state', 'TASK_RUNNING');
      const cid = (status['container_status'] as Json | undefined)?.['container_id'] as Json | undefined;
      if (cid) cid['value'] = o.containerId;
    }
    if (o.labels !== undefined) {
      const entries = Object.entries(o.labels).map(([key, value]) => ({ key, value }));
      set(task, 'labels', entries);
      setIfPresent(ex, 'labels', clone(entries));
    }
    if (o.ports !== undefined) {
      const ranges = portRanges(o.ports);
      const resources = task['resources'] as Json | undefined;
      if (resources === undefined) throw new Error(`executor template ${o.template} has no task "resources" field`);
      set(resources, 'ports', ranges, 'task resources');
      setIfPresent(ex['resources'] as Json | undefined, 'ports', ranges);
    }
    ((framework['executors'] as Json[] | undefined) ?? []).push(ex);
    return { frameworkId, executorId, taskId, containerId: o.containerId, directory };
  }

  /** The executor terminates: its tasks become TASK_FINISHED and it moves to completed_executors. */
  completeExecutor(executorId: string, nowSecs: number): void {
    for (const framework of this.frameworks()) {
      const list = (framework['executors'] as Json[] | undefined) ?? [];
      const i = list.findIndex((e) => e['id'] === executorId);
      if (i < 0) continue;
      const [ex] = list.splice(i, 1) as [Json];
      const tasks = (ex['tasks'] as Json[] | undefined) ?? [];
      for (const task of tasks) {
        setIfPresent(task, 'state', 'TASK_FINISHED');
        const statuses = task['statuses'] as Json[] | undefined;
        const last = statuses?.[statuses.length - 1];
        if (statuses && last) {
          const status = clone(last);
          setIfPresent(status, 'state', 'TASK_FINISHED');
          setIfPresent(status, 'timestamp', nowSecs);
          statuses.push(status);
        }
      }
      // Mesos lists a terminated executor's tasks under completed_tasks; templates without that key keep them.
      if (Array.isArray(ex['completed_tasks'])) {
        (ex['completed_tasks'] as Json[]).push(...tasks);
        ex['tasks'] = [];
      }
      if (!Array.isArray(framework['completed_executors'])) throw new Error('this recorded framework has no completed_executors');
      (framework['completed_executors'] as Json[]).push(ex);
      return;
    }
    throw new Error(`no running executor ${executorId}`);
  }

  /** The agent garbage-collected the executor: it disappears from /state. */
  removeExecutor(executorId: string): void {
    for (const framework of this.frameworks()) {
      for (const key of ['executors', 'completed_executors']) {
        const list = framework[key] as Json[] | undefined;
        const i = list?.findIndex((e) => e['id'] === executorId) ?? -1;
        if (list && i >= 0) {
          list.splice(i, 1);
          return;
        }
      }
    }
    throw new Error(`no executor ${executorId}`);
  }

  #framework(id: string | undefined): Json {
    const list = this.frameworks();
    const first = list[0];
    if (first === undefined) throw new Error('this recorded /state has no framework');
    if (id === undefined) return first;
    const found = list.find((f) => f['id'] === id);
    if (found) return found;
    const fw = clone(first);
    fw['id'] = id;
    fw['executors'] = [];
    if (Array.isArray(fw['completed_executors'])) fw['completed_executors'] = [];
    list.push(fw);
    return fw;
  }
}

function set(o: Json, key: string, value: unknown, where = 'template'): void {
  if (!(key in o)) throw new Error(`the recorded ${where} has no "${key}" field`);
  o[key] = value;
}
function setIfPresent(o: Json | undefined, key: string, value: unknown): void {
  if (o !== undefined && key in o) o[key] = value;
}

/** Mesos ranges string: [31000, 31001, 31005] → "[31000-31001, 31005-31005]". */
export function portRanges(ports: readonly number[]): string {
  const sorted = [...ports].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    parts.push(`${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return `[${parts.join(', ')}]`;
}

/** Marathon's task name: the app path reversed and dot-joined (`group_app.<uuid>` → "app.group"). */
function marathonTaskName(taskId: string): string {
  const safe = taskId.split('.')[0] ?? taskId;
  return safe.split('_').reverse().join('.');
}
