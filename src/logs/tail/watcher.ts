/**
 * Directory watching with chokidar 4 (no globs there: the tail source passes the directories its globs
 * start from). Events are only hints that something changed: the source rescans or reads, and a periodic
 * rescan plus a poll of open files cover whatever inotify misses (overflowed queues, NFS, files appended by
 * a process that chokidar never sees writing). chokidar's `depth` is per instance, so there is one instance
 * per distinct depth, each watching many directories.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { errorMessage } from '../../errors';
import type { CompiledGlob } from './glob';

export type FsEvent = 'add' | 'addDir' | 'change' | 'unlink' | 'unlinkDir';

/** Levels below the directory where files can appear; undefined = unlimited. */
export type WatchDepth = number | undefined;

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The directories to watch for a set of globs. A glob's base directory that does not exist yet is watched
 * through its parent (one more level deep), so its creation is seen; beyond that the rescan finds it.
 */
export async function watchTargets(globs: readonly CompiledGlob[]): Promise<Map<string, WatchDepth>> {
  const out = new Map<string, WatchDepth>();
  const add = (dir: string, depth: WatchDepth) => {
    if (!out.has(dir)) out.set(dir, depth);
    else {
      const prev = out.get(dir);
      if (prev !== undefined && (depth === undefined || depth > prev)) out.set(dir, depth); // the deeper wins
    }
  };
  for (const g of globs) {
    if (await isDir(g.base)) add(g.base, g.depth);
    else {
      const parent = path.dirname(g.base);
      if (parent !== g.base && (await isDir(parent))) add(parent, g.depth === undefined ? undefined : g.depth + 1);
    }
  }
  return out;
}

export class DirWatcher {
  private readonly instances = new Map<string, { watcher: FSWatcher; dirs: Set<string> }>();
  private closed = false;

  constructor(
    private readonly onEvent: (event: FsEvent, path: string) => void,
    private readonly logger: Logger,
  ) {}

  /** Watch exactly these directories from now on. */
  update(targets: Map<string, WatchDepth>): void {
    if (this.closed) return;
    const wanted = new Map<string, Set<string>>();
    for (const [dir, depth] of targets) {
      const key = depth === undefined ? 'all' : String(depth);
      let dirs = wanted.get(key);
      if (!dirs) wanted.set(key, (dirs = new Set()));
      dirs.add(dir);
    }
    for (const [key, inst] of this.instances) {
      const dirs = wanted.get(key);
      if (!dirs) {
        this.instances.delete(key);
        inst.watcher.close().catch(() => undefined);
        continue;
      }
      const gone = [...inst.dirs].filter((d) => !dirs.has(d));
      if (gone.length > 0) inst.watcher.unwatch(gone);
      for (const d of gone) inst.dirs.delete(d);
    }
    for (const [key, dirs] of wanted) {
      let inst = this.instances.get(key);
      if (!inst) {
        const watcher = watch([], {
          ignoreInitial: true,
          persistent: true,
          followSymlinks: false,
          ignorePermissionErrors: true,
          depth: key === 'all' ? undefined : Number(key),
        });
        watcher.on('all', (event, p) => this.onEvent(event as FsEvent, p));
        watcher.on('error', (err) => this.logger.debug({ err: errorMessage(err) }, 'file watcher error'));
        inst = { watcher, dirs: new Set() };
        this.instances.set(key, inst);
      }
      const fresh = [...dirs].filter((d) => !inst.dirs.has(d));
      if (fresh.length > 0) inst.watcher.add(fresh);
      for (const d of fresh) inst.dirs.add(d);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(all.map((i) => i.watcher.close().catch(() => undefined)));
  }
}
