/**
 * Sandbox paths (FORMATS.md §2.1, src/slave/paths.hpp):
 *   <work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>[/containers/<child>]...[/<file>]
 *
 * Pure string work, no I/O. Mesos writes ids into paths as they are (it encodes nothing), so nothing is
 * decoded here. `runs/latest` is a symlink name, not a container id: it parses with `containerId`
 * undefined and the caller resolves it (newest run of that executor).
 */
import { posix } from 'node:path';
import type { ExecutorRun } from './model';
import { appKey } from './marathon-task-id';

export interface SandboxPath {
  /** The work dir: everything before `/slaves/`. */
  readonly workDir: string;
  readonly agentId: string;
  readonly frameworkId: string;
  readonly executorId: string;
  /** The top-level container id (the `runs/<id>` name); undefined for `runs/latest`. */
  readonly containerId: string | undefined;
  /** Nested container ids, outermost first (`containers/<child>/containers/<grandchild>`). */
  readonly nestedContainerIds: readonly string[];
  /** The executor run's sandbox: `.../runs/<container id>` (or `.../runs/latest`). */
  readonly sandboxDir: string;
  /** The path relative to the innermost container's sandbox ('' for the sandbox itself). */
  readonly rest: string;
}

const LATEST = 'latest';

/**
 * Parses a path in (or equal to) an executor sandbox; undefined outside the layout. With `workDir` given,
 * the path must be under `<workDir>/slaves/`; without it, the first `slaves/<a>/frameworks/<f>/executors/
 * <e>/runs/<c>` sequence in the path is taken.
 */
export function parseSandboxPath(path: string, workDir?: string): SandboxPath | undefined {
  if (!path.startsWith('/')) return undefined;
  const parts = posix.normalize(path).split('/').filter((p) => p !== '');
  let start: number;
  if (workDir !== undefined) {
    const wd = posix.normalize(workDir).split('/').filter((p) => p !== '');
    if (wd.length > parts.length) return undefined;
    for (let i = 0; i < wd.length; i++) if (wd[i] !== parts[i]) return undefined;
    start = wd.length;
    if (!layoutAt(parts, start)) return undefined;
  } else {
    // `<work_dir>/meta/slaves/...` mirrors the layout with checkpoint files, not sandboxes.
    start = parts.findIndex((_, i) => layoutAt(parts, i) && parts[i - 1] !== 'meta');
    if (start < 0) return undefined;
  }
  const run = parts[start + 7] as string;
  let end = start + 8;
  const nested: string[] = [];
  while (parts[end] === 'containers' && parts[end + 1] !== undefined) {
    nested.push(parts[end + 1] as string);
    end += 2;
  }
  return {
    workDir: '/' + parts.slice(0, start).join('/'),
    agentId: parts[start + 1] as string,
    frameworkId: parts[start + 3] as string,
    executorId: parts[start + 5] as string,
    containerId: run === LATEST ? undefined : run,
    nestedContainerIds: nested,
    sandboxDir: '/' + parts.slice(0, start + 8).join('/'),
    rest: parts.slice(end).join('/'),
  };
}

function layoutAt(parts: readonly string[], i: number): boolean {
  return (
    parts[i] === 'slaves' &&
    parts[i + 2] === 'frameworks' &&
    parts[i + 4] === 'executors' &&
    parts[i + 6] === 'runs' &&
    parts[i + 7] !== undefined &&
    // `slaves/latest` is the agent symlink: not an agent id.
    parts[i + 1] !== LATEST
  );
}

/** The sandbox directory of a run from its ids (for `/state` payloads without `executor.directory`). */
export function sandboxDirOf(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string): string {
  return posix.join(workDir, 'slaves', agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs', containerId);
}

/**
 * The identity of a sandbox from its path alone (agent unreachable, or the sandbox unknown to it).
 *
 * App key: when the framework is known (from an earlier `/state`) the usual rule applies, so an app keeps
 * the same key (QoS bucket, dashboards) whether the agent answers or not. When it is not known, the executor
 * id is still tried as a Marathon id, strictly (PathId segment rules and a UUID), because for a Marathon
 * task that is the key the agent would have given; otherwise "<framework id>/<executor id>".
 */
export function runFromSandboxPath(
  parsed: SandboxPath,
  framework: { readonly name: string; readonly marathon: boolean } | undefined,
): ExecutorRun {
  const key = appKey(
    { id: parsed.frameworkId, name: framework?.name ?? '' },
    parsed.executorId,
    [],
    framework === undefined ? 'unknown' : framework.marathon ? 'yes' : 'no',
  );
  return {
    agentId: parsed.agentId,
    frameworkId: parsed.frameworkId,
    frameworkName: framework?.name ?? '',
    executorId: parsed.executorId,
    executorName: '',
    containerId: parsed.containerId ?? '',
    directory: parsed.sandboxDir,
    completed: false,
    tasks: [],
    app: key.app,
    appSource: 'sandbox_path',
    labels: {},
  };
}
