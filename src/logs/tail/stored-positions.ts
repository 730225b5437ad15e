/**
 * The positions loaded from the offsets file that no scan has matched to a file yet (restart state), and
 * the groups they belong to. Bookkeeping only, no I/O: the file table takes a position when it finds its
 * file, and writes what is left back with the offsets.
 *
 * Policies (see also src/logs/tail/README.md): a group with stored positions is not "first tailed" after a
 * restart (`start_at` does not apply to it). An entry whose file is not found is kept for `retainMissingMs`
 * after the first scan that missed it (its group may be added later, e.g. a sandbox seen again after a
 * restart), then forgotten.
 */
import * as path from 'node:path';
import { fileKey } from './fingerprint';
import type { StoredPosition } from './offsets';

export class StoredPositions {
  /** By dev:ino, in load order (the order the offsets file gets them back in). */
  private readonly byKey = new Map<string, StoredPosition>();
  /** Groups that had stored offsets at start: Herald tailed them before this run. */
  private readonly groupsWithState = new Set<string>();

  load(positions: readonly StoredPosition[]): void {
    for (const p of positions) {
      this.byKey.set(fileKey(p.dev, p.ino), { ...p });
      this.groupsWithState.add(p.group);
    }
  }

  /** Ids of the groups that had stored positions when the offsets file was loaded. */
  groupIds(): ReadonlySet<string> {
    return this.groupsWithState;
  }

  /** The position stored for the file `key` (dev:ino), removed: the file is known now. */
  take(key: string): StoredPosition | undefined {
    const stored = this.byKey.get(key);
    if (stored) this.byKey.delete(key);
    return stored;
  }

  /**
   * Keeps the position of a file that is no longer tailed, as missing, for `keepMs` from `nowMs` (it is
   * dated back so that expireMissing drops it then; it is written with the offsets meanwhile).
   */
  keep(p: Omit<StoredPosition, 'missingSinceMs'>, nowMs: number, keepMs: number, retainMissingMs: number): void {
    this.byKey.set(fileKey(p.dev, p.ino), { ...p, missingSinceMs: nowMs - Math.max(0, retainMissingMs - keepMs) });
  }

  /** The positions not matched yet, in load order. */
  values(): IterableIterator<StoredPosition> {
    return this.byKey.values();
  }

  /**
   * After each scan: entries still not found are marked missing from `nowMs`, and forgotten once
   * missing for more than `retainMissingMs`. True when one was forgotten.
   */
  expireMissing(nowMs: number, retainMissingMs: number): boolean {
    let forgot = false;
    for (const [key, s] of this.byKey) {
      if (s.missingSinceMs === undefined) s.missingSinceMs = nowMs;
      else if (nowMs - s.missingSinceMs > retainMissingMs) {
        this.byKey.delete(key);
        forgot = true;
      }
    }
    return forgot;
  }

  /** The positions of groups in `groups` that have a path, by the directory of that path. */
  byDirectory(groups: ReadonlyMap<string, unknown>): Map<string, StoredPosition[]> {
    const byDir = new Map<string, StoredPosition[]>();
    for (const s of this.byKey.values()) {
      if (!groups.has(s.group) || !s.path) continue;
      const dir = path.dirname(s.path);
      byDir.set(dir, [...(byDir.get(dir) ?? []), s]);
    }
    return byDir;
  }
}
