/**
 * Finding sandboxes on disk (FORMATS.md §2.1):
 *   <work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/<container>   (a run's sandbox)
 *   <sandbox>/containers/<child>[/containers/<grandchild>...]                                (nested containers)
 * Only real directories are followed: `slaves/latest` and `runs/latest` are symlinks to directories we
 * visit anyway, and following them would tail the same files under a second path.
 *
 * Cost: one pass visits every directory of the layout. A directory whose mtime is unchanged (and older than
 * a few seconds, so that two changes within one timestamp tick cannot hide) is not read again: its cached
 * list of subdirectories is used, so a pass over an unchanged tree costs one stat per directory. Every
 * `fullEvery`-th pass reads everything again.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export interface SandboxRef {
  /** Host path of the sandbox: a run's directory or a nested container's. */
  readonly path: string;
  /** The top-level run's sandbox (equal to `path` for a run). */
  readonly runPath: string;
  readonly agentId: string;
  readonly frameworkId: string;
  readonly executorId: string;
  /** The run's ContainerID value (the `runs/<id>` directory name). */
  readonly containerId: string;
  /** Nested container ids from the run down to this sandbox; empty for the run itself. */
  readonly nested: readonly string[];
}

export interface ScanResult {
  readonly sandboxes: SandboxRef[];
  /** False when a directory could not be read (other than "does not exist"): absent is not gone then. */
  readonly complete: boolean;
}

/** Nested containers deeper than this (pods of pods, debug containers in them) are not followed. */
export const MAX_NESTING = 4;
/** A directory modified less than this long ago is read again even when its mtime looks unchanged. */
const SETTLE_MS = 2000;

interface CachedDir {
  mtimeMs: number;
  subdirs: string[];
  pass: number;
}

const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

/** The path of a run's sandbox under a work dir. */
export function runSandboxPath(workDir: string, agentId: string, frameworkId: string, executorId: string, containerId: string): string {
  return path.join(workDir, 'slaves', agentId, 'frameworks', frameworkId, 'executors', executorId, 'runs', containerId);
}

/** The agent's executor.sentinel of a run: present once the run has completed (FORMATS.md §2.1). */
export function sentinelPath(workDir: string, ref: SandboxRef): string {
  return path.join(workDir, 'meta', 'slaves', ref.agentId, 'frameworks', ref.frameworkId, 'executors', ref.executorId, 'runs', ref.containerId, 'executor.sentinel');
}

export class SandboxScanner {
  private readonly cache = new Map<string, CachedDir>();
  private passes = 0;
  private complete = true;

  constructor(
    private readonly nowMs: () => number,
    private readonly onError: (dir: string, err: NodeJS.ErrnoException) => void,
    private readonly fullEvery = 20,
  ) {}

  async scan(workDir: string): Promise<ScanResult> {
    const pass = ++this.passes;
    this.complete = true;
    const out: SandboxRef[] = [];
    const slaves = path.join(workDir, 'slaves');
    for (const agentId of await this.subdirs(slaves, pass)) {
      const frameworks = path.join(slaves, agentId, 'frameworks');
      for (const frameworkId of await this.subdirs(frameworks, pass)) {
        const executors = path.join(frameworks, frameworkId, 'executors');
        const executorIds = await this.subdirs(executors, pass);
        // Executors are independent: list their runs concurrently (bounded by the libuv pool anyway).
        const runs = await Promise.all(executorIds.map((e) => this.subdirs(path.join(executors, e, 'runs'), pass)));
        for (let i = 0; i < executorIds.length; i++) {
          const executorId = executorIds[i] as string;
          for (const containerId of runs[i] ?? []) {
            const runPath = path.join(executors, executorId, 'runs', containerId);
            const ref: SandboxRef = { path: runPath, runPath, agentId, frameworkId, executorId, containerId, nested: [] };
            out.push(ref);
          }
        }
      }
    }
    const runCount = out.length;
    const nested = await Promise.all(out.slice(0, runCount).map((r) => this.nestedOf(r, pass)));
    for (const list of nested) out.push(...list);
    for (const [dir, c] of this.cache) if (c.pass !== pass) this.cache.delete(dir); // vanished directories
    return { sandboxes: out, complete: this.complete };
  }

  private async nestedOf(parent: SandboxRef, pass: number): Promise<SandboxRef[]> {
    const out: SandboxRef[] = [];
    const walk = async (ref: SandboxRef): Promise<void> => {
      if (ref.nested.length >= MAX_NESTING) return;
      const dir = path.join(ref.path, 'containers');
      for (const id of await this.subdirs(dir, pass)) {
        const child: SandboxRef = { ...ref, path: path.join(dir, id), nested: [...ref.nested, id] };
        out.push(child);
        await walk(child);
      }
    };
    await walk(parent);
    return out;
  }

  /** Names of the real subdirectories (not symlinks), from the cache when the directory is unchanged. */
  private async subdirs(dir: string, pass: number): Promise<string[]> {
    let st;
    try {
      st = await fsp.stat(dir);
    } catch (err) {
      this.failed(dir, err as NodeJS.ErrnoException);
      return [];
    }
    if (!st.isDirectory()) return [];
    const cached = this.cache.get(dir);
    const settled = this.nowMs() - st.mtimeMs > SETTLE_MS;
    if (cached && cached.mtimeMs === st.mtimeMs && settled && pass % this.fullEvery !== 0) {
      cached.pass = pass;
      return cached.subdirs;
    }
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      this.failed(dir, err as NodeJS.ErrnoException);
      return [];
    }
    // Dirent types come from lstat semantics: a symlink (`latest`) is not a directory here.
    const subdirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    this.cache.set(dir, { mtimeMs: st.mtimeMs, subdirs, pass });
    return subdirs;
  }

  private failed(dir: string, err: NodeJS.ErrnoException): void {
    if (ABSENT.has(err.code ?? '')) return;
    this.complete = false;
    this.onError(dir, err);
  }
}
