/**
 * The identity of a sandbox's documents (DESIGN.md "Identity and naming", ECS), built once per watch group:
 *
 *   "service":{"name":<app>},"container":{"id":<container>},"orchestrator":{"type":"mesos"},
 *   "mesos":{"agent":{"id"},"framework":{"id","name"},"executor":{"id","name"},"task":{"id","name"},
 *            "stream":"stdout|stderr","identity_source":"marathon_task_id|framework_executor|sandbox_path"},
 *   "labels":{...}
 *
 * - `container.id`: the run's ContainerID; for a nested container Mesos' own notation `<parent>.<child>`.
 * - `mesos.task.*`: the run's task when it has exactly one (command executor, or a pod with one container),
 *   else the task whose id equals the executor id (command executor); with several tasks and no such match
 *   (custom executors, pods) the sandbox's lines cannot be attributed to one task and `mesos.task` is absent.
 *   A nested container's task is the one whose `containerId` (its latest status' container id) is the
 *   child's id, else the run's only task, else none.
 *   Names unknown to the agent (identity from the path) are omitted, not sent as "".
 * - `mesos.stream`: only for stdout/stderr; extra files carry their path in `log.file.path`.
 * - `labels.*`: the run's labels (first task's, else the executor's), sanitised for Elasticsearch: characters
 *   other than [A-Za-z0-9_-] (dots would create object paths) become "_", keys are cut at 64 characters,
 *   values at 1024, at most 32 labels (in their order; on a key collision after sanitising the first wins).
 */
import type { ExecutorRun, MesosTask } from '../../mesos/model';
import type { Identity } from '../../pipeline/records';
import type { SandboxRef } from './discovery';

export const LABEL_MAX_COUNT = 32;
export const LABEL_KEY_MAX_CHARS = 64;
export const LABEL_VALUE_MAX_CHARS = 1024;

export type SandboxStream = 'stdout' | 'stderr';

/** A label key as an Elasticsearch field name under `labels`; undefined when nothing usable is left. */
export function sanitizeLabelKey(key: string): string | undefined {
  const cut = key.length > LABEL_KEY_MAX_CHARS ? key.slice(0, LABEL_KEY_MAX_CHARS) : key;
  const clean = cut.replace(/[^A-Za-z0-9_-]/g, '_');
  return /[A-Za-z0-9]/.test(clean) ? clean : undefined;
}

/** Task labels as shipped under `labels` (bounded, sanitised keys). */
export function documentLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>; // a "__proto__" label stays a plain key
  let n = 0;
  for (const [key, value] of Object.entries(labels)) {
    if (n >= LABEL_MAX_COUNT) break;
    const k = sanitizeLabelKey(key);
    if (k === undefined || Object.hasOwn(out, k)) continue;
    out[k] = value.length > LABEL_VALUE_MAX_CHARS ? value.slice(0, LABEL_VALUE_MAX_CHARS) : value;
    n++;
  }
  return out;
}

/** The task a sandbox's lines belong to, when one can be named (see the file comment). */
export function sandboxTask(run: ExecutorRun): MesosTask | undefined {
  if (run.tasks.length === 1) return run.tasks[0];
  return run.tasks.find((t) => t.id === run.executorId);
}

/**
 * The task a nested container runs (a pod's task): the one whose reported container id is the child's;
 * when the agent reported none, the run's only task; else none.
 */
export function nestedTask(run: ExecutorRun, childId: string): MesosTask | undefined {
  return run.tasks.find((t) => t.containerId === childId) ?? (run.tasks.length === 1 ? run.tasks[0] : undefined);
}

/** What the agent does not know: an identity from the path alone (agentId, frameworkId, executorId, container). */
export function pathRun(ref: SandboxRef): ExecutorRun {
  return {
    agentId: ref.agentId,
    frameworkId: ref.frameworkId,
    frameworkName: '',
    executorId: ref.executorId,
    executorName: '',
    containerId: ref.containerId,
    directory: ref.runPath,
    completed: false,
    tasks: [],
    app: `${ref.frameworkId}/${ref.executorId}`,
    appSource: 'sandbox_path',
    labels: {},
  };
}

/** `<run>.<child>...`: Mesos' notation of a nested ContainerID. */
export function containerIdOf(ref: SandboxRef): string {
  return ref.nested.length === 0 ? ref.containerId : `${ref.containerId}.${ref.nested.join('.')}`;
}

function named(id: string, name: string): Record<string, string> {
  return name === '' ? { id } : { id, name };
}

/** The identity shared by one watch group's documents. */
export function sandboxIdentity(run: ExecutorRun, ref: SandboxRef, stream: SandboxStream | undefined): Identity {
  const mesos: Record<string, unknown> = {
    agent: { id: run.agentId || ref.agentId },
    framework: named(run.frameworkId || ref.frameworkId, run.frameworkName),
    executor: named(run.executorId || ref.executorId, run.executorName),
  };
  const task = ref.nested.length === 0 ? sandboxTask(run) : nestedTask(run, ref.nested[ref.nested.length - 1] as string);
  if (task) mesos['task'] = named(task.id, task.name);
  if (stream !== undefined) mesos['stream'] = stream;
  mesos['identity_source'] = run.appSource;
  const doc: Record<string, unknown> = {};
  if (run.app !== '') doc['service'] = { name: run.app };
  doc['container'] = { id: containerIdOf(ref) };
  doc['orchestrator'] = { type: 'mesos' };
  doc['mesos'] = mesos;
  const labels = documentLabels(run.labels);
  if (Object.keys(labels).length > 0) doc['labels'] = labels;
  const json = JSON.stringify(doc);
  return { app: run.app, docFragment: json.slice(1, -1), labels: run.labels };
}
