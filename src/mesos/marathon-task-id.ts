/**
 * Marathon app ids from Mesos task and executor ids (FORMATS.md §2.3). The regexes are Marathon's own,
 * verbatim (Task.scala / Instance.scala, fixture path-templates.json), tried in Marathon's order: the legacy
 * regex also matches every newer shape and would return a wrong app id for them
 * (`a_b.instance-<uuid>._app` → "a_b.instance-<uuid>." under the legacy regex).
 *
 * Group 1 is the "safe path" of the run spec: app path segments joined with `_` (segments never contain
 * `_`, they may contain `.`), so the app id is `/` + the safe path with `_` → `/`.
 */

const TASK_ID_WITH_INCARNATION = /^(.+)\.(instance-|marathon-)([^_.]+)[._]([^.]+)\.(\d+)$/;
const TASK_ID_WITH_INSTANCE = /^(.+)\.(instance-|marathon-)([^_.]+)[._]([^.]+)$/;
const RESIDENT_TASK_ID = /^(.+)([._])([^_.]+)(\.)(\d+)$/;
const LEGACY_TASK_ID = /^(.+)([._])([^_.]+)$/;
/** Marathon's parse order (Task.Id.parse). */
const TASK_ID_REGEXES = [TASK_ID_WITH_INCARNATION, TASK_ID_WITH_INSTANCE, RESIDENT_TASK_ID, LEGACY_TASK_ID] as const;
/** Pod executors (Instance.Id.executorIdString): "instance-" + safe run spec id + "." + uuid. */
const POD_EXECUTOR_ID = /^instance-(.+)\.([^_.]+)$/;

/** A run spec id segment (PathId.scala), anchored as a whole: lowercase, digits, '-', inner dots. */
const STRICT_SEGMENT = /^(?:(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;
/** Marathon generates its task/instance uuids with java.util.UUID. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MarathonIdOptions {
  /**
   * Only accept ids whose segments follow Marathon's PathId rules and whose uuid part is a UUID. Used when
   * the framework is not known to be Marathon (sandbox path alone), where a looser match would turn other
   * frameworks' ids (Aurora's `...-hello_world-0-<uuid>`) into bogus app ids.
   */
  readonly strict?: boolean;
}

/** "/group/app" from a safe path "group_app"; undefined when a segment is empty. */
export function appIdFromSafePath(safePath: string, strict = false): string | undefined {
  const segments = safePath.split('_');
  for (const s of segments) {
    if (s === '' || (strict && !STRICT_SEGMENT.test(s))) return undefined;
  }
  return '/' + segments.join('/');
}

/** The Marathon app id of a Mesos task id, or undefined when no Marathon shape matches. */
export function appIdFromTaskId(taskId: string, options: MarathonIdOptions = {}): string | undefined {
  for (const re of TASK_ID_REGEXES) {
    const m = re.exec(taskId);
    if (!m) continue;
    // Group 3 is the uuid (instance or task uuid) in every task id regex.
    if (options.strict && !UUID.test(m[3] ?? '')) return undefined;
    return appIdFromSafePath(m[1] ?? '', options.strict);
  }
  return undefined;
}

/**
 * The Marathon app id of an executor id: a pod executor (`instance-<safe id>.<uuid>`) or a command executor,
 * whose id is the task id. The non-legacy task shapes go first (they are unambiguous), then the pod shape,
 * then the resident and legacy task shapes. Known ambiguity: a legacy app named `/instance-x` would be read
 * as pod `/x`; with `/state` available, task ids are used instead and resolve it.
 */
export function appIdFromExecutorId(executorId: string, options: MarathonIdOptions = {}): string | undefined {
  for (const re of [TASK_ID_WITH_INCARNATION, TASK_ID_WITH_INSTANCE]) {
    const m = re.exec(executorId);
    if (m) return options.strict && !UUID.test(m[3] ?? '') ? undefined : appIdFromSafePath(m[1] ?? '', options.strict);
  }
  const pod = POD_EXECUTOR_ID.exec(executorId);
  if (pod) return options.strict && !UUID.test(pod[2] ?? '') ? undefined : appIdFromSafePath(pod[1] ?? '', options.strict);
  for (const re of [RESIDENT_TASK_ID, LEGACY_TASK_ID]) {
    const m = re.exec(executorId);
    if (m) return options.strict && !UUID.test(m[3] ?? '') ? undefined : appIdFromSafePath(m[1] ?? '', options.strict);
  }
  return undefined;
}

export interface AppKey {
  readonly app: string;
  /** True when `app` is a Marathon app id. */
  readonly marathon: boolean;
}

/**
 * The per-app key (DESIGN.md): the Marathon app id when there is one, else "<framework name>/<executor id>"
 * ("<framework id>/<executor id>" when the name is unknown). Task ids go first: for the command executor
 * the executor id is the task id anyway, and for pods they disambiguate the executor id.
 */
export function appKey(
  framework: { readonly id: string; readonly name: string },
  executorId: string,
  taskIds: readonly string[],
  marathon: 'yes' | 'no' | 'unknown',
): AppKey {
  if (marathon !== 'no') {
    const options = { strict: marathon === 'unknown' };
    for (const id of taskIds) {
      const app = appIdFromTaskId(id, options);
      if (app !== undefined) return { app, marathon: true };
    }
    const app = appIdFromExecutorId(executorId, options);
    if (app !== undefined) return { app, marathon: true };
  }
  return { app: `${framework.name !== '' ? framework.name : framework.id}/${executorId}`, marathon: false };
}
